/**
 * What happens after a batch of messages commits, in this order:
 * 1. this instance's sockets (the hub's rooms put them in seq order; the sending socket already has its ack);
 * 2. the Redis hot tail and one pub/sub publish per conversation for the other instances (one script call);
 * 3. members without an open socket anywhere: a chat-notify job (in-app notification now, email digest at most
 *    once per conversation per CHAT_DIGEST_MINUTES). Jobs are deduplicated per few seconds; the worker's sweep
 *    finds anything missed (Redis down or flushed) from the read and notified cursors in Postgres.
 */
import { getQueue } from '../../jobs/queues.ts';
import { logger } from '../logger.ts';
import { cachedMemberIds, toMessageDto } from '../modules/chat/service.ts';
import { onCommitted } from '../modules/chat/writer.ts';
import type { MessageRow } from '../modules/chat/repository.ts';
import { conversationChannel, payloadOf } from './bus.ts';
import { onlineUsers } from './presence.ts';
import { appendAndPublish } from './tail.ts';

export type Delivery = { seq: number; senderId: string | null; clientId: string; json: string };
type LocalDelivery = (conversationId: string, deliveries: Delivery[]) => void;

let localDelivery: LocalDelivery | null = null;

/** The hub of this process registers itself here. */
export function setLocalDelivery(deliver: LocalDelivery): void {
  localDelivery = deliver;
}

onCommitted((rows: MessageRow[]) => {
  const byConversation = new Map<string, Delivery[]>();
  for (const row of rows) {
    const delivery: Delivery = { seq: row.seq, senderId: row.senderId, clientId: row.clientId, json: JSON.stringify(toMessageDto(row)) };
    const list = byConversation.get(row.conversationId);
    if (list) list.push(delivery);
    else byConversation.set(row.conversationId, [delivery]);
  }
  for (const [conversationId, deliveries] of byConversation) {
    deliveries.sort((a, b) => a.seq - b.seq);
    localDelivery?.(conversationId, deliveries);
  }
  // Hot tail + pub/sub in one script call; JSON never contains a raw newline, so one line per message.
  appendAndPublish(
    [...byConversation].map(([conversationId, deliveries]) => ({
      conversationId,
      channel: conversationChannel(conversationId),
      payload: payloadOf('m', deliveries.map((delivery) => delivery.json).join('\n')),
      entries: deliveries,
    })),
  );
  void notifyOffline(byConversation).catch((error: Error) => logger.warn({ err: error.message }, 'chat: offline notification check failed'));
});

/** Recently seen online: skips a Redis round trip per message for busy rooms. */
const onlineSeen = new Map<string, number>();
const ONLINE_CACHE_MS = 2_000;

async function notifyOffline(byConversation: Map<string, Delivery[]>): Promise<void> {
  const wanted: Array<{ conversationId: string; userId: string }> = [];
  for (const [conversationId, deliveries] of byConversation) {
    const senders = new Set(deliveries.map((delivery) => delivery.senderId));
    for (const userId of await cachedMemberIds(conversationId)) {
      if (!senders.has(userId)) wanted.push({ conversationId, userId });
    }
  }
  const now = Date.now();
  const unknown = [...new Set(wanted.map((entry) => entry.userId))].filter((userId) => now - (onlineSeen.get(userId) ?? 0) > ONLINE_CACHE_MS);
  const online = await onlineUsers(unknown);
  for (const userId of online) onlineSeen.set(userId, now);
  if (onlineSeen.size > 100_000) onlineSeen.clear();
  const offline = wanted.filter((entry) => now - (onlineSeen.get(entry.userId) ?? 0) > ONLINE_CACHE_MS);
  if (offline.length === 0) return;
  const queue = await getQueue('chat-notify');
  await Promise.all(
    offline.map(({ conversationId, userId }) =>
      queue.add(
        'chat-notify',
        { conversationId, userId },
        // One job per member and committed batch (the id makes a re-add a no-op); the handler catches up with
        // everything unread past the member's notified cursor, so a later job finds nothing left and does nothing.
        { jobId: `cn-${conversationId}-${userId}-${byConversation.get(conversationId)![0]!.seq}`, delay: 300, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } },
      ),
    ),
  );
}
