import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { db, type Executor } from '../../../db/client.ts';
import { availabilityExceptions, availabilityWeekly, availabilityWindows, tutorProfiles, tutorSchedules, users } from '../../../db/schema/index.ts';

export type ScheduleRow = typeof tutorSchedules.$inferSelect;
export type WeeklyRow = typeof availabilityWeekly.$inferSelect;
export type ExceptionRow = typeof availabilityExceptions.$inferSelect;

export type StoredAvailability = { schedule: ScheduleRow; weekly: WeeklyRow[]; exceptions: ExceptionRow[] };

export async function findAvailability(tutorId: string, executor: Executor = db): Promise<StoredAvailability | null> {
  const [schedule] = await executor.select().from(tutorSchedules).where(eq(tutorSchedules.tutorId, tutorId));
  if (!schedule) return null;
  const [weekly, exceptions] = await Promise.all([
    executor.select().from(availabilityWeekly).where(eq(availabilityWeekly.tutorId, tutorId)).orderBy(asc(availabilityWeekly.weekday), asc(availabilityWeekly.startMinute)),
    executor
      .select()
      .from(availabilityExceptions)
      .where(eq(availabilityExceptions.tutorId, tutorId))
      .orderBy(asc(availabilityExceptions.date), asc(availabilityExceptions.startMinute)),
  ]);
  return { schedule, weekly, exceptions };
}

/**
 * Replaces a tutor's availability. The upsert of the schedule row comes first and locks it, so two concurrent
 * saves of one tutor serialise instead of interleaving their deletes and inserts.
 */
export async function replaceAvailability(
  executor: Executor,
  tutorId: string,
  input: { timezone: string; weekly: Array<{ weekday: number; start: number; end: number }>; exceptions: Array<{ date: string; start: number | null; end: number | null }> },
): Promise<ScheduleRow> {
  const [schedule] = await executor
    .insert(tutorSchedules)
    .values({ tutorId, timezone: input.timezone })
    .onConflictDoUpdate({ target: tutorSchedules.tutorId, set: { timezone: input.timezone, updatedAt: sql`now()` } })
    .returning();
  await executor.delete(availabilityWeekly).where(eq(availabilityWeekly.tutorId, tutorId));
  await executor.delete(availabilityExceptions).where(eq(availabilityExceptions.tutorId, tutorId));
  if (input.weekly.length > 0) {
    await executor.insert(availabilityWeekly).values(input.weekly.map((range) => ({ tutorId, weekday: range.weekday, startMinute: range.start, endMinute: range.end })));
  }
  if (input.exceptions.length > 0) {
    await executor
      .insert(availabilityExceptions)
      .values(input.exceptions.map((exception) => ({ tutorId, date: exception.date, startMinute: exception.start, endMinute: exception.end })));
  }
  return schedule!;
}

const pgArray = (values: string[]) => `{${values.map((value) => `"${value}"`).join(',')}}`;

/** Rewrites the tutor's search windows (UTC ranges, ISO strings) and records how far they reach. */
export async function replaceWindows(executor: Executor, tutorId: string, windows: Array<[string, string]>, until: Date): Promise<void> {
  await executor.delete(availabilityWindows).where(eq(availabilityWindows.tutorId, tutorId));
  if (windows.length > 0) {
    await executor.execute(sql`
      insert into availability_windows (tutor_id, during)
      select ${tutorId}::uuid, tstzrange(w.lo, w.hi, '[)')
      from unnest(${pgArray(windows.map((w) => w[0]))}::timestamptz[], ${pgArray(windows.map((w) => w[1]))}::timestamptz[]) as w(lo, hi)`);
  }
  await executor.update(tutorSchedules).set({ windowsUntil: until }).where(eq(tutorSchedules.tutorId, tutorId));
}

/** Tutors whose search windows end before `before` (the daily refresh extends them). */
export async function findStaleWindowTutors(before: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ tutorId: tutorSchedules.tutorId })
    .from(tutorSchedules)
    .where(or(isNull(tutorSchedules.windowsUntil), lt(tutorSchedules.windowsUntil, before)))
    .orderBy(asc(tutorSchedules.windowsUntil))
    .limit(limit);
  return rows.map((row) => row.tutorId);
}

export type BookableTutor = {
  id: string;
  name: string;
  email: string;
  userTimezone: string;
  hourlyRateAmount: number;
  hourlyRateCurrency: string;
  approved: boolean;
};

/**
 * The tutor as bookings need them: public (approved, active, role tutor) and priced. A read of the tutor
 * profile's public columns, which this module needs to decide bookability.
 */
export async function findBookableTutor(tutorId: string, executor: Executor = db): Promise<BookableTutor | undefined> {
  const [row] = await executor
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      userTimezone: users.timezone,
      hourlyRateAmount: tutorProfiles.hourlyRateAmount,
      hourlyRateCurrency: tutorProfiles.hourlyRateCurrency,
    })
    .from(tutorProfiles)
    .innerJoin(users, eq(users.id, tutorProfiles.userId))
    .where(and(eq(tutorProfiles.userId, tutorId), sql`${tutorProfiles.approvalStatus} = 'approved'`, eq(users.role, 'tutor'), eq(users.active, true)));
  if (!row || row.hourlyRateAmount === null || row.hourlyRateCurrency === null) return undefined;
  return { ...row, hourlyRateAmount: row.hourlyRateAmount, hourlyRateCurrency: row.hourlyRateCurrency, approved: true };
}
