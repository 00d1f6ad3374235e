import { sql } from 'drizzle-orm';
import { check, customType, date, index, integer, pgTable, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './accounts.ts';
import { id } from './ids.ts';

/** A Postgres tstzrange, read and written as its text form ('["2026-01-01 10:00:00+00","2026-01-01 11:00:00+00")'). */
export const tstzrange = customType<{ data: string; driverData: string }>({
  dataType: () => 'tstzrange',
});

/**
 * A tutor's booking settings: the IANA zone their weekly hours are written in, and the policy new bookings
 * snapshot (minimum notice, horizon, cancellation cutoff). One row per tutor, created with their first availability.
 */
export const tutorSchedules = pgTable(
  'tutor_schedules',
  {
    tutorId: uuid('tutor_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    timezone: text('timezone').notNull(),
    minNoticeMinutes: integer('min_notice_minutes').notNull().default(720),
    horizonDays: integer('horizon_days').notNull().default(90),
    /** Cancellation policy copied into every new booking: a student cancelling later than this before the start gets no refund. */
    cancellationCutoffHours: integer('cancellation_cutoff_hours').notNull().default(24),
    /** How far ahead `availability_windows` is materialised (the search index of free time). */
    windowsUntil: timestamp('windows_until', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check('tutor_schedules_notice', sql`${table.minNoticeMinutes} >= 0`),
    check('tutor_schedules_horizon', sql`${table.horizonDays} between 1 and 730`),
    check('tutor_schedules_cutoff', sql`${table.cancellationCutoffHours} >= 0`),
    index('tutor_schedules_windows_until_idx').on(table.windowsUntil),
  ],
);

/** Weekly hours: wall-clock minutes of an ISO weekday (Monday = 1) in the schedule's zone; end may be 1440 (24:00). */
export const availabilityWeekly = pgTable(
  'availability_weekly',
  {
    id: id(),
    tutorId: uuid('tutor_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    weekday: smallint('weekday').notNull(),
    startMinute: smallint('start_minute').notNull(),
    endMinute: smallint('end_minute').notNull(),
  },
  (table) => [
    check('availability_weekly_weekday', sql`${table.weekday} between 1 and 7`),
    check('availability_weekly_range', sql`${table.startMinute} >= 0 and ${table.endMinute} <= 1440 and ${table.startMinute} < ${table.endMinute}`),
    index('availability_weekly_tutor_idx').on(table.tutorId),
  ],
);

/**
 * Date exceptions: a row without minutes blocks the whole local date; rows with minutes replace that date's
 * weekly hours (several rows for one date add up).
 */
export const availabilityExceptions = pgTable(
  'availability_exceptions',
  {
    id: id(),
    tutorId: uuid('tutor_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    date: date('date', { mode: 'string' }).notNull(),
    startMinute: smallint('start_minute'),
    endMinute: smallint('end_minute'),
  },
  (table) => [
    check('availability_exceptions_pair', sql`(${table.startMinute} is null) = (${table.endMinute} is null)`),
    check(
      'availability_exceptions_range',
      sql`${table.startMinute} is null or (${table.startMinute} >= 0 and ${table.endMinute} <= 1440 and ${table.startMinute} < ${table.endMinute})`,
    ),
    index('availability_exceptions_tutor_idx').on(table.tutorId, table.date),
  ],
);

/**
 * The search index of open hours: each tutor's availability turned into UTC ranges (on the 15-minute grid) from
 * yesterday to past their horizon, rewritten whenever the availability changes and extended daily by a job.
 * Derived data: the rules above are the truth; slots and bookings are checked against the rules.
 * A GiST index on (tutor_id, during) lives in the custom migration (needs btree_gist).
 */
export const availabilityWindows = pgTable('availability_windows', {
  tutorId: uuid('tutor_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  during: tstzrange('during').notNull(),
});
