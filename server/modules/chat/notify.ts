/**
 * Offline notifications for chat (service layer; the chat-notify job and its sweep call these).
 * Idempotent by construction: the member's `notified_seq` cursor moves forward in the same transaction that
 * writes the in-app notification (dedupe key = conversation, member, seq) and owes the digest email (outbox),
 * and `last_emailed_at` is claimed in that transaction too, so at most one digest per CHAT_DIGEST_MINUTES.
 */
import { db } from '../../../db/client.ts';
import { env } from '../../env.ts';
import { onlineUsers } from '../../realtime/presence.ts';
import { notify, push } from '../notifications/service.ts';
import { owe, relay } from '../outbox/service.ts';
import * as repository from './repository.ts';

const EXCERPT_CHARS = 140;
const MAX_EXCERPTS = 5;

const excerpt = (body: string) => (body.length > EXCERPT_CHARS ? `${body.slice(0, EXCERPT_CHARS - 1)}…` : body);

export type NotifyOutcome = 'notified' | 'nothing_unread' | 'online' | 'gone' | 'already_done';

export async function notifyOfflineMember(input: { conversationId: string; userId: string }): Promise<NotifyOutcome> {
  const state = await repository.notifyState(input.conversationId, input.userId);
  if (!state || !state.active) return 'gone';
  if ((await onlineUsers([input.userId])).has(input.userId)) return 'online';
  const after = Math.max(state.lastReadSeq, state.notifiedSeq);
  const unread = await repository.unreadFromOthers(input.conversationId, input.userId, after, 50);
  if (unread.length === 0) return 'nothing_unread';
  const newest = unread[unread.length - 1]!;
  const senders = [...new Set(unread.map((message) => message.senderName ?? 'Lyceum'))];
  const from = state.kind === 'direct' || !state.title ? senders.join(', ') : state.title;
  const result = await db.transaction(async (tx) => {
    if (!(await repository.advanceNotified(tx, input.conversationId, input.userId, newest.seq))) return null;
    const notificationIds = await notify(tx, [
      {
        userId: input.userId,
        category: 'message',
        title: unread.length === 1 ? `New message from ${from}` : `${unread.length} new messages from ${from}`,
        body: excerpt(newest.body),
        data: { conversationId: input.conversationId, seq: newest.seq },
        dedupeKey: `chat:${input.conversationId}:${input.userId}:${newest.seq}`,
      },
    ]);
    let outboxIds: string[] = [];
    if (state.emailVerified && (await repository.claimDigest(tx, input.conversationId, input.userId, env.chatDigestMinutes))) {
      outboxIds = await owe(tx, [
        {
          queue: 'email',
          name: 'chat_digest',
          subjectId: input.userId,
          payload: {
            template: 'chat_digest',
            to: state.email,
            name: state.name,
            conversationId: input.conversationId,
            from,
            unreadCount: unread.length,
            excerpts: unread.slice(-MAX_EXCERPTS).map((message) => ({ from: message.senderName ?? 'Lyceum', body: excerpt(message.body) })),
          },
        },
      ]);
    }
    return { notificationIds, outboxIds };
  });
  if (!result) return 'already_done';
  await Promise.all([push(result.notificationIds), relay(result.outboxIds)]);
  return 'notified';
}

/** Members owed a notification that the live path missed (Redis down or flushed, a worker crash). */
export async function sweepOwedNotifications(limit = 200): Promise<number> {
  const owed = await repository.owedNotifications(20, limit);
  let done = 0;
  for (const entry of owed) if ((await notifyOfflineMember(entry)) === 'notified') done += 1;
  return done;
}
