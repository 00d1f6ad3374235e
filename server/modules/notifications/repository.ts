import { and, desc, eq, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { db, type Executor } from '../../../db/client.ts';
import { notifications } from '../../../db/schema/index.ts';

export type NotificationRow = typeof notifications.$inferSelect;

/** Inserts notifications; rows whose dedupe key exists already are skipped (a job that runs twice). */
export async function insert(executor: Executor, rows: Array<typeof notifications.$inferInsert>): Promise<NotificationRow[]> {
  if (rows.length === 0) return [];
  return executor.insert(notifications).values(rows).onConflictDoNothing({ target: notifications.dedupeKey }).returning();
}

export async function findByIds(ids: string[]): Promise<NotificationRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(notifications).where(inArray(notifications.id, ids));
}

export async function list(filter: { userId: string; unread: boolean; afterId?: string; limit: number }): Promise<NotificationRow[]> {
  const conditions: SQL[] = [eq(notifications.userId, filter.userId)];
  if (filter.unread) conditions.push(isNull(notifications.readAt));
  if (filter.afterId) conditions.push(lt(notifications.id, filter.afterId));
  return db
    .select()
    .from(notifications)
    .where(and(...conditions))
    .orderBy(desc(notifications.id))
    .limit(filter.limit + 1);
}

/** Marks one of the user's notifications read; false when it is not theirs or does not exist. */
export async function markRead(userId: string, id: string): Promise<boolean> {
  const rows = await db
    .update(notifications)
    .set({ readAt: sql`coalesce(${notifications.readAt}, now())` })
    .where(and(eq(notifications.id, id), eq(notifications.userId, userId)))
    .returning({ id: notifications.id });
  return rows.length > 0;
}

export async function markAllRead(userId: string): Promise<void> {
  await db
    .update(notifications)
    .set({ readAt: sql`now()` })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
}

export async function countUnread(userId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
  return row?.count ?? 0;
}
