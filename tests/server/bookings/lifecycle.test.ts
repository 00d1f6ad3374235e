// Bookings through the API: creation rules, the exact Booking shape, the state machine (every illegal transition
// is 409), who may do what (403/404), cancellation refunds by the booked cutoff, rescheduling, history, lists,
// the calendar file, notifications and emails (each in the recipient's zone, with an .ics).
import { describe, expect, test } from 'bun:test';
import { mailbox, useWorkers } from '../../support/app.ts';
import {
  API,
  DAY,
  HOUR,
  act,
  adminUser,
  approvedTutor,
  book,
  booked,
  completedBooking,
  everyDay,
  iso,
  shiftBooking,
  sql,
  student,
  utcDay,
} from '../../support/marketplace.ts';
import { ISO_UTC, expectError } from '../accounts/helpers.ts';

const BOOKING_KEYS = [
  'conversationId',
  'createdAt',
  'durationMinutes',
  'endsAt',
  'history',
  'id',
  'note',
  'platformFee',
  'price',
  'refundEligible',
  'startsAt',
  'status',
  'studentId',
  'subject',
  'tutorEarnings',
  'tutorId',
];

/** The decoded text/calendar attachment of a raw message. */
function calendarIn(raw: string): string {
  const match = /Content-Type: text\/calendar[^]*?\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--/.exec(raw);
  if (!match) throw new Error('no calendar attachment');
  return Buffer.from(match[1]!.replace(/\r\n/g, ''), 'base64').toString('utf8');
}

function expectBookingShape(booking: any): void {
  expect(Object.keys(booking).sort()).toEqual(BOOKING_KEYS);
  expect(booking.startsAt).toMatch(ISO_UTC);
  expect(booking.endsAt).toMatch(ISO_UTC);
  expect(booking.createdAt).toMatch(ISO_UTC);
  for (const money of [booking.price, booking.platformFee, booking.tutorEarnings]) {
    expect(Object.keys(money).sort()).toEqual(['amount', 'currency']);
    expect(Number.isInteger(money.amount)).toBe(true);
  }
  for (const entry of booking.history) {
    expect(Object.keys(entry).sort()).toEqual(['actorId', 'at', 'from', 'reason', 'to']);
    expect(entry.at).toMatch(ISO_UTC);
  }
}

