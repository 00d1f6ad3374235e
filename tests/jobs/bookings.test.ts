// Booking jobs: reminders 24 h and 1 h before the start are outbox rows with runAt and BullMQ delayed jobs at the
// right times; they do nothing after a reschedule or cancellation; a Redis flush loses none of them; handlers are
// idempotent; confirmed lessons complete automatically some hours after their end. The clock is driven by
// promoting delayed jobs and moving bookings in time, never by sleeping for a day.
import { beforeAll, describe, expect, test } from 'bun:test';
import { getQueue, type QueueName } from '../../jobs/queues.ts';
import { AUTO_COMPLETE_EVERY_MS, ensureBookingSchedulers, handleReminder } from '../../jobs/bookings.ts';
import { AUTO_COMPLETE_AFTER_HOURS, completeOverdue, remind } from '../../server/modules/bookings/service.ts';
import { sweep } from '../../server/modules/outbox/service.ts';
import { redis } from '../../server/redis.ts';
import { mailbox, useWorkers } from '../support/app.ts';
import { API, HOUR, act, approvedTutor, booked, iso, shiftBooking, sql, student, utcDay, type Person } from '../support/marketplace.ts';

type OutboxRow = { id: string; run_at: string; payload: any; done_at: string | null; enqueued_at: string | null };

beforeAll(async () => {
  await useWorkers();
});

async function reminderRows(bookingId: string): Promise<OutboxRow[]> {
  return (await sql`
    select id, run_at::text, payload, done_at::text, enqueued_at::text from outbox
    where queue = 'bookings' and name = 'reminder' and subject_id = ${bookingId}
    order by run_at`) as unknown as OutboxRow[];
}

async function waitUntilDone(outboxId: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [row] = await sql`select done_at from outbox where id = ${outboxId}`;
    if (row?.done_at) return;
    await Bun.sleep(50);
  }
  throw new Error(`outbox row ${outboxId} not done within ${timeoutMs} ms`);
}

/** Runs a delayed reminder now, through the real worker, as if its time had come. */
async function fire(outboxId: string): Promise<void> {
  const queue = await getQueue('bookings' as QueueName);
  const job = await queue.getJob(outboxId);
  if (!job) throw new Error(`no job ${outboxId}`);
  await job.promote();
  await waitUntilDone(outboxId);
}

async function reminders(person: Person): Promise<any[]> {
  const reply = await person.api.get(`${API}/notifications?limit=100`, { token: person.token });
  return reply.body.items.filter((item: any) => item.category === 'reminder');
}

async function pair(): Promise<{ tutor: Person; alice: Person }> {
  const [tutor, alice] = await Promise.all([approvedTutor({ name: 'Rita Reminder', timezone: 'Asia/Tokyo' }), student({ name: 'Remy Student', timezone: 'America/Chicago' })]);
  return { tutor, alice };
}

describe('schedulers', () => {
  test('the worker keeps repeatable schedulers for auto-complete and the availability index; re-asserting them is idempotent', async () => {
    const queue = await getQueue('bookings' as QueueName);
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((scheduler) => scheduler.key)).toEqual(expect.arrayContaining(['availability-windows-refresh', 'bookings-auto-complete']));
    await ensureBookingSchedulers();
    await ensureBookingSchedulers();
    const again = await queue.getJobSchedulers();
    expect(again.filter((scheduler) => scheduler.key === 'bookings-auto-complete')).toHaveLength(1);
    expect(again.find((scheduler) => scheduler.key === 'bookings-auto-complete')!.every).toBe(AUTO_COMPLETE_EVERY_MS);
  });
});

