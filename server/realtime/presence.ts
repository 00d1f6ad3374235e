/**
 * Ephemeral state in Redis with TTLs: who is online (a sorted set of connection ids per user, scored by expiry,
 * refreshed by each instance's heartbeat, so a crashed instance's connections expire by themselves) and who is
 * typing. Nothing here is worth persisting; with Redis down, users read as offline and typing is not shown.
 */
import { redis } from '../redis.ts';

export const PRESENCE_TTL_MS = 60_000;
const TYPING_TTL_SECONDS = 6;
const presenceKey = (userId: string) => `presence:${userId}`;

export async function markOnline(entries: Array<{ userId: string; connectionId: string }>): Promise<void> {
  if (!redis.isReady || entries.length === 0) return;
  const expiry = Date.now() + PRESENCE_TTL_MS;
  await Promise.all(
    entries.flatMap(({ userId, connectionId }) => [
      redis.zAdd(presenceKey(userId), { score: expiry, value: connectionId }),
      redis.pExpire(presenceKey(userId), PRESENCE_TTL_MS),
    ]),
  ).catch(() => {});
}

/** Removes a connection; resolves to whether the user still has a live connection anywhere. */
export async function markOffline(userId: string, connectionId: string): Promise<boolean> {
  if (!redis.isReady) return false;
  try {
    await redis.zRem(presenceKey(userId), connectionId);
    return (await redis.zCount(presenceKey(userId), Date.now(), '+inf')) > 0;
  } catch {
    return false;
  }
}

/** The users among `userIds` with a live connection on any instance (empty when Redis is down). */
export async function onlineUsers(userIds: string[]): Promise<Set<string>> {
  const online = new Set<string>();
  if (!redis.isReady || userIds.length === 0) return online;
  try {
    const now = Date.now();
    const counts = await Promise.all(userIds.map((userId) => redis.zCount(presenceKey(userId), now, '+inf')));
    counts.forEach((count, index) => count > 0 && online.add(userIds[index]!));
  } catch {
    // unknown: treat as offline (they get a notification rather than nothing)
  }
  return online;
}

export function markTyping(conversationId: string, userId: string): void {
  if (!redis.isReady) return;
  redis.set(`typing:${conversationId}:${userId}`, '1', { EX: TYPING_TTL_SECONDS }).catch(() => {});
}
