/**
 * Group commit for messages. Sends from every connection and route of this process queue here; while a lane's
 * transaction is in flight, new sends wait and its next transaction takes all of them (up to MAX_BATCH). At low
 * load a message gets its own transaction at once (no timer, no added latency); under load the batches grow and
 * one fsync covers hundreds of messages. Every outcome is settled only after its transaction committed, and the
 * `committed` listeners (fan-out) run after the outcomes are settled.
 */
import { logger } from '../../logger.ts';
import * as repository from './repository.ts';
import type { DraftMessage, DraftOutcome, MessageRow } from './repository.ts';

const MAX_BATCH = 400;
/**
 * Independent lanes, each with one transaction in flight: a conversation always goes to the same lane, so this
 * process's concurrent transactions never wait on each other's row locks (no convoys), and each lane keeps
 * commit order = seq order for its conversations.
 */
const LANES = 3;
const MAX_ATTEMPTS = 4;

/** What a send ends with ('busy' drafts are retried by the writer, never returned). */
export type FinalOutcome = Exclude<DraftOutcome, { kind: 'busy' }>;

type Pending = {
  draft: DraftMessage;
  resolve(outcome: FinalOutcome): void;
  reject(error: Error): void;
  onSettled?: (outcome: FinalOutcome) => void;
  /** Times this draft found its conversation locked by another instance's transaction. */
  deferred: number;
};
/** After this many deferrals a batch waits for the locks (no starvation). */
const MAX_DEFERRALS = 3;
type Lane = { queue: Pending[]; busy: boolean };

const lanes: Lane[] = Array.from({ length: LANES }, () => ({ queue: [], busy: false }));
const committedListeners: Array<(messages: MessageRow[]) => void> = [];

function laneOf(conversationId: string): Lane {
  // The last hex digits of a UUID are random (v7: rand_b).
  return lanes[Number.parseInt(conversationId.slice(-4), 16) % LANES]!;
}

/** Runs after each commit with the messages it created, in commit order (fan-out, notifications). */
export function onCommitted(listener: (messages: MessageRow[]) => void): void {
  committedListeners.push(listener);
}

/**
 * Queues a message for the next transaction. `onSettled` runs synchronously right after the commit (before
 * fan-out), which lets a socket send its ack before anyone else hears of the message.
 */
export function submit(draft: DraftMessage, onSettled?: (outcome: FinalOutcome) => void): Promise<FinalOutcome> {
  return new Promise<FinalOutcome>((resolve, reject) => {
    const lane = laneOf(draft.conversationId);
    lane.queue.push({ draft, resolve, reject, onSettled, deferred: 0 });
    pump(lane);
  });
}

function pump(lane: Lane): void {
  if (lane.busy || lane.queue.length === 0) return;
  const batch = lane.queue.splice(0, MAX_BATCH);
  lane.busy = true;
  void run(batch, lane).finally(() => {
    lane.busy = false;
    pump(lane);
  });
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? (error as { cause?: { code?: string } })?.cause?.code;
  // serialization failure, deadlock, unique violation (a writer that did not take the lock), lost connection
  return code === '40001' || code === '40P01' || code === '23505' || code === 'CONNECTION_CLOSED' || code === 'CONNECTION_ENDED' || code === 'ECONNRESET';
}

/** Throughput figures, logged at debug level every 5 s while there is traffic (benchmarks, diagnosis). */
const stats = { batches: 0, messages: 0, transactionMs: 0, maxQueue: 0 };
setInterval(() => {
  if (stats.batches === 0) return;
  logger.debug(
    { batches: stats.batches, messages: stats.messages, meanBatch: +(stats.messages / stats.batches).toFixed(1), meanTransactionMs: +(stats.transactionMs / stats.batches).toFixed(2), maxQueue: stats.maxQueue },
    'chat writer',
  );
  Object.assign(stats, { batches: 0, messages: 0, transactionMs: 0, maxQueue: 0 });
}, 5_000).unref();

async function run(batch: Pending[], lane: Lane): Promise<void> {
  stats.maxQueue = Math.max(stats.maxQueue, lane.queue.length + batch.length);
  const wait = batch.some((pending) => pending.deferred >= MAX_DEFERRALS);
  const started = performance.now();
  let outcomes: DraftOutcome[] | null = null;
  let lastError: unknown = null;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && outcomes === null; attempt += 1) {
    try {
      outcomes = await repository.writeBatch(
        batch.map((pending) => pending.draft),
        { wait },
      );
    } catch (error) {
      lastError = error;
      // Retrying is safe even when a COMMIT's fate is unknown: the idempotency key finds what was stored.
      if (!isRetryable(error) || attempt === MAX_ATTEMPTS) break;
      await Bun.sleep(5 * attempt);
    }
  }
  stats.batches += 1;
  stats.messages += batch.length;
  stats.transactionMs += performance.now() - started;
  if (outcomes === null) {
    logger.error({ err: (lastError as Error)?.message, size: batch.length }, 'chat: message batch failed');
    const failure = lastError instanceof Error ? lastError : new Error(String(lastError));
    for (const pending of batch) pending.reject(failure);
    return;
  }
  const created: MessageRow[] = [];
  const seen = new Set<MessageRow>();
  const busy: Pending[] = [];
  for (let index = 0; index < batch.length; index += 1) {
    const outcome = outcomes[index]!;
    const pending = batch[index]!;
    if (outcome.kind === 'busy') {
      pending.deferred += 1;
      busy.push(pending);
      continue;
    }
    if (outcome.kind === 'created' && !seen.has(outcome.message)) {
      seen.add(outcome.message);
      created.push(outcome.message);
    }
    try {
      pending.onSettled?.(outcome);
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'chat: settle callback failed');
    }
    pending.resolve(outcome);
  }
  // Deferred drafts go first in the next batch of their lane (their order among themselves is kept).
  if (busy.length > 0) {
    lane.queue.unshift(...busy);
    // Nothing could be written: give the other transaction a moment instead of spinning on its locks.
    if (busy.length === batch.length) await Bun.sleep(1);
  }
  if (created.length === 0) return;
  for (const listener of committedListeners) {
    try {
      listener(created);
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'chat: committed listener failed');
    }
  }
}

/** Sends queued or in flight (tests and graceful shutdown). */
export function backlog(): number {
  return lanes.reduce((count, lane) => count + lane.queue.length + (lane.busy ? 1 : 0), 0);
}
