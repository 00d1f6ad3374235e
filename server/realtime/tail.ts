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

/**
 * One script per committed batch: for each conversation, append to the tail, trim it, refresh its TTL and
 * publish the batch to the other instances. One round trip instead of four commands per conversation.
 */
const APPEND_AND_PUBLISH = `
local size = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local a = 3
for i = 1, #KEYS do
  local channel = ARGV[a]
  local payload = ARGV[a + 1]
  local m = tonumber(ARGV[a + 2])
  a = a + 3
  local args = {}
  for j = 1, m do
    args[#args + 1] = ARGV[a]
    args[#args + 1] = ARGV[a + 1]
    a = a + 2
  end
  redis.call('ZADD', KEYS[i], unpack(args))
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -(size + 1))
  redis.call('EXPIRE', KEYS[i], ttl)
  redis.call('PUBLISH', channel, payload)
end
return #KEYS
`;
const APPEND_AND_PUBLISH_SHA = new Bun.CryptoHasher('sha1').update(APPEND_AND_PUBLISH).digest('hex');

export type TailBatch = Array<{ conversationId: string; channel: string; payload: string; entries: TailEntry[] }>;

/** Appends committed messages to their tails and publishes them (see the script). Fire and forget. */
export function appendAndPublish(batch: TailBatch): void {
  if (!redis.isReady || batch.length === 0) return;
  const keys = batch.map((item) => tailKey(item.conversationId));
  const args: string[] = [String(TAIL_SIZE), String(TAIL_TTL_SECONDS)];
  for (const item of batch) {
    args.push(item.channel, item.payload, String(item.entries.length));
    for (const entry of item.entries) args.push(String(entry.seq), entry.json);
  }
  const command = (verb: 'EVALSHA' | 'EVAL', script: string) => redis.sendCommand([verb, script, String(keys.length), ...keys, ...args]);
  command('EVALSHA', APPEND_AND_PUBLISH_SHA).catch((error: Error) => {
    if (error.message.includes('NOSCRIPT')) command('EVAL', APPEND_AND_PUBLISH).catch(() => {});
  });
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