describe('POST /bookings', () => {
  test('201 with the contract shape, a requested status, the price snapshot and the creation in the history', async () => {
    const tutor = await approvedTutor({ rate: 4000 });
    const alice = await student();
    const reply = await book(alice, tutor.id, utcDay(3, 10), 90, { note: '  Chapter 3 please  ', subject: ' Calculus ' });
    expect(reply.status).toBe(201);
    const booking = reply.body;
    expectBookingShape(booking);
    expect(booking).toMatchObject({
      tutorId: tutor.id,
      studentId: alice.id,
      status: 'requested',
      startsAt: iso(utcDay(3, 10)),
      endsAt: iso(utcDay(3, 11, 30)),
      durationMinutes: 90,
      subject: 'Calculus',
      note: 'Chapter 3 please',
      price: { amount: 6000, currency: 'USD' },
      platformFee: { amount: 900, currency: 'USD' },
      tutorEarnings: { amount: 5100, currency: 'USD' },
      refundEligible: null,
    });
    expect(booking.history).toEqual([{ at: booking.history[0].at, actorId: alice.id, from: null, to: 'requested', reason: null }]);
    // The pair's direct conversation exists and is linked.
    expect(typeof booking.conversationId).toBe('string');
    const again = await booked(alice, tutor.id, utcDay(5, 10));
    expect(again.conversationId).toBe(booking.conversationId);
    // GET answers the same.
    const read = await alice.api.get(`${API}/bookings/${booking.id}`, { token: alice.token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(booking);
  });

  test('422 outside_availability: outside the hours, inside the notice, past the horizon, off the grid, on a day off', async () => {
    const tutor = await approvedTutor({
      availability: { timezone: 'UTC', weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '18:00' })), exceptions: [{ date: utcDay(6).toISOString().slice(0, 10) }] },
    });
    const alice = await student();
    expectError(await book(alice, tutor.id, utcDay(3, 20)), 422, 'outside_availability', ['startsAt']);
    expectError(await book(alice, tutor.id, utcDay(3, 17, 30)), 422, 'outside_availability');
    expectError(await book(alice, tutor.id, utcDay(3, 10, 5)), 422, 'outside_availability');
    expectError(await book(alice, tutor.id, utcDay(6, 10)), 422, 'outside_availability');
    expectError(await book(alice, tutor.id, utcDay(95, 10)), 422, 'outside_availability');
    const inNotice = new Date(Math.ceil((Date.now() + 2 * HOUR) / (15 * 60_000)) * 15 * 60_000);
    const open = await approvedTutor({ availability: everyDay('UTC') });
    expectError(await book(alice, open.id, inNotice), 422, 'outside_availability');
    expect((await book(alice, open.id, utcDay(3, 17, 30))).status).toBe(201);
  });

  test('body validation: 422 for a bad duration or instant; 404 for a tutor who is not bookable; 422 for booking yourself', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    expectError(await book(alice, tutor.id, utcDay(3, 10), 20), 422, 'validation_failed', ['durationMinutes']);
    expectError(await book(alice, tutor.id, utcDay(3, 10), 50), 422, 'validation_failed', ['durationMinutes']);
    expectError(await book(alice, tutor.id, utcDay(3, 10), 255), 422, 'validation_failed', ['durationMinutes']);
    expectError(await book(alice, tutor.id, 'tomorrow at ten'), 422, 'validation_failed', ['startsAt']);
    expectError(await book(alice, alice.id, utcDay(3, 10)), 404, 'not_found');
    expectError(await book(alice, crypto.randomUUID(), utcDay(3, 10)), 404, 'not_found');
    const pending = await approvedTutor();
    await sql`update tutor_profiles set approval_status = 'pending' where user_id = ${pending.id}`;
    expectError(await book(alice, pending.id, utcDay(3, 10)), 404, 'not_found');
    expectError(await book(tutor, tutor.id, utcDay(3, 10)), 422, 'validation_failed', ['tutorId']);
  });

  test('403 email_unverified; 401 without a session', async () => {
    const tutor = await approvedTutor();
    const unverified = await student({ verified: false });
    expectError(await book(unverified, tutor.id, utcDay(3, 10)), 403, 'email_unverified');
    const anonymous = await unverified.api.post(`${API}/bookings`, { tutorId: tutor.id, startsAt: iso(utcDay(3, 10)), durationMinutes: 60, subject: 'x' });
    expectError(anonymous, 401, 'unauthorized');
  });

  test('409 slot_taken for overlaps; back-to-back lessons are fine; a declined booking frees the slot', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const bob = await student();
    const first = await booked(alice, tutor.id, utcDay(3, 10), 60);
    expectError(await book(bob, tutor.id, utcDay(3, 10, 30), 60), 409, 'slot_taken');
    expectError(await book(bob, tutor.id, utcDay(3, 9, 30), 60), 409, 'slot_taken');
    expectError(await book(bob, tutor.id, utcDay(3, 9), 180), 409, 'slot_taken');
    expect((await book(bob, tutor.id, utcDay(3, 11), 60)).status).toBe(201);
    expect((await book(bob, tutor.id, utcDay(3, 9), 60)).status).toBe(201);
    expect((await act(tutor, first.id, 'decline', { reason: 'Away that day' })).status).toBe(200);
    expect((await book(bob, tutor.id, utcDay(3, 10), 60)).status).toBe(201);
  });
});

