import { Worker } from 'bullmq';
import { logger } from '../server/logger.ts';
import { notifyOfflineMember, sweepOwedNotifications } from '../server/modules/chat/notify.ts';
import { QUEUES, bullOptions, type ChatNotifyJob } from './queues.ts';

/** Idempotent: the member's notified cursor decides what is left to tell (see server/modules/chat/notify.ts). */
export function handleChatNotify(data: ChatNotifyJob) {
  return notifyOfflineMember(data);
}

const SWEEP_INTERVAL_MS = 30_000;

export async function startChatNotifyWorker(): Promise<{ worker: Worker; stop(): void }> {
  const worker = new Worker<ChatNotifyJob>(QUEUES.chatNotify, (job) => handleChatNotify(job.data), {
    ...(await bullOptions()),
    concurrency: 8,
  });
  worker.on('failed', (job, error) => logger.warn({ jobId: job?.id, err: error.message }, 'chat-notify job failed'));
  let sweeping = false;
  const timer = setInterval(async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      const count = await sweepOwedNotifications();
      if (count > 0) logger.info({ count }, 'chat-notify sweep notified members the live path missed');
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'chat-notify sweep failed');
    } finally {
      sweeping = false;
    }
  }, SWEEP_INTERVAL_MS);
  return { worker, stop: () => clearInterval(timer) };
}
