/**
 * The transactional outbox (DESIGN.md rule 6). Services call `owe` inside their transaction and `relay` after
 * commit; the worker's sweep re-enqueues whatever is owed but missing from BullMQ (a crash between commit and
 * enqueue, or a Redis flush). The outbox row id is the BullMQ job id, so relaying twice never runs a job twice,
 * and handlers go through `settle`, which skips rows already done.
 */
import type { Executor } from '../../../db/client.ts';
import { getQueue, type JobPayloads, type QueueName } from '../../../jobs/queues.ts';
import { logger } from '../../logger.ts';
import * as repository from './repository.ts';
import type { OutboxRow } from './repository.ts';

export type Owed<Q extends QueueName = QueueName> = {
  queue: Q;
  payload: JobPayloads[Q];
  /** Job name, shown in /admin/queues. Defaults to the queue name. */
  name?: string;
  runAt?: Date;
  subjectId?: string;
};

/** The data every outbox-backed job carries. */
export type OwedJobData<Q extends QueueName = QueueName> = { outboxId: string; payload: JobPayloads[Q] };

export async function owe(executor: Executor, effects: Owed[]): Promise<string[]> {
  if (effects.length === 0) return [];
  const rows = await repository.insertOwed(
    executor,
    effects.map((effect) => ({
      queue: effect.queue,
      name: effect.name ?? effect.queue,
      payload: effect.payload,
      runAt: effect.runAt ?? new Date(),
      subjectId: effect.subjectId ?? null,
    })),
  );
  return rows.map((row) => row.id);
}

async function enqueue(rows: OutboxRow[]): Promise<void> {
  const now = Date.now();
  for (const row of rows) {
    const queue = await getQueue(row.queue as QueueName);
    const data: OwedJobData = { outboxId: row.id, payload: row.payload as JobPayloads[QueueName] };
    await queue.add(row.name, data, { jobId: row.id, delay: Math.max(0, row.runAt.getTime() - now) });
  }
  await repository.markEnqueued(rows.map((row) => row.id));
}

/**
 * Moves just-committed rows into BullMQ. Never throws: if Redis is away, the sweep delivers them later.
 */
export async function relay(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    await enqueue(await repository.findOwed(ids));
  } catch (error) {
    logger.warn({ err: (error as Error).message, count: ids.length }, 'outbox relay deferred to sweep');
  }
}

/** Re-enqueues owed rows whose job BullMQ does not have (never enqueued, or lost with a Redis flush). */
export async function sweep(limit = 500): Promise<number> {
  const pending = await repository.findPending(limit);
  const missing: OutboxRow[] = [];
  for (const row of pending) {
    const queue = await getQueue(row.queue as QueueName);
    if (!(await queue.getJob(row.id))) missing.push(row);
  }
  if (missing.length > 0) {
    await enqueue(missing);
    logger.info({ count: missing.length }, 'outbox sweep re-enqueued owed jobs');
  }
  return missing.length;
}

/**
 * Runs an owed effect at most once to completion: skips rows already done, marks the row done after `effect`.
 * A crash after the effect but before the mark repeats it (at-least-once); effects are written to tolerate that.
 */
export async function settle(outboxId: string, effect: () => Promise<void>): Promise<'done' | 'skipped'> {
  const row = await repository.findById(outboxId);
  if (!row || row.doneAt) return 'skipped';
  try {
    await effect();
  } catch (error) {
    await repository.recordAttempt(outboxId, (error as Error).message.slice(0, 1000));
    throw error;
  }
  await repository.recordAttempt(outboxId, null);
  await repository.markDone(outboxId);
  return 'done';
}

export const countPendingDue = repository.countPendingDue;
