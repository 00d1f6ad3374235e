import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { id } from './ids.ts';

/**
 * Side effects still owed (DESIGN.md rule 6). A row is written in the same transaction as the change that
 * owes it; the relay enqueues it into BullMQ after commit, using the row id as the job id so a re-enqueue
 * after a crash or a Redis flush never runs it twice. `done_at` is set by the handler when the effect happened.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: id(),
    queue: text('queue').notNull(),
    name: text('name').notNull(),
    payload: jsonb('payload').notNull(),
    /** When the job may run (delayed effects such as reminders). */
    runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    enqueuedAt: timestamp('enqueued_at', { withTimezone: true }),
    doneAt: timestamp('done_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Optional subject (e.g. a user) for debugging and admin views. */
    subjectId: uuid('subject_id'),
  },
  (table) => [index('outbox_pending_idx').on(table.runAt).where(sql`${table.doneAt} is null`)],
);
