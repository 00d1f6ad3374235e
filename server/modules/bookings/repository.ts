import { and, asc, eq, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import { db, type Executor } from '../../../db/client.ts';
import { bookingEvents, bookings, users } from '../../../db/schema/index.ts';

export type BookingRow = typeof bookings.$inferSelect;
export type NewBooking = typeof bookings.$inferInsert;
export type EventRow = typeof bookingEvents.$inferSelect;
export type BookingStatus = BookingRow['status'];
export type Person = { id: string; name: string; email: string; timezone: string; photoPath: string | null };

export const ACTIVE: BookingStatus[] = ['requested', 'confirmed'];

/** Postgres error of a failed statement (drizzle wraps it in DrizzleQueryError.cause). */
export function pgError(error: unknown): { code?: string; constraint_name?: string } | null {
  const candidates = [error, (error as { cause?: unknown })?.cause];
  for (const candidate of candidates) {
    if (candidate && typeof candidate === 'object' && typeof (candidate as { code?: unknown }).code === 'string') {
      return candidate as { code?: string; constraint_name?: string };
    }
  }
  return null;
}

/** The exclusion constraint bookings_no_overlap said no. */
export function isOverlap(error: unknown): boolean {
  return pgError(error)?.code === '23P01';
}

/**
 * Two inserts (or moves) racing for overlapping times can deadlock inside the exclusion constraint: each waits for
 * the other's uncommitted row. Postgres aborts one; it is retried, and then meets the winner's row (409) or, if the
 * winner rolled back, takes the slot.
 */
export function isRetryable(error: unknown): boolean {
  const code = pgError(error)?.code;
  return code === '40P01' || code === '40001';
}

/** Runs `work` in a transaction, again (up to `attempts` times) when Postgres aborted it for a deadlock. */
export async function inTransaction<T>(work: (tx: Executor) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((tx) => work(tx));
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      await Bun.sleep(Math.random() * 10 * attempt);
    }
  }
}

/** The state-machine trigger refused a transition (a race lost to another transition). */
export function isIllegalTransition(error: unknown): boolean {
  const pg = pgError(error);
  return pg?.code === '23514' && pg.constraint_name === 'bookings_transition';
}

export async function insert(executor: Executor, values: NewBooking): Promise<BookingRow> {
  const [row] = await executor.insert(bookings).values(values).returning();
  return row!;
}

export async function findById(id: string, executor: Executor = db): Promise<BookingRow | undefined> {
  const [row] = await executor.select().from(bookings).where(eq(bookings.id, id));
  return row;
}

const overlaps = (fromIso: string, toIso: string) =>
  sql`tstzrange(${bookings.startsAt}, ${bookings.endsAt}, '[)') && tstzrange(${fromIso}::timestamptz, ${toIso}::timestamptz, '[)')`;

/** Active bookings of a tutor overlapping [from, to) (uses the exclusion constraint's GiST index). */
export async function findActiveOverlapping(
  tutorId: string,
  from: Date,
  to: Date,
  options: { exceptId?: string; executor?: Executor } = {},
): Promise<Array<{ id: string; startsAt: Date; endsAt: Date }>> {
  const conditions: SQL[] = [
    eq(bookings.tutorId, tutorId),
    sql`${bookings.status} in ('requested', 'confirmed')`,
    overlaps(from.toISOString(), to.toISOString()),
  ];
  if (options.exceptId) conditions.push(sql`${bookings.id} <> ${options.exceptId}`);
  return (options.executor ?? db)
    .select({ id: bookings.id, startsAt: bookings.startsAt, endsAt: bookings.endsAt })
    .from(bookings)
    .where(and(...conditions))
    .orderBy(asc(bookings.startsAt));
}

/**
 * The guarded transition: updates the row only while it is still in the state (and version) the caller read,
 * so of two racing transitions exactly one wins; the loser gets undefined.
 */
export async function updateIfCurrent(
  executor: Executor,
  expected: { id: string; status: BookingStatus; version: number },
  values: Partial<Pick<BookingRow, 'status' | 'refundEligible' | 'startsAt' | 'endsAt'>>,
): Promise<BookingRow | undefined> {
  const [row] = await executor
    .update(bookings)
    .set({ ...values, version: sql`${bookings.version} + 1`, updatedAt: sql`now()` })
    .where(and(eq(bookings.id, expected.id), eq(bookings.status, expected.status), eq(bookings.version, expected.version)))
    .returning();
  return row;
}

export async function setConversation(id: string, conversationId: string): Promise<void> {
  await db.update(bookings).set({ conversationId }).where(and(eq(bookings.id, id), sql`${bookings.conversationId} is null`));
}

export async function insertEvents(executor: Executor, rows: Array<typeof bookingEvents.$inferInsert>): Promise<void> {
  if (rows.length > 0) await executor.insert(bookingEvents).values(rows);
}

export async function eventsFor(bookingIds: string[], executor: Executor = db): Promise<EventRow[]> {
  if (bookingIds.length === 0) return [];
  return executor.select().from(bookingEvents).where(inArray(bookingEvents.bookingId, bookingIds)).orderBy(asc(bookingEvents.createdAt), asc(bookingEvents.id));
}

/** Names, emails and zones of booking participants (a read of the users they are). */
export async function findPeople(ids: string[], executor: Executor = db): Promise<Map<string, Person>> {
  if (ids.length === 0) return new Map();
  const rows = await executor
    .select({ id: users.id, name: users.name, email: users.email, timezone: users.timezone, photoPath: users.photoPath })
    .from(users)
    .where(inArray(users.id, [...new Set(ids)]));
  return new Map(rows.map((row) => [row.id, row]));
}

/** The caller's bookings, soonest start first; the cursor is (startsAt, id) of the last row. */
export async function list(filter: {
  userId: string;
  as?: 'student' | 'tutor';
  status?: BookingStatus;
  after?: { startsAt: string; id: string };
  limit: number;
}): Promise<BookingRow[]> {
  const conditions: SQL[] = [];
  if (filter.as === 'student') conditions.push(eq(bookings.studentId, filter.userId));
  else if (filter.as === 'tutor') conditions.push(eq(bookings.tutorId, filter.userId));
  else conditions.push(or(eq(bookings.studentId, filter.userId), eq(bookings.tutorId, filter.userId))!);
  if (filter.status) conditions.push(eq(bookings.status, filter.status));
  if (filter.after) conditions.push(sql`(${bookings.startsAt}, ${bookings.id}) > (${filter.after.startsAt}::timestamptz, ${filter.after.id}::uuid)`);
  return db
    .select()
    .from(bookings)
    .where(and(...conditions))
    .orderBy(asc(bookings.startsAt), asc(bookings.id))
    .limit(filter.limit + 1);
}

/** Confirmed bookings that ended at or before `endedBefore`, oldest first. */
export async function findOverdue(endedBefore: Date, limit: number): Promise<BookingRow[]> {
  return db
    .select()
    .from(bookings)
    .where(and(sql`${bookings.status} = 'confirmed'`, lte(bookings.endsAt, endedBefore)))
    .orderBy(asc(bookings.endsAt))
    .limit(limit);
}

/** True when the two users are the tutor and student of any booking. */
export async function shareABooking(userA: string, userB: string): Promise<boolean> {
  const [row] = await db
    .select({ id: bookings.id })
    .from(bookings)
    .where(or(and(eq(bookings.tutorId, userA), eq(bookings.studentId, userB)), and(eq(bookings.tutorId, userB), eq(bookings.studentId, userA))))
    .limit(1);
  return row !== undefined;
}