describe('lesson reminders', () => {
  test('confirming schedules reminders 24 h and 1 h before the start, as delayed jobs due at exactly those times', async () => {
    const { tutor, alice } = await pair();
    const start = utcDay(3, 10);
    const booking = await booked(alice, tutor.id, start);
    expect(await reminderRows(booking.id)).toEqual([]);
    await act(tutor, booking.id, 'confirm');
    const rows = await reminderRows(booking.id);
    expect(rows.map((row) => Date.parse(row.run_at))).toEqual([start.getTime() - 24 * HOUR, start.getTime() - HOUR]);
    expect(rows.map((row) => row.payload.lead)).toEqual([24, 1]);
    for (const row of rows) expect(row.payload).toMatchObject({ kind: 'reminder', bookingId: booking.id, startsAt: iso(start), version: 2 });

    const queue = await getQueue('bookings' as QueueName);
    for (const row of rows) {
      const job = await queue.getJob(row.id);
      expect(job).toBeDefined();
      expect(await job!.getState()).toBe('delayed');
      // Due when the row says: enqueue time + delay = runAt (within the enqueue's own latency).
      expect(Math.abs(job!.timestamp + job!.delay - Date.parse(row.run_at))).toBeLessThan(2_000);
    }
  });

  test('a reminder that comes due notifies both sides and emails them in their own zone', async () => {
    const { tutor, alice } = await pair();
    const start = utcDay(3, 15);
    const booking = await booked(alice, tutor.id, start);
    await act(tutor, booking.id, 'confirm');
    const [dayBefore, hourBefore] = await reminderRows(booking.id);
    await fire(dayBefore!.id);
    const forAlice = await reminders(alice);
    const forTutor = await reminders(tutor);
    expect(forAlice).toHaveLength(1);
    expect(forTutor).toHaveLength(1);
    expect(forAlice[0]).toMatchObject({ title: 'Lesson tomorrow', data: { bookingId: booking.id, lead: 24 } });
    const mailToAlice = await mailbox.waitFor((m) => m.to.includes(alice.email) && m.subject.startsWith('Reminder:'));
    await mailbox.waitFor((m) => m.to.includes(tutor.email) && m.subject.startsWith('Reminder:'));
    const chicago = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Chicago', hour: 'numeric', minute: '2-digit' }).format(start);
    expect(mailToAlice.text).toContain(chicago);
    expect(mailToAlice.subject).toContain('tomorrow');
    await fire(hourBefore!.id);
    expect((await reminders(alice)).map((n) => n.title).sort()).toEqual(['Lesson in 1 hour', 'Lesson tomorrow']);
  }, 30_000);

  test('after a reschedule the old reminders do nothing and new ones follow the new start', async () => {
    const { tutor, alice } = await pair();
    const booking = await booked(alice, tutor.id, utcDay(3, 10));
    await act(tutor, booking.id, 'confirm');
    const old = await reminderRows(booking.id);
    const newStart = utcDay(5, 12);
    expect((await act(alice, booking.id, 'reschedule', { startsAt: iso(newStart) })).status).toBe(200);
    for (const row of old) await fire(row.id);
    expect(await reminders(alice)).toEqual([]);
    expect(await reminders(tutor)).toEqual([]);
    const fresh = (await reminderRows(booking.id)).filter((row) => !old.some((o) => o.id === row.id));
    expect(fresh.map((row) => Date.parse(row.run_at))).toEqual([newStart.getTime() - 24 * HOUR, newStart.getTime() - HOUR]);
    expect(fresh.map((row) => row.payload.version)).toEqual([3, 3]);
    await fire(fresh[0]!.id);
    expect(await reminders(alice)).toHaveLength(1);
  }, 30_000);

  test('a reminder never fires for a cancelled booking', async () => {
    const { tutor, alice } = await pair();
    const booking = await booked(alice, tutor.id, utcDay(3, 10));
    await act(tutor, booking.id, 'confirm');
    await act(alice, booking.id, 'cancel');
    for (const row of await reminderRows(booking.id)) await fire(row.id);
    expect(await reminders(alice)).toEqual([]);
    expect(await reminders(tutor)).toEqual([]);
    expect(mailbox.messages.some((m) => m.to.includes(alice.email) && m.subject.startsWith('Reminder:'))).toBe(false);
  }, 30_000);

  test('confirmed less than 24 hours ahead: only the 1-hour reminder', async () => {
    const { tutor, alice } = await pair();
    const start = new Date(Math.ceil((Date.now() + 18 * HOUR) / (15 * 60_000)) * 15 * 60_000);
    const booking = await booked(alice, tutor.id, start);
    await act(tutor, booking.id, 'confirm');
    const rows = await reminderRows(booking.id);
    expect(rows.map((row) => [row.payload.lead, Date.parse(row.run_at)])).toEqual([[1, start.getTime() - HOUR]]);
  });

  test('a Redis flush loses no reminder: the sweep re-enqueues every owed one at its time, and it still fires', async () => {
    const { tutor, alice } = await pair();
    const start = utcDay(4, 9);
    const booking = await booked(alice, tutor.id, start);
    await act(tutor, booking.id, 'confirm');
    const rows = await reminderRows(booking.id);
    const queue = await getQueue('bookings' as QueueName);
    // Let the confirmation emails go first, so the flush does not pull a job from under a running worker.
    const [sent] = await sql`select array_agg(id::text) as ids from outbox where queue = 'email' and payload->>'bookingId' = ${booking.id}`;
    for (const id of sent!.ids as string[]) await waitUntilDone(id);
    await redis.flushDb();
    for (const row of rows) expect(await queue.getJob(row.id)).toBeUndefined();
    await sweep(100_000);
    for (const row of rows) {
      const job = await queue.getJob(row.id);
      expect(job).toBeDefined();
      expect(await job!.getState()).toBe('delayed');
      expect(Math.abs(job!.timestamp + job!.delay - Date.parse(row.run_at))).toBeLessThan(2_000);
    }
    await fire(rows[0]!.id);
    expect(await reminders(alice)).toHaveLength(1);
    // The repeatable jobs went with the flush; the worker re-asserts them (every few minutes), as here.
    await ensureBookingSchedulers();
    expect((await queue.getJobSchedulers()).map((scheduler) => scheduler.key)).toContain('bookings-auto-complete');
  }, 60_000);

  test('handlers are idempotent: a repeated job or a repeated run sends nothing twice', async () => {
    const { tutor, alice } = await pair();
    const booking = await booked(alice, tutor.id, utcDay(3, 11));
    await act(tutor, booking.id, 'confirm');
    const [row] = await reminderRows(booking.id);
    const data = { outboxId: row!.id, payload: row!.payload };
    expect(await handleReminder(data)).toBe('sent');
    expect(await handleReminder(data)).toBe('skipped');
    expect(await remind(row!.payload)).toBe('repeat');
    expect(await reminders(alice)).toHaveLength(1);
    const [emails] = await sql`select count(*)::int as count from outbox where queue = 'email' and name = 'booking_reminder' and payload->>'bookingId' = ${booking.id}`;
    expect(emails!.count).toBe(2);
  });
});

