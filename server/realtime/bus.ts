/**
 * The Redis pub/sub bridge between server instances. One subscriber connection per process (node-redis needs a
 * dedicated one), channels subscribed on demand and reference-counted; node-redis resubscribes by itself after a
 * reconnect, and `onReconnect` listeners (the hub) then fetch from Postgres whatever was published while the
 * connection was down. Publishing is best effort: every message is in Postgres and the hub repairs gaps.
 */
import { logger } from '../logger.ts';
import { createRedis, redis, type RedisClient } from '../redis.ts';

/** Identifies this process in what it publishes, so it can skip its own messages (it delivered them locally). */
export const instanceId = Bun.randomUUIDv7().slice(-12);

export const conversationChannel = (conversationId: string) => `lyceum:conv:${conversationId}`;

type Handler = (payload: string) => void;

let subscriber: RedisClient | null = null;
let connecting: Promise<void> | null = null;
const handlers = new Map<string, { handler: Handler; refs: number }>();
const reconnectListeners: Array<() => void> = [];
let everReady = false;

function ensureSubscriber(): Promise<void> {
  connecting ??= (async () => {
    subscriber = createRedis({ name: 'realtime-sub' });
    subscriber.on('ready', () => {
      if (everReady) {
        logger.info('realtime: redis subscriber reconnected; resynchronising rooms');
        for (const listener of reconnectListeners) listener();
      }
      everReady = true;
    });
    await subscriber.connect().catch((error: Error) => logger.warn({ err: error.message }, 'realtime: redis subscriber unavailable at start'));
  })();
  return connecting;
}

/** Calls `listener` after the subscriber reconnects (channels are resubscribed by then). */
export function onReconnect(listener: () => void): void {
  reconnectListeners.push(listener);
}

export async function subscribe(channel: string, handler: Handler): Promise<void> {
  const entry = handlers.get(channel);
  if (entry) {
    entry.refs += 1;
    return;
  }
  handlers.set(channel, { handler, refs: 1 });
  await ensureSubscriber();
  try {
    await subscriber!.subscribe(channel, (message) => handlers.get(channel)?.handler(message));
  } catch (error) {
    // Down right now: node-redis subscribes again when it reconnects only for channels it knows, so remember
    // to retry through the reconnect listener (the hub's resync also covers what was missed).
    logger.warn({ err: (error as Error).message, channel }, 'realtime: subscribe failed, will retry on reconnect');
    pendingSubscribe.add(channel);
  }
}

const pendingSubscribe = new Set<string>();
onReconnect(() => {
  for (const channel of [...pendingSubscribe]) {
    pendingSubscribe.delete(channel);
    const entry = handlers.get(channel);
    if (!entry) continue;
    subscriber?.subscribe(channel, (message) => handlers.get(channel)?.handler(message)).catch(() => pendingSubscribe.add(channel));
  }
});

export async function unsubscribe(channel: string): Promise<void> {
  const entry = handlers.get(channel);
  if (!entry) return;
  entry.refs -= 1;
  if (entry.refs > 0) return;
  handlers.delete(channel);
  pendingSubscribe.delete(channel);
  await subscriber?.unsubscribe(channel).catch(() => {});
}

/** What instances publish: `<instanceId>|<kind>|<body>` (kind m: message lines, f: a frame to relay as is). */
export const payloadOf = (kind: 'm' | 'f', body: string) => `${instanceId}|${kind}|${body}`;

/** Publishes to other instances. Never throws. */
export function publish(channel: string, kind: 'm' | 'f', body: string): void {
  if (!redis.isReady) return;
  redis.publish(channel, payloadOf(kind, body)).catch(() => {});
}

export function parse(payload: string): { origin: string; kind: string; body: string } | null {
  const first = payload.indexOf('|');
  const second = payload.indexOf('|', first + 1);
  if (first < 0 || second < 0) return null;
  return { origin: payload.slice(0, first), kind: payload.slice(first + 1, second), body: payload.slice(second + 1) };
}

export async function closeBus(): Promise<void> {
  handlers.clear();
  if (subscriber?.isOpen) await subscriber.close().catch(() => {});
  subscriber = null;
  connecting = null;
}
