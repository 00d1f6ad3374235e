import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { db, type Executor } from '../../../db/client.ts';
import { auditLog } from '../../../db/schema/index.ts';

export type AuditRow = typeof auditLog.$inferSelect;

export async function insert(executor: Executor, values: typeof auditLog.$inferInsert): Promise<void> {
  await executor.insert(auditLog).values(values);
}

export async function list(filter: {
  actorId?: string;
  action?: string;
  /** Id of the last row of the previous page. Ids are UUIDv7, so id order is creation order. */
  afterId?: string;
  limit: number;
}): Promise<AuditRow[]> {
  const conditions: SQL[] = [];
  if (filter.actorId) conditions.push(eq(auditLog.actorId, filter.actorId));
  if (filter.action) conditions.push(eq(auditLog.action, filter.action));
  if (filter.afterId) conditions.push(lt(auditLog.id, filter.afterId));
  return db
    .select()
    .from(auditLog)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(filter.limit + 1);
}
