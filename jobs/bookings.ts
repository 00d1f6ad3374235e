/**
 * The bookings queue: lesson reminders (outbox rows with runAt, see bookings/service.ts `remind`), the
 * repeatable auto-complete of confirmed lessons, and the daily extension of the availability search windows.
 * Every handler is idempotent: reminders go through `settle` and dedupe keys, the others through guarded updates.
 */
import { Worker, type Job } from 'bullmq';
import { logger } from '../server/logger.ts';
import { refreshStaleWindows } from '../server/modules/availability/service.ts';
import { completeOverdue, remind } from '../server/modules/bookings/service.ts';
import { settle, type OwedJobData } from '../server/modules/outbox/service.ts';
import { QUEUES, bullOptions, getQueue } from './queues.ts';

export const AUTO_COMPLETE_EVERY_MS = 10 * 60_000;
export const WINDOWS_REFRESH_EVERY_MS = 60 * 60_000;
const SCHEDULER_CHECK_EVERY_MS = 5 * 60_000;

export async function handleReminder(data: OwedJobData<'bookings'>): Promise<string> {
  let outcome = 'skipped';
  await settle(data.outboxId, async () => {
    outcome = await remind(data.payload);
  });
  logger.info({ outboxId: data.outboxId, bookingId: data.payload.bookingId, lead: data.payload.lead, outcome }, 'booking reminder');
  return outcome;
}

export async function handleBookingJob(job: Job): Promise<string> {
  switch (job.name) {
    case 'auto_complete': {
      // Batches of 200 until the backlog is gone (bounded, so one run never hogs the worker).
      let total = 0;
      for (let batch = 0; batch < 25; batch++) {
        const completed = await completeOverdue({ limit: 200 });
        total += completed;
        if (completed < 200) break;
      }
      return `completed ${total}`;
    }
    case 'refresh_windows':
      return `refreshed ${await refreshStaleWindows()}`;
    default:
      return handleReminder(job.data as OwedJobData<'bookings'>);
  }
}

/** Idempotent: schedulers are upserted by id, so every worker process may call this at start. */
export async function ensureBookingSchedulers(): Promise<void> {
  const queue = await getQueue(QUEUES.bookings);
  await queue.upsertJobScheduler('bookings-auto-complete', { every: AUTO_COMPLETE_EVERY_MS }, { name: 'auto_complete', data: {} });
  await queue.upsertJobScheduler('availability-windows-refresh', { every: WINDOWS_REFRESH_EVERY_MS }, { name: 'refresh_windows', data: {} });
}

export async function startBookingWorker(): Promise<Worker> {
  const worker = new Worker(QUEUES.bookings, handleBookingJob, { ...(await bullOptions()), concurrency: 4 });
  worker.on('error', (error) => logger.warn({ err: error.message }, 'bookings worker error'));
  worker.on('failed', (job, error) => {
    logger.warn({ jobId: job?.id, name: job?.name, attempts: job?.attemptsMade, err: error.message }, 'bookings job failed');
  });
  await ensureBookingSchedulers();
  // Schedulers live only in Redis: re-assert them now and then so a Redis flush does not stop them for good.
  const timer = setInterval(() => {
    ensureBookingSchedulers().catch((error: Error) => logger.warn({ err: error.message }, 'could not ensure booking schedulers'));
  }, SCHEDULER_CHECK_EVERY_MS);
  worker.on('closing', () => clearInterval(timer));
  return worker;
}
