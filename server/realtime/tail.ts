/**
 * The hot tail: the newest TAIL_SIZE messages of each conversation in a Redis sorted set (score = seq, member =
 * the message's JSON), for fast history and resume. Postgres is the record: a read uses the tail only when it holds
 * every seq of the requested range (it may miss entries after a flush, an outage or a failed write), otherwise the
 * caller falls back to Postgres. Writes are best effort and never fail the write path.
 */
import { redis } from '../redis.ts';

export const TAIL_SIZE = 200;
const TAIL_TTL_SECONDS = 7 * 24 * 3600;
const tailKey = (conversationId: string) => `chat:tail:${conversationId}`;

export type TailEntry = { seq: number; json: string };

/** Appends committed messages (grouped by conversation) and trims each tail. Fire and forget. */
export function appendToTail(byConversation: Map<string, TailEntry[]>): void {
  if (!redis.isReady) return;
  for (const [conversationId, entries] of byConversation) {
    const key = tailKey(conversationId);
    // Commands issued in the same tick are pipelined by node-redis.
    redis.zAdd(key, entries.map((entry) => ({ score: entry.seq, value: entry.json }))).catch(() => {});
    redis.zRemRangeByRank(key, 0, -(TAIL_SIZE + 1)).catch(() => {});
    redis.expire(key, TAIL_TTL_SECONDS).catch(() => {});
  }
}

/**
 * Messages with fromSeq < seq <= toSeq as JSON strings in seq order, or null when the tail does not hold all
 * of them (the caller reads Postgres).
 */
export async function readTail(conversationId: string, fromSeq: number, toSeq: number): Promise<string[] | null> {
  if (toSeq <= fromSeq) return [];
  if (!redis.isReady) return null;
  try {
    const entries = await redis.zRangeWithScores(tailKey(conversationId), `(${fromSeq}`, toSeq, { BY: 'SCORE' });
    if (entries.length !== toSeq - fromSeq) return null;
    for (let index = 0; index < entries.length; index += 1) {
      if (entries[index]!.score !== fromSeq + 1 + index) return null;
    }
    return entries.map((entry) => entry.value as string);
  } catch {
    return null;
  }
}
