/**
 * The audit log: who did what to which target, from which IP and user agent. `record` takes the caller's
 * transaction so the row commits (or rolls back) with the change it describes.
 */
import type { Executor } from '../../../db/client.ts';
import { db } from '../../../db/client.ts';
import { decodeCursor, page } from '../../lib/pagination.ts';
import { assertAdmin } from '../../plugins/auth.ts';
import type { Actor } from '../accounts/sessions.ts';
import * as repository from './repository.ts';

export type AuditEntry = {
  actorId: string | null;
  action: string;
  target?: { type: string; id: string };
  meta: { ip: string | null; userAgent: string | null };
  metadata?: Record<string, unknown>;
};

export async function record(executor: Executor, entry: AuditEntry): Promise<void> {
  await repository.insert(executor, {
    actorId: entry.actorId,
    action: entry.action,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    ip: entry.meta.ip,
    userAgent: entry.meta.userAgent,
    metadata: entry.metadata ?? {},
  });
}

/** For actions outside any other transaction (e.g. a failed sign-in). */
export function recordNow(entry: AuditEntry): Promise<void> {
  return record(db, entry);
}

export type AuditDto = {
  id: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  metadata: Record<string, unknown>;
};

export async function list(input: { actor: Actor; actorId?: string; action?: string; limit: number; cursor?: string }) {
  assertAdmin(input.actor);
  const after = decodeCursor(input.cursor, ['uuid']);
  const rows = await repository.list({
    actorId: input.actorId,
    action: input.action,
    afterId: after ? (after[0] as string) : undefined,
    limit: input.limit,
  });
  const result = page(rows, input.limit, (row) => [row.id]);
  return {
    items: result.items.map(
      (row): AuditDto => ({
        id: row.id,
        actorId: row.actorId,
        action: row.action,
        targetType: row.targetType,
        targetId: row.targetId,
        ip: row.ip,
        userAgent: row.userAgent,
        createdAt: row.createdAt.toISOString(),
        metadata: row.metadata as Record<string, unknown>,
      }),
    ),
    nextCursor: result.nextCursor,
  };
}