describe('the state machine', () => {
  test('requested -> confirmed -> completed, each step in the history with who, when, from, to and why', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const done = await completedBooking(alice, tutor);
    expect(done.status).toBe('completed');
    expect(done.history.map((entry: any) => [entry.from, entry.to, entry.actorId])).toEqual([
      [null, 'requested', alice.id],
      ['requested', 'confirmed', tutor.id],
      ['confirmed', 'completed', tutor.id],
    ]);
    const times = done.history.map((entry: any) => Date.parse(entry.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  test('every illegal transition is 409, whatever the state', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const day = (n: number) => utcDay(3 + n, 10);
    // requested: complete is illegal.
    const requested = await booked(alice, tutor.id, day(0));
    expectError(await act(tutor, requested.id, 'complete'), 409, 'invalid_transition');
    // confirmed: confirm and decline are illegal.
    const confirmed = await booked(alice, tutor.id, day(1));
    await act(tutor, confirmed.id, 'confirm');
    expectError(await act(tutor, confirmed.id, 'confirm'), 409, 'invalid_transition');
    expectError(await act(tutor, confirmed.id, 'decline'), 409, 'invalid_transition');
    // declined, cancelled and completed are final.
    const declined = await booked(alice, tutor.id, day(2));
    await act(tutor, declined.id, 'decline');
    const cancelled = await booked(alice, tutor.id, day(3));
    await act(alice, cancelled.id, 'cancel');
    const completed = await completedBooking(alice, tutor, day(4));
    for (const finished of [declined, cancelled, completed]) {
      for (const action of ['confirm', 'decline', 'complete']) expectError(await act(tutor, finished.id, action), 409, 'invalid_transition');
      expectError(await act(alice, finished.id, 'cancel'), 409, 'invalid_transition');
      expectError(await act(tutor, finished.id, 'cancel'), 409, 'invalid_transition');
      expectError(await act(alice, finished.id, 'reschedule', { startsAt: iso(day(8)) }), 409, 'invalid_transition');
    }
    // Nothing changed by the refusals.
    const [row] = await sql`select status, version from bookings where id = ${completed.id}`;
    expect(row!.status).toBe('completed');
  });

  test('the database refuses illegal transitions and snapshot changes even without the application', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const booking = await booked(alice, tutor.id);
    await act(tutor, booking.id, 'decline');
    const reopen = await sql`update bookings set status = 'confirmed' where id = ${booking.id}`.catch((error) => error);
    expect(reopen.code).toBe('23514');
    const reprice = await sql`update bookings set price_amount = 1, tutor_earnings_amount = 1 - platform_fee_amount where id = ${booking.id}`.catch((error) => error);
    expect(reprice.code).toBe('23514');
  });

  test('complete only after the end (409 lesson_not_over); only the tutor confirms, declines and completes (403)', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const booking = await booked(alice, tutor.id);
    expectError(await act(alice, booking.id, 'confirm'), 403, 'forbidden');
    expectError(await act(alice, booking.id, 'decline'), 403, 'forbidden');
    await act(tutor, booking.id, 'confirm');
    expectError(await act(tutor, booking.id, 'complete'), 409, 'lesson_not_over');
    await shiftBooking(booking.id, 4 * DAY);
    expectError(await act(alice, booking.id, 'complete'), 403, 'forbidden');
    expect((await act(tutor, booking.id, 'complete')).body.status).toBe('completed');
  });

  test('only participants and admins see a booking: another student gets 404 for every route', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const mallory = await student();
    const booking = await booked(alice, tutor.id);
    expectError(await mallory.api.get(`${API}/bookings/${booking.id}`, { token: mallory.token }), 404, 'not_found');
    expectError(await mallory.api.get(`${API}/bookings/${booking.id}/calendar.ics`, { token: mallory.token }), 404, 'not_found');
    for (const action of ['confirm', 'decline', 'cancel', 'complete']) expectError(await act(mallory, booking.id, action), 404, 'not_found');
    expectError(await act(mallory, booking.id, 'reschedule', { startsAt: iso(utcDay(4, 10)) }), 404, 'not_found');
    expectError(await mallory.api.get(`${API}/bookings/${crypto.randomUUID()}`, { token: mallory.token }), 404, 'not_found');
    expect((await mallory.api.get(`${API}/bookings`, { token: mallory.token })).body.items).toEqual([]);
    expect((await tutor.api.get(`${API}/bookings/${booking.id}`, { token: tutor.token })).status).toBe(200);
    const admin = await adminUser();
    const seen = await admin.api.get(`${API}/bookings/${booking.id}`, { token: admin.token });
    expect(seen.status).toBe(200);
    expect(seen.body.id).toBe(booking.id);
    expectError(await act(admin, booking.id, 'confirm'), 403, 'forbidden');
    expectError(await tutor.api.get(`${API}/bookings/${booking.id}`), 401, 'unauthorized');
  });
});

describe('cancellation', () => {
  test('a student cancelling before the cutoff is refund eligible, after it is not; a tutor cancelling always is', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const early = await booked(alice, tutor.id, utcDay(3, 10));
    const cancelled = await act(alice, early.id, 'cancel', { reason: 'Exam moved' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', refundEligible: true });
    expect(cancelled.body.history.at(-1)).toMatchObject({ from: 'requested', to: 'cancelled', actorId: alice.id, reason: 'Exam moved' });

    const late = await booked(alice, tutor.id, utcDay(4, 10));
    await act(tutor, late.id, 'confirm');
    // Time passes: the lesson is now 20 hours away, inside the 24-hour cutoff.
    await shiftBooking(late.id, Date.parse(late.startsAt) - Date.now() - 20 * HOUR);
    const lateCancel = await act(alice, late.id, 'cancel');
    expect(lateCancel.body).toMatchObject({ status: 'cancelled', refundEligible: false });

    const byTutor = await booked(alice, tutor.id, utcDay(5, 10));
    await shiftBooking(byTutor.id, Date.parse(byTutor.startsAt) - Date.now() - 13 * HOUR);
    expect((await act(tutor, byTutor.id, 'cancel')).body).toMatchObject({ status: 'cancelled', refundEligible: true });
  });

  test('the body is optional', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const booking = await booked(alice, tutor.id);
    const reply = await alice.api.request('POST', `${API}/bookings/${booking.id}/cancel`, { token: alice.token });
    expect(reply.status).toBe(200);
    expect(reply.body.history.at(-1).reason).toBeNull();
  });
});

