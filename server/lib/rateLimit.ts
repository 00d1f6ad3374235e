/**
 * Fixed-window counters in Redis, so limits hold across server instances.
 * If Redis is unreachable the limiter fails open (logs it): refusing every sign-in would be worse.
 */
import { DomainError } from '../errors.ts';
import { logger } from '../logger.ts';
import { redis } from '../redis.ts';

export type Limit = { name: string; max: number; windowSeconds: number };

const KEY_PREFIX = 'rl:';

function tooMany(retryAfterSeconds: number): DomainError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new DomainError('rate_limited', `Too many attempts. Try again in ${seconds} seconds.`, undefined, {
    'retry-after': String(seconds),
  });
}

/** Counts one hit against each limit; throws 429 when any is exceeded. */
export async function hit(limits: Array<{ limit: Limit; key: string }>): Promise<void> {
  for (const { limit, key } of limits) {
    const redisKey = `${KEY_PREFIX}${limit.name}:${key}`;
    let count: number;
    let ttl: number;
    try {
      const [counted, , remaining] = await redis
        .multi()
        .incr(redisKey)
        .expire(redisKey, limit.windowSeconds, 'NX')
        .ttl(redisKey)
        .execTyped();
      count = Number(counted);
      ttl = Number(remaining);
    } catch (error) {
      logger.warn({ err: (error as Error).message, limit: limit.name }, 'rate limiter unavailable, allowing');
      return;
    }
    if (count > limit.max) throw tooMany(ttl > 0 ? ttl : limit.windowSeconds);
  }
}

/** Checks a counter without counting (e.g. consecutive failures) and throws 429 when it is at its max. */
export async function check(limit: Limit, key: string): Promise<void> {
  const redisKey = `${KEY_PREFIX}${limit.name}:${key}`;
  try {
    const [value, ttl] = await redis.multi().get(redisKey).ttl(redisKey).execTyped();
    if (Number(value ?? 0) >= limit.max) throw tooMany(Number(ttl) > 0 ? Number(ttl) : limit.windowSeconds);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    logger.warn({ err: (error as Error).message, limit: limit.name }, 'rate limiter unavailable, allowing');
  }
}

/** Adds to a counter whose window restarts on every hit (consecutive failures). */
export async function record(limit: Limit, key: string): Promise<void> {
  const redisKey = `${KEY_PREFIX}${limit.name}:${key}`;
  try {
    await redis.multi().incr(redisKey).expire(redisKey, limit.windowSeconds).execTyped();
  } catch (error) {
    logger.warn({ err: (error as Error).message, limit: limit.name }, 'rate limiter unavailable');
  }
}

export async function reset(limit: Limit, key: string): Promise<void> {
  try {
    await redis.del(`${KEY_PREFIX}${limit.name}:${key}`);
  } catch {
    // A stale failure counter only delays a legitimate user; nothing to do.
  }
}
