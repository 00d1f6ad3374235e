/**
 * The worker process: consumes every queue and runs the outbox sweep that re-enqueues owed jobs missing from
 * BullMQ. On SIGTERM it lets running jobs finish before closing.
 */
import type { Worker } from 'bullmq';
import { closeDb } from '../db/client.ts';
import { env } from '../server/env.ts';
import { exitWithParent } from '../server/lib/process.ts';
import { logger } from '../server/logger.ts';
import { sweep } from '../server/modules/outbox/service.ts';
import { closeRedis, connectRedis } from '../server/redis.ts';
import { startBookingWorker } from './bookings.ts';
import { startChatNotifyWorker } from './chatNotify.ts';
import { startEmailWorker } from './email.ts';
import { closeMail } from './mail/transport.ts';
import { closeQueues } from './queues.ts';

const SWEEP_INTERVAL_MS = 15_000;

export async function startWorkers(): Promise<{ stop(): Promise<void> }> {
  await connectRedis();
  const chatNotify = await startChatNotifyWorker();
  const workers: Worker[] = [await startEmailWorker(), await startBookingWorker(), chatNotify.worker];
  let sweeping = false;
  const runSweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      await sweep();
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'outbox sweep failed');
    } finally {
      sweeping = false;
    }
  };
  await runSweep();
  const timer = setInterval(runSweep, SWEEP_INTERVAL_MS);
  return {
    /** Stops consuming (running jobs finish); shared connections stay open for the caller to close. */
    async stop() {
      clearInterval(timer);
      chatNotify.stop();
      await Promise.all(workers.map((worker) => worker.close()));
      closeMail();
    },
  };
}

if (import.meta.main) {
  const running = await startWorkers();
  logger.info('lyceum workers running');
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'workers shutting down: finishing running jobs');
    await running.stop();
    await Promise.allSettled([closeQueues(), closeRedis(), closeDb()]);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  exitWithParent(env.supervised, () => void shutdown('parent-exit'));
}
