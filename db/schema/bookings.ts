import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './accounts.ts';
import { id } from './ids.ts';

/** requested and confirmed hold the slot (the exclusion constraint covers them); the others are final. */
export const bookingStatus = pgEnum('booking_status', ['requested', 'confirmed', 'declined', 'cancelled', 'completed']);

/**
 * A lesson booking. Price, fee, earnings, currency and the cancellation policy are a snapshot taken at creation:
 * later rate or policy changes never touch existing bookings.
 * In the custom migration: the exclusion constraint `bookings_no_overlap` (no two active bookings of one tutor
 * overlap, under any concurrency) and the trigger that refuses illegal status transitions.
 */
export const bookings = pgTable(
  'bookings',
  {
    id: id(),
    tutorId: uuid('tutor_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    studentId: uuid('student_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    status: bookingStatus('status').notNull().default('requested'),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    durationMinutes: integer('duration_minutes').notNull(),
    subject: text('subject').notNull(),
    note: text('note'),
    currency: text('currency').notNull(),
    /** Snapshot of the tutor's hourly rate (minor units) when booked. */
    hourlyRateAmount: integer('hourly_rate_amount').notNull(),
    priceAmount: integer('price_amount').notNull(),
    /** Snapshot of PLATFORM_FEE_PERCENT when booked. */
    platformFeePercent: integer('platform_fee_percent').notNull(),
    platformFeeAmount: integer('platform_fee_amount').notNull(),
    tutorEarningsAmount: integer('tutor_earnings_amount').notNull(),
    /** Snapshot of the tutor's cancellation cutoff when booked. */
    cancellationCutoffHours: integer('cancellation_cutoff_hours').notNull(),
    /** Null until cancelled. */
    refundEligible: boolean('refund_eligible'),
    conversationId: uuid('conversation_id'),
    /** Bumped by every change; reminders carry the version they were scheduled for and do nothing when it moved on. */
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check('bookings_duration', sql`${table.durationMinutes} between 30 and 240 and ${table.durationMinutes} % 15 = 0`),
    check('bookings_ends_at', sql`${table.endsAt} = ${table.startsAt} + ${table.durationMinutes} * interval '1 minute'`),
    check('bookings_money', sql`${table.priceAmount} >= 0 and ${table.platformFeeAmount} >= 0 and ${table.platformFeeAmount} + ${table.tutorEarningsAmount} = ${table.priceAmount}`),
    check('bookings_currency', sql`${table.currency} ~ '^[A-Z]{3}$'`),
    check('bookings_not_self', sql`${table.tutorId} <> ${table.studentId}`),
    check('bookings_refund_when_cancelled', sql`(${table.refundEligible} is null) = (${table.status} <> 'cancelled')`),
    index('bookings_tutor_start_idx').on(table.tutorId, table.startsAt, table.id),
    index('bookings_student_start_idx').on(table.studentId, table.startsAt, table.id),
    index('bookings_confirmed_end_idx').on(table.endsAt).where(sql`${table.status} = 'confirmed'`),
  ],
);

/** Every status change and reschedule: who, when, from, to, why. */
export const bookingEvents = pgTable(
  'booking_events',
  {
    id: id(),
    bookingId: uuid('booking_id')
      .notNull()
      .references(() => bookings.id, { onDelete: 'cascade' }),
    /** Null for the system (the auto-complete job). */
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    fromStatus: bookingStatus('from_status'),
    toStatus: bookingStatus('to_status').notNull(),
    reason: text('reason'),
    /** The booking's start after this event (changes on reschedule). */
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('booking_events_booking_idx').on(table.bookingId, table.id)],
);