describe('POST /bookings/{id}/reschedule', () => {
  test('moves the booking within availability, keeps status and price, records it; the old slot frees up', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const bob = await student();
    const booking = await booked(alice, tutor.id, utcDay(3, 10), 60);
    await act(tutor, booking.id, 'confirm');
    const moved = await act(alice, booking.id, 'reschedule', { startsAt: iso(utcDay(4, 15)) });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: 'confirmed', startsAt: iso(utcDay(4, 15)), endsAt: iso(utcDay(4, 16)), price: booking.price });
    expect(moved.body.history.at(-1)).toMatchObject({ from: 'confirmed', to: 'confirmed', actorId: alice.id });
    expect(moved.body.history.at(-1).reason).toContain(iso(utcDay(3, 10)));
    expect((await book(bob, tutor.id, utcDay(3, 10))).status).toBe(201);
    expectError(await act(alice, booking.id, 'reschedule', { startsAt: iso(utcDay(3, 10, 30)) }), 409, 'slot_taken');
    expectError(await act(tutor, booking.id, 'reschedule', { startsAt: iso(utcDay(3, 10, 10)) }), 422, 'outside_availability');
    // Its own old time does not block it: moving by 30 minutes overlaps only itself.
    expect((await act(tutor, booking.id, 'reschedule', { startsAt: iso(utcDay(4, 15, 30)) })).status).toBe(200);
  });

  test('409 cutoff_passed inside the cancellation cutoff', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const booking = await booked(alice, tutor.id, utcDay(4, 10));
    await shiftBooking(booking.id, Date.parse(booking.startsAt) - Date.now() - 20 * HOUR);
    expectError(await act(alice, booking.id, 'reschedule', { startsAt: iso(utcDay(6, 10)) }), 409, 'cutoff_passed');
  });
});

