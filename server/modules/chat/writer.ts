/**
 * Group commit for messages. Sends from every connection and route of this process queue here; while a
 * transaction is in flight, new sends wait and the next transaction takes all of them (up to MAX_BATCH). At low
 * load a message gets its own transaction at once (no timer, no added latency); under load the batches grow and
 * one fsync covers hundreds of messages. Every outcome is settled only after its transaction committed, and the
 * `committed` listeners (fan-out) run after the outcomes are settled.
 */
import { logger } from '../../logger.ts';
import * as repository from './repository.ts';
import type { DraftMessage, DraftOutcome, MessageRow } from './repository.ts';

const MAX_BATCH = 400;
/** Transactions in flight at once. Batches touching one conversation serialise on its row lock anyway. */
const MAX_IN_FLIGHT = 2;
const MAX_ATTEMPTS = 4;

type Pending = { draft: DraftMessage; resolve(outcome: DraftOutcome): void; reject(error: Error): void; onSettled?: (outcome: DraftOutcome) => void };

const queue: Pending[] = [];
let inFlight = 0;
const committedListeners: Array<(messages: MessageRow[]) => void> = [];

/** Runs after each commit with the messages it created, in commit order (fan-out, notifications). */
export function onCommitted(listener: (messages: MessageRow[]) => void): void {
  committedListeners.push(listener);
}

/**
 * Queues a message for the next transaction. `onSettled` runs synchronously right after the commit (before
 * fan-out), which lets a socket send its ack before anyone else hears of the message.
 */
export function submit(draft: DraftMessage, onSettled?: (outcome: DraftOutcome) => void): Promise<DraftOutcome> {
  return new Promise<DraftOutcome>((resolve, reject) => {
    queue.push({ draft, resolve, reject, onSettled });
    pump();
  });
}

function pump(): void {
  while (inFlight < MAX_IN_FLIGHT && queue.length > 0) {
    const batch = queue.splice(0, MAX_BATCH);
    inFlight += 1;
    void run(batch).finally(() => {
      inFlight -= 1;
      pump();
    });
  }
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? (error as { cause?: { code?: string } })?.cause?.code;
  // serialization failure, deadlock, unique violation (a writer that did not take the lock), lost connection
  return code === '40001' || code === '40P01' || code === '23505' || code === 'CONNECTION_CLOSED' || code === 'CONNECTION_ENDED' || code === 'ECONNRESET';
}

async function run(batch: Pending[]): Promise<void> {
  let outcomes: DraftOutcome[] | null = null;
  let lastError: unknown = null;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && outcomes === null; attempt += 1) {
    try {
      outcomes = await repository.writeBatch(batch.map((pending) => pending.draft));
    } catch (error) {
      lastError = error;
      // Retrying is safe even when a COMMIT's fate is unknown: the idempotency key finds what was stored.
      if (!isRetryable(error) || attempt === MAX_ATTEMPTS) break;
      await Bun.sleep(5 * attempt);
    }
  }
  if (outcomes === null) {
    logger.error({ err: (lastError as Error)?.message, size: batch.length }, 'chat: message batch failed');
    const failure = lastError instanceof Error ? lastError : new Error(String(lastError));
    for (const pending of batch) pending.reject(failure);
    return;
  }
  const created: MessageRow[] = [];
  const seen = new Set<MessageRow>();
  for (let index = 0; index < batch.length; index += 1) {
    const outcome = outcomes[index]!;
    const pending = batch[index]!;
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
  return queue.length + inFlight;
}
