/**
 * Queue names, payloads and default retry policy: the one place that defines what jobs exist.
 */
import { Queue, type JobsOptions } from 'bullmq';
import { env } from '../server/env.ts';
import { createRedis, type RedisClient } from '../server/redis.ts';

export const QUEUES = {
  email: 'email',
  bookings: 'bookings',
  chatNotify: 'chat-notify',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Emails are rendered by the worker from a template name and its data. */
export type EmailJob =
  | { template: 'verify_email'; to: string; name: string; tokenSeed: string }
  | { template: 'reset_password'; to: string; name: string; tokenSeed: string }
  | { template: 'password_changed'; to: string; name: string }
  | { template: 'tutor_approved'; to: string; name: string; tutorId: string }
  | { template: 'tutor_rejected'; to: string; name: string; reason: string }
  | BookingEmailJob
  | ChatDigestEmailJob;

/** At most one per conversation and member per CHAT_DIGEST_MINUTES: the unread messages of a conversation. */
export type ChatDigestEmailJob = {
  template: 'chat_digest';
  to: string;
  name: string;
  conversationId: string;
  /** Who wrote (names), or the group's title. */
  from: string;
  unreadCount: number;
  excerpts: Array<{ from: string; body: string }>;
};

/** A booking email (request, confirmation, decline, cancellation, reschedule, reminder) with its .ics; rendered in the recipient's zone. */
export type BookingEmailJob = {
  template: 'booking';
  event: 'requested' | 'confirmed' | 'declined' | 'cancelled' | 'rescheduled' | 'reminder';
  to: string;
  name: string;
  /** The recipient's IANA zone: times are shown in it. */
  timezone: string;
  role: 'student' | 'tutor';
  otherName: string;
  bookingId: string;
  subject: string;
  startsAt: string;
  endsAt: string;
  previousStartsAt?: string;
  reason?: string | null;
  refundEligible?: boolean | null;
  /** Hours before the start, for reminders. */
  lead?: number;
  /** RFC 5545 SEQUENCE: the booking's version, so calendars apply updates in order. */
  sequence: number;
};

/**
 * The bookings queue: reminders (outbox rows with runAt = start - 24 h / - 1 h; stale when the booking's version
 * moved on), plus the repeatable auto-complete and availability-window jobs (job schedulers, no outbox row).
 */
export type BookingJob = { kind: 'reminder'; bookingId: string; version: number; startsAt: string; lead: number };

/** A member may be owed an offline notification in a conversation (deduplicated per few seconds; idempotent). */
export type ChatNotifyJob = { conversationId: string; userId: string };

export type JobPayloads = { email: EmailJob; bookings: BookingJob; 'chat-notify': ChatNotifyJob };

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

/** Options every Queue and Worker uses: the shared connection and the deployment's key prefix. */
export async function bullOptions(): Promise<{ connection: RedisClient; prefix: string }> {
  return { connection: await bullConnection(), prefix: env.queuePrefix };
}

export async function getQueue(name: QueueName): Promise<Queue> {
  let queue = queues.get(name);
  if (!queue) {
    queue = new Queue(name, { ...(await bullOptions()), defaultJobOptions: DEFAULT_JOB_OPTIONS });
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