describe('GET /bookings', () => {
  test("the caller's bookings, soonest first, by side and status, paged without repeats", async () => {
    const tutor = await approvedTutor();
    const other = await approvedTutor();
    const alice = await student();
    const days = [6, 3, 9, 4, 8, 5, 7];
    for (const day of days) await booked(alice, day % 2 ? tutor.id : other.id, utcDay(day, 10));
    const confirmed = await booked(alice, tutor.id, utcDay(10, 10));
    await act(tutor, confirmed.id, 'confirm');

    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const reply: any = await alice.api.get(`${API}/bookings?as=student&limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token: alice.token });
      expect(reply.status).toBe(200);
      for (const item of reply.body.items) expectBookingShape(item);
      seen.push(...reply.body.items);
      cursor = reply.body.nextCursor;
    } while (cursor);
    expect(seen.map((b) => b.startsAt)).toEqual([3, 4, 5, 6, 7, 8, 9, 10].map((d) => iso(utcDay(d, 10))));
    expect(new Set(seen.map((b) => b.id)).size).toBe(8);

    const asTutor = await tutor.api.get(`${API}/bookings?as=tutor`, { token: tutor.token });
    expect(asTutor.body.items.map((b: any) => b.startsAt)).toEqual([3, 5, 7, 9, 10].map((d) => iso(utcDay(d, 10))));
    expect((await tutor.api.get(`${API}/bookings?as=student`, { token: tutor.token })).body.items).toEqual([]);
    const onlyConfirmed = await alice.api.get(`${API}/bookings?status=confirmed`, { token: alice.token });
    expect(onlyConfirmed.body.items.map((b: any) => b.id)).toEqual([confirmed.id]);
    const expanded = await alice.api.get(`${API}/bookings?status=confirmed&expand=participants`, { token: alice.token });
    expect(expanded.body.items[0].tutor).toMatchObject({ id: tutor.id, name: 'Tina Tutor' });
    expect(expanded.body.items[0].student).toMatchObject({ id: alice.id, name: 'Sam Student' });
    expectError(await alice.api.get(`${API}/bookings?cursor=garbage`, { token: alice.token }), 400, 'invalid_cursor');
    expectError(await alice.api.get(`${API}/bookings?as=teacher`, { token: alice.token }), 400, 'invalid_parameters');
  });
});

describe('GET /bookings/{id}/calendar.ics', () => {
  test('an RFC 5545 calendar in UTC with a stable UID', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const booking = await booked(alice, tutor.id, utcDay(3, 10), 45);
    const reply = await alice.api.get(`${API}/bookings/${booking.id}/calendar.ics`, { token: alice.token });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('text/calendar');
    const text = reply.text;
    expect(text.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    for (const line of text.split('\r\n')) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    const start = iso(utcDay(3, 10)).replace(/[-:]/g, '').replace('.000', '');
    const end = iso(utcDay(3, 10, 45)).replace(/[-:]/g, '').replace('.000', '');
    expect(text).toContain(`DTSTART:${start}\r\n`);
    expect(text).toContain(`DTEND:${end}\r\n`);
    expect(text).toContain(`UID:${booking.id}@lyceum\r\n`);
    expect(text).toContain('VERSION:2.0\r\n');
    expect(text).toContain('STATUS:TENTATIVE\r\n');
    expect(text).toMatch(/DTSTAMP:\d{8}T\d{6}Z\r\n/);
    const forTutor = await tutor.api.get(`${API}/bookings/${booking.id}/calendar.ics`, { token: tutor.token });
    expect(forTutor.text).toContain(`UID:${booking.id}@lyceum`);
  });
});

describe('side effects', () => {
  test('notifications and emails to both sides, each in their own zone, with an .ics attachment', async () => {
    await useWorkers();
    const tutor = await approvedTutor({ timezone: 'America/New_York', name: 'Nora York' });
    const alice = await student({ timezone: 'Europe/Berlin', name: 'Bea Berlin' });
    const booking = await booked(alice, tutor.id, utcDay(3, 15));

    const toStudent = await mailbox.waitFor((m) => m.to.includes(alice.email) && m.subject.includes('Lesson request sent'));
    const toTutor = await mailbox.waitFor((m) => m.to.includes(tutor.email) && m.subject.includes('New lesson request'));
    const berlin = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', hour: 'numeric', minute: '2-digit' }).format(utcDay(3, 15));
    const newYork = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', minute: '2-digit' }).format(utcDay(3, 15));
    expect(toStudent.text).toContain(berlin);
    expect(toStudent.text).toContain('Europe/Berlin');
    expect(toTutor.text).toContain(newYork);
    expect(toTutor.text).toContain('America/New_York');
    for (const mail of [toStudent, toTutor]) {
      expect(mail.raw).toMatch(/filename="?lesson\.ics/);
      const ics = calendarIn(mail.raw);
      expect(ics).toContain(`UID:${booking.id}@lyceum`);
      expect(ics).toContain(`DTSTART:${iso(utcDay(3, 15)).replace(/[-:]/g, '').replace('.000', '')}`);
    }

    const tutorNotifications = await tutor.api.get(`${API}/notifications`, { token: tutor.token });
    expect(tutorNotifications.body.items[0]).toMatchObject({ category: 'booking', title: 'New lesson request', data: { bookingId: booking.id } });

    await act(tutor, booking.id, 'confirm');
    await mailbox.waitFor((m) => m.to.includes(alice.email) && m.subject.startsWith('Lesson confirmed'));
    await mailbox.waitFor((m) => m.to.includes(tutor.email) && m.subject.startsWith('Lesson confirmed'));
    const aliceNotifications = await alice.api.get(`${API}/notifications`, { token: alice.token });
    expect(aliceNotifications.body.items[0]).toMatchObject({ category: 'booking', title: 'Lesson confirmed' });

    await act(alice, booking.id, 'reschedule', { startsAt: iso(utcDay(4, 15)) });
    await mailbox.waitFor((m) => m.to.includes(tutor.email) && m.subject.startsWith('Lesson moved'));
    await act(tutor, booking.id, 'cancel', { reason: 'Sick' });
    const cancelMail = await mailbox.waitFor((m) => m.to.includes(alice.email) && m.subject.startsWith('Lesson cancelled'));
    expect(cancelMail.text).toContain('Sick');
    expect(calendarIn(cancelMail.raw)).toContain('METHOD:CANCEL');
    expect(calendarIn(cancelMail.raw)).toContain('STATUS:CANCELLED');
    const declinedBooking = await booked(alice, tutor.id, utcDay(5, 15));
    await act(tutor, declinedBooking.id, 'decline', { reason: 'Fully booked' });
    await mailbox.waitFor((m) => m.to.includes(alice.email) && m.subject.includes('declined your lesson request'));
    await mailbox.waitFor((m) => m.to.includes(tutor.email) && m.subject.includes("You declined"));
  });
});
