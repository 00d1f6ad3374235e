import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import { db, type Executor } from '../../../db/client.ts';
import { outbox } from '../../../db/schema/index.ts';

export type OutboxRow = typeof outbox.$inferSelect;
export type NewOutboxRow = typeof outbox.$inferInsert;

export async function insertOwed(executor: Executor, rows: NewOutboxRow[]): Promise<OutboxRow[]> {
  return executor.insert(outbox).values(rows).returning();
}

export async function findOwed(ids: string[]): Promise<OutboxRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(outbox).where(and(inArray(outbox.id, ids), isNull(outbox.doneAt)));
}

/** Rows still owed, oldest first: what a sweep must make sure is in BullMQ. */
export async function findPending(limit: number): Promise<OutboxRow[]> {
  return db.select().from(outbox).where(isNull(outbox.doneAt)).orderBy(asc(outbox.runAt)).limit(limit);
}

export async function markEnqueued(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.update(outbox).set({ enqueuedAt: sql`now()` }).where(inArray(outbox.id, ids));
}

export async function findById(id: string): Promise<OutboxRow | undefined> {
  const [row] = await db.select().from(outbox).where(eq(outbox.id, id));
  return row;
}

/** Marks the effect done; returns false when another run got there first. */
export async function markDone(id: string): Promise<boolean> {
  const rows = await db
    .update(outbox)
    .set({ doneAt: sql`now()` })
    .where(and(eq(outbox.id, id), isNull(outbox.doneAt)))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

export async function recordAttempt(id: string, error: string | null): Promise<void> {
  await db
    .update(outbox)
    .set({ attempts: sql`${outbox.attempts} + 1`, lastError: error })
    .where(eq(outbox.id, id));
}

export async function countPendingDue(): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(outbox)
    .where(and(isNull(outbox.doneAt), lte(outbox.runAt, sql`now()`)));
  return row?.count ?? 0;
}
