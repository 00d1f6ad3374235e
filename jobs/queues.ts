/**
 * Queue names, payloads and default retry policy: the one place that defines what jobs exist.
 */
import { Queue, type JobsOptions } from 'bullmq';
import { createRedis, type RedisClient } from '../server/redis.ts';

export const QUEUES = {
  email: 'email',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Emails are rendered by the worker from a template name and its data. */
export type EmailJob =
  | { template: 'verify_email'; to: string; name: string; tokenSeed: string }
  | { template: 'reset_password'; to: string; name: string; tokenSeed: string }
  | { template: 'password_changed'; to: string; name: string };

export type JobPayloads = { email: EmailJob };

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 2_000 },
  // Keep the record of success briefly, failures for inspection in /admin/queues.
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

let connection: RedisClient | null = null;
const queues = new Map<QueueName, Queue>();

/** The node-redis connection BullMQ uses (STACK.md: pass node-redis as `connection`). */
export async function bullConnection(): Promise<RedisClient> {
  if (!connection) {
    connection = createRedis({ name: 'bullmq' });
    await connection.connect();
  }
  return connection;
}

export async function getQueue(name: QueueName): Promise<Queue> {
  let queue = queues.get(name);
  if (!queue) {
    queue = new Queue(name, { connection: await bullConnection(), defaultJobOptions: DEFAULT_JOB_OPTIONS });
    queues.set(name, queue);
  }
  return queue;
}

export async function closeQueues(): Promise<void> {
  await Promise.all([...queues.values()].map((queue) => queue.close()));
  queues.clear();
  if (connection?.isOpen) await connection.close();
  connection = null;
}
