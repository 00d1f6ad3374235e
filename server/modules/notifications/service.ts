/**
 * In-app notifications. `notify` writes rows in the caller's transaction; `push` sends them over the users'
 * open WebSockets after commit. Idempotent through `dedupeKey`, so jobs may call it twice.
 */
import type { Executor } from '../../../db/client.ts';
import { notFound } from '../../errors.ts';
import { decodeCursor, page } from '../../lib/pagination.ts';
import { publishToUser } from '../../realtime/publish.ts';
import type { Actor } from '../accounts/sessions.ts';
import * as repository from './repository.ts';
import type { NotificationRow } from './repository.ts';

export type NotificationCategory =
  | 'booking'
  | 'message'
  | 'tutor_approval'
  | 'payment'
  | 'bid'
  | 'question'
  | 'course'
  | 'reminder'
  | 'withdrawal'
  | 'account';

export type NewNotification = {
  userId: string;
  category: NotificationCategory;
  title: string;
  body: string;
  data?: Record<string, unknown>;
  dedupeKey?: string;
};

export type NotificationDto = {
  id: string;
  category: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  readAt: string | null;
  createdAt: string;
};

export function toDto(row: NotificationRow): NotificationDto {
  return {
    id: row.id,
    category: row.category,
    title: row.title,
    body: row.body,
    data: row.data as Record<string, unknown>,
    readAt: row.readAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Writes notifications in the caller's transaction; returns the ids to `push` after commit. */
export async function notify(executor: Executor, items: NewNotification[]): Promise<string[]> {
  const rows = await repository.insert(
    executor,
    items.map((item) => ({ ...item, data: item.data ?? {}, dedupeKey: item.dedupeKey ?? null })),
  );
  return rows.map((row) => row.id);
}

export async function push(ids: string[]): Promise<void> {
  const rows = await repository.findByIds(ids);
  await Promise.all(rows.map((row) => publishToUser(row.userId, { type: 'notification', notification: toDto(row) })));
}

export async function list(input: { actor: Actor; unread?: boolean; limit: number; cursor?: string }) {
  const after = decodeCursor(input.cursor, ['uuid']);
  const rows = await repository.list({ userId: input.actor.id, unread: input.unread ?? false, afterId: after?.[0] as string | undefined, limit: input.limit });
  const result = page(rows, input.limit, (row) => [row.id]);
  return { items: result.items.map(toDto), nextCursor: result.nextCursor };
}

export async function markRead(input: { actor: Actor; id: string }): Promise<void> {
  if (!(await repository.markRead(input.actor.id, input.id))) throw notFound('Notification');
}

export async function markAllRead(input: { actor: Actor }): Promise<void> {
  await repository.markAllRead(input.actor.id);
}
