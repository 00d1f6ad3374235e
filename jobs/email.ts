import { Worker } from 'bullmq';
import { settle, type OwedJobData } from '../server/modules/outbox/service.ts';
import { logger } from '../server/logger.ts';
import { renderEmail } from './mail/templates.ts';
import { sendMail } from './mail/transport.ts';
import { QUEUES, bullOptions } from './queues.ts';

export async function handleEmail(data: OwedJobData<'email'>): Promise<'done' | 'skipped'> {
  return settle(data.outboxId, async () => {
    const mail = renderEmail(data.payload);
    await sendMail(mail);
    logger.info({ outboxId: data.outboxId, template: data.payload.template }, 'email sent');
  });
}

export async function startEmailWorker(): Promise<Worker> {
  const worker = new Worker<OwedJobData<'email'>>(QUEUES.email, (job) => handleEmail(job.data), {
    ...(await bullOptions()),
    concurrency: 8,
  });
  worker.on('failed', (job, error) => {
    logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'email job failed');
  });
  return worker;
}
