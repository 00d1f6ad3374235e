import { createClient } from 'redis';
import { env } from './env.ts';
import { logger } from './logger.ts';

export type RedisClient = ReturnType<typeof createRedisClient>;
const createRedisClient = (url: string) => createClient({ url });

/**
 * A node-redis client that keeps reconnecting forever. With `failFast` commands issued while disconnected
 * fail at once instead of queueing, so request paths can fall back to Postgres when Redis is down.
 */
export function createRedis(options: { name: string; failFast?: boolean; url?: string }): RedisClient {
  const client = createClient({
    url: options.url ?? env.redisUrl,
    name: `lyceum-${options.name}`,
    disableOfflineQueue: options.failFast ?? false,
    socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000), connectTimeout: 2000 },
  });
  let lastErrorLog = 0;
  client.on('error', (error: Error) => {
    // Reconnects emit an error each time; log at most every 5 s.
    if (Date.now() - lastErrorLog > 5000) {
      lastErrorLog = Date.now();
      logger.warn({ err: error.message, redis: options.name }, 'redis connection error');
    }
  });
  return client;
}

/** The shared client for caches, rate limits and tickets. Connect once with `connectRedis()`. */
export const redis = createRedis({ name: 'main', failFast: true });

let connecting: Promise<unknown> | null = null;
export function connectRedis(): Promise<unknown> {
  connecting ??= redis.connect().catch((error: Error) => {
    // Stay usable: node-redis keeps retrying in the background; callers fall back where they can.
    logger.warn({ err: error.message }, 'redis unavailable at start');
  });
  return connecting;
}

export async function closeRedis(): Promise<void> {
  if (redis.isOpen) await redis.close();
}