describe('automatic completion', () => {
  test(`confirmed lessons complete ${AUTO_COMPLETE_AFTER_HOURS} h after their end, once; others are left alone`, async () => {
    const { tutor, alice } = await pair();
    const overdue = await booked(alice, tutor.id, utcDay(3, 8));
    const recent = await booked(alice, tutor.id, utcDay(3, 10));
    const unconfirmed = await booked(alice, tutor.id, utcDay(3, 12));
    await act(tutor, overdue.id, 'confirm');
    await act(tutor, recent.id, 'confirm');
    const endedAgo = (booking: any, hours: number) => Date.parse(booking.endsAt) - Date.now() + hours * HOUR;
    await shiftBooking(overdue.id, endedAgo(overdue, AUTO_COMPLETE_AFTER_HOURS + 1));
    await shiftBooking(recent.id, endedAgo(recent, AUTO_COMPLETE_AFTER_HOURS - 1));
    await shiftBooking(unconfirmed.id, endedAgo(unconfirmed, AUTO_COMPLETE_AFTER_HOURS + 5));

    await completeOverdue();
    await completeOverdue();
    const state = async (booking: any) => (await alice.api.get(`${API}/bookings/${booking.id}`, { token: alice.token })).body;
    const done = await state(overdue);
    expect(done.status).toBe('completed');
    expect(done.history.filter((entry: any) => entry.to === 'completed')).toEqual([
      { at: done.history.at(-1).at, actorId: null, from: 'confirmed', to: 'completed', reason: `Completed automatically ${AUTO_COMPLETE_AFTER_HOURS} hours after the end` },
    ]);
    expect((await state(recent)).status).toBe('confirmed');
    expect((await state(unconfirmed)).status).toBe('requested');
    const notes = await alice.api.get(`${API}/notifications`, { token: alice.token });
    expect(notes.body.items.filter((n: any) => n.title === 'Lesson completed' && n.data.bookingId === overdue.id)).toHaveLength(1);
    // Later, the recent one's time comes too.
    await completeOverdue({ now: new Date(Date.now() + 2 * HOUR) });
    expect((await state(recent)).status).toBe('completed');
  });

});
