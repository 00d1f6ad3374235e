// Slot generation: daylight-saving changes (a tutor in America/New_York seen from Europe/Berlin, both transitions),
// a zone without DST, minimum notice, horizon, the 15-minute grid, exceptions, and bookings taking slots away.
import { describe, expect, test } from 'bun:test';
import { computeSlots, openIntervals, type Rules } from '../../../server/modules/availability/slots.ts';
import { API, DAY, HOUR, approvedTutor, book, everyDay, setPolicy, student, utcDay, iso } from '../../support/marketplace.ts';
import { expectError } from '../accounts/helpers.ts';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';

const weekdays = (timezone: string, start: number, end: number): Rules => ({
  timezone,
  weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start, end })),
  exceptions: [],
});

/** Slots of `rules` in [from, to) as the engine computes them for a clock at `now`. */
function slotsOf(rules: Rules, from: string, to: string, now: string, durationMinutes = 60, busy: Array<[number, number]> = []) {
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  const nowMs = Date.parse(now);
  const open = openIntervals(rules, fromMs, toMs + durationMinutes * 60_000);
  return computeSlots(open, { fromMs, toMs, durationMinutes, earliestStartMs: nowMs + 12 * HOUR, latestStartMs: nowMs + 90 * DAY }, busy);
}

const local = (ms: number, timeZone: string) => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone);
const hhmm = (ms: number, timeZone: string) => local(ms, timeZone).toPlainTime().toString({ smallestUnit: 'minute' });
const dateOf = (ms: number, timeZone: string) => local(ms, timeZone).toPlainDate().toString();

function byLocalDate(slots: Array<[number, number]>, timeZone: string): Map<string, Array<[number, number]>> {
  const days = new Map<string, Array<[number, number]>>();
  for (const slot of slots) days.set(dateOf(slot[0], timeZone), [...(days.get(dateOf(slot[0], timeZone)) ?? []), slot]);
  return days;
}

describe('slot engine across daylight-saving changes', () => {
  // Weekly 09:00-17:00 in New York. US DST starts 2027-03-14, the EU's 2027-03-28; US DST ends 2027-11-07, the EU's 2027-10-31.
  const rules = weekdays(NY, 9 * 60, 17 * 60);

  test('spring: every day keeps 09:00-17:00 New York time, and Berlin sees the gap between the two changes', () => {
    const slots = slotsOf(rules, '2027-03-10T00:00:00Z', '2027-04-02T00:00:00Z', '2027-03-01T00:00:00Z');
    const days = byLocalDate(slots, NY);
    expect(days.size).toBe(23);
    for (const [date, daySlots] of days) {
      // 8 open hours, 60-minute lessons on a 15-minute grid: starts 09:00 .. 16:00.
      expect({ date, count: daySlots.length }).toEqual({ date, count: 29 });
      expect(hhmm(daySlots[0]![0], NY)).toBe('09:00');
      expect(hhmm(daySlots.at(-1)![0], NY)).toBe('16:00');
      expect(hhmm(daySlots.at(-1)![1], NY)).toBe('17:00');
      for (const [start, end] of daySlots) expect(end - start).toBe(HOUR);
    }
    const first = (date: string) => days.get(date)![0]![0];
    // Before the US change: EST (UTC-5), Berlin CET (UTC+1): 09:00 NY = 14:00Z = 15:00 Berlin.
    expect(iso(first('2027-03-13'))).toBe('2027-03-13T14:00:00.000Z');
    expect(hhmm(first('2027-03-13'), BERLIN)).toBe('15:00');
    // After the US change, before the EU one: EDT (UTC-4), still CET: 13:00Z = 14:00 Berlin.
    expect(iso(first('2027-03-15'))).toBe('2027-03-15T13:00:00.000Z');
    expect(hhmm(first('2027-03-15'), BERLIN)).toBe('14:00');
    expect(hhmm(first('2027-03-27'), BERLIN)).toBe('14:00');
    // After both: EDT and CEST (UTC+2): 13:00Z = 15:00 Berlin again.
    expect(iso(first('2027-03-29'))).toBe('2027-03-29T13:00:00.000Z');
    expect(hhmm(first('2027-03-29'), BERLIN)).toBe('15:00');
  });

  test('autumn: the same, backwards, around 2027-10-31 (EU) and 2027-11-07 (US)', () => {
    const slots = slotsOf(rules, '2027-10-28T00:00:00Z', '2027-11-10T00:00:00Z', '2027-10-01T00:00:00Z');
    const days = byLocalDate(slots, NY);
    for (const daySlots of days.values()) {
      expect(daySlots.length).toBe(29);
      expect(hhmm(daySlots[0]![0], NY)).toBe('09:00');
    }
    const first = (date: string) => days.get(date)![0]![0];
    // EDT + CEST: 13:00Z = 15:00 Berlin.
    expect(iso(first('2027-10-29'))).toBe('2027-10-29T13:00:00.000Z');
    expect(hhmm(first('2027-10-29'), BERLIN)).toBe('15:00');
    // EDT + CET (between the changes): 13:00Z = 14:00 Berlin.
    expect(iso(first('2027-11-02'))).toBe('2027-11-02T13:00:00.000Z');
    expect(hhmm(first('2027-11-02'), BERLIN)).toBe('14:00');
    // EST + CET: 14:00Z = 15:00 Berlin.
    expect(iso(first('2027-11-08'))).toBe('2027-11-08T14:00:00.000Z');
    expect(hhmm(first('2027-11-08'), BERLIN)).toBe('15:00');
  });

  test('hours that span the change: 01:00-04:00 is two real hours on the spring night and four on the autumn night', () => {
    const night = weekdays(NY, 60, 240);
    const spring = slotsOf(night, '2027-03-14T00:00:00Z', '2027-03-15T00:00:00Z', '2027-03-01T00:00:00Z').filter(([s]) => dateOf(s, NY) === '2027-03-14');
    // 01:00 EST = 06:00Z until 04:00 EDT = 08:00Z: starts 06:00Z .. 07:00Z.
    expect(spring.map(([s]) => iso(s))).toEqual(['2027-03-14T06:00:00.000Z', '2027-03-14T06:15:00.000Z', '2027-03-14T06:30:00.000Z', '2027-03-14T06:45:00.000Z', '2027-03-14T07:00:00.000Z']);
    expect(spring.map(([s]) => hhmm(s, NY))).toEqual(['01:00', '01:15', '01:30', '01:45', '03:00']);
    const autumn = slotsOf(night, '2027-11-07T00:00:00Z', '2027-11-08T00:00:00Z', '2027-11-01T00:00:00Z').filter(([s]) => dateOf(s, NY) === '2027-11-07');
    // 01:00 EDT = 05:00Z until 04:00 EST = 09:00Z: starts 05:00Z .. 08:00Z (13 of them), 01:xx appearing twice.
    expect(autumn.length).toBe(13);
    expect(iso(autumn[0]![0])).toBe('2027-11-07T05:00:00.000Z');
    expect(iso(autumn.at(-1)![0])).toBe('2027-11-07T08:00:00.000Z');
    expect(autumn.filter(([s]) => hhmm(s, NY) === '01:00').length).toBe(2);
  });

  test('a zone without DST (Asia/Kolkata, UTC+05:30) has the same UTC hours all year', () => {
    const kolkata = weekdays('Asia/Kolkata', 9 * 60, 12 * 60);
    for (const [from, now] of [
      ['2027-01-10T00:00:00Z', '2027-01-01T00:00:00Z'],
      ['2027-03-20T00:00:00Z', '2027-03-10T00:00:00Z'],
      ['2027-07-10T00:00:00Z', '2027-07-01T00:00:00Z'],
      ['2027-11-05T00:00:00Z', '2027-11-01T00:00:00Z'],
    ] as const) {
      const slots = slotsOf(kolkata, from, new Date(Date.parse(from) + 7 * DAY).toISOString(), now);
      const days = byLocalDate(slots, 'Asia/Kolkata');
      expect(days.size).toBe(7);
      for (const daySlots of days.values()) {
        expect(daySlots.map(([s]) => hhmm(s, 'UTC'))).toEqual(['03:30', '03:45', '04:00', '04:15', '04:30', '04:45', '05:00', '05:15', '05:30']);
        expect(daySlots.map(([s]) => hhmm(s, 'Asia/Kolkata'))[0]).toBe('09:00');
      }
    }
  });

  test('minimum notice, horizon, the 15-minute grid and busy times', () => {
    const allDay = weekdays('UTC', 0, 1440);
    const now = '2027-05-10T08:07:00Z';
    const slots = slotsOf(allDay, '2027-05-10T00:00:00Z', '2027-05-12T00:00:00Z', now);
    // 12 hours of notice from 08:07 is 20:07: the first start is the next quarter hour.
    expect(iso(slots[0]![0])).toBe('2027-05-10T20:15:00.000Z');
    for (const [start] of slots) expect(start % (15 * 60_000)).toBe(0);
    const late = slotsOf(allDay, '2027-08-05T00:00:00Z', '2027-08-12T00:00:00Z', now);
    // 90 days after 2027-05-10T08:07 is 2027-08-08T08:07: no start after it.
    expect(iso(late.at(-1)![0])).toBe('2027-08-08T08:00:00.000Z');
    const busy: Array<[number, number]> = [[Date.parse('2027-05-11T10:00:00Z'), Date.parse('2027-05-11T11:00:00Z')]];
    const around = slotsOf(allDay, '2027-05-11T08:00:00Z', '2027-05-11T13:00:00Z', now, 60, busy).map(([s]) => hhmm(s, 'UTC'));
    expect(around).toEqual(['08:00', '08:15', '08:30', '08:45', '09:00', '11:00', '11:15', '11:30', '11:45', '12:00', '12:15', '12:30', '12:45']);
  });

  test('exceptions: a day off, and replacement hours for one date', () => {
    const rules: Rules = { ...weekdays('Europe/Berlin', 9 * 60, 12 * 60), exceptions: [{ date: '2027-06-02', start: null, end: null }, { date: '2027-06-03', start: 14 * 60, end: 16 * 60 }] };
    const slots = slotsOf(rules, '2027-06-01T00:00:00Z', '2027-06-05T00:00:00Z', '2027-05-20T00:00:00Z');
    const days = byLocalDate(slots, 'Europe/Berlin');
    expect([...days.keys()]).toEqual(['2027-06-01', '2027-06-03', '2027-06-04']);
    expect(days.get('2027-06-03')!.map(([s]) => hhmm(s, 'Europe/Berlin'))).toEqual(['14:00', '14:15', '14:30', '14:45', '15:00']);
  });
});

describe('GET /tutors/{id}/slots', () => {
  test('a New York tutor over the US spring change, read from the API (horizon raised to reach it)', async () => {
    const tutor = await approvedTutor({ availability: { timezone: NY, weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })), exceptions: [] } });
    await setPolicy(tutor.id, { horizonDays: 730 });
    const reply = await tutor.api.get(`${API}/tutors/${tutor.id}/slots?from=2027-03-08T00:00:00Z&to=2027-03-20T00:00:00Z&duration=60`);
    expect(reply.status).toBe(200);
    expect(reply.body.timezone).toBe(NY);
    const starts: number[] = reply.body.slots.map((slot: any) => Date.parse(slot.startsAt));
    const days = new Set(starts.map((s) => dateOf(s, NY)));
    expect([...days]).toEqual(['2027-03-08', '2027-03-09', '2027-03-10', '2027-03-11', '2027-03-12', '2027-03-15', '2027-03-16', '2027-03-17', '2027-03-18', '2027-03-19']);
    for (const start of starts) {
      const t = hhmm(start, NY);
      expect(t >= '09:00' && t <= '16:00').toBe(true);
    }
    const firstOn = (date: string) => reply.body.slots.find((slot: any) => dateOf(Date.parse(slot.startsAt), NY) === date).startsAt;
    expect(firstOn('2027-03-12')).toBe('2027-03-12T14:00:00.000Z');
    expect(firstOn('2027-03-15')).toBe('2027-03-15T13:00:00.000Z');
    for (const slot of reply.body.slots) {
      expect(slot.startsAt).toMatch(/Z$/);
      expect(Date.parse(slot.endsAt) - Date.parse(slot.startsAt)).toBe(HOUR);
    }
  });

  test('minimum notice (12 h) and horizon (90 days) by default', async () => {
    const tutor = await approvedTutor({ availability: everyDay('UTC') });
    const now = Date.now();
    const soon = await tutor.api.get(`${API}/tutors/${tutor.id}/slots?from=${iso(now)}&to=${iso(now + 2 * DAY)}&duration=30`);
    expect(soon.status).toBe(200);
    const first = Date.parse(soon.body.slots[0].startsAt);
    expect(first).toBeGreaterThanOrEqual(now + 12 * HOUR);
    expect(first).toBeLessThanOrEqual(now + 12 * HOUR + 16 * 60_000);
    const far = await tutor.api.get(`${API}/tutors/${tutor.id}/slots?from=${iso(now + 85 * DAY)}&to=${iso(now + 95 * DAY)}&duration=30`);
    const last = Date.parse(far.body.slots.at(-1).startsAt);
    expect(last).toBeLessThanOrEqual(now + 90 * DAY);
    expect(last).toBeGreaterThan(now + 90 * DAY - 20 * 60_000);
  });

  test('active bookings take their time away; cancelled ones give it back', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const day = utcDay(4);
    const created = await book(alice, tutor.id, utcDay(4, 10), 60);
    expect(created.status).toBe(201);
    const url = `${API}/tutors/${tutor.id}/slots?from=${iso(utcDay(4, 8))}&to=${iso(utcDay(4, 12))}&duration=60`;
    const taken = await alice.api.get(url);
    expect(taken.body.slots.map((s: any) => s.startsAt.slice(11, 16))).toEqual(['08:00', '08:15', '08:30', '08:45', '09:00', '11:00', '11:15', '11:30', '11:45']);
    await alice.api.post(`${API}/bookings/${created.body.id}/cancel`, {}, { token: alice.token });
    const free = await alice.api.get(url);
    expect(free.body.slots.length).toBe(16);
    expect(day.getUTCHours()).toBe(0);
  });

  test('400 for a window over 31 days, a bad instant or a bad duration; 404 for tutors who are not approved', async () => {
    const tutor = await approvedTutor();
    const from = utcDay(1);
    expectError(await tutor.api.get(`${API}/tutors/${tutor.id}/slots?from=${iso(from)}&to=${iso(from.getTime() + 32 * DAY)}`), 400, 'invalid_parameters', ['to']);
    expectError(await tutor.api.get(`${API}/tutors/${tutor.id}/slots?from=yesterday`), 400, 'invalid_parameters', ['from']);
    expectError(await tutor.api.get(`${API}/tutors/${tutor.id}/slots?duration=20`), 400, 'invalid_parameters');
    expectError(await tutor.api.get(`${API}/tutors/${tutor.id}/slots?from=${iso(from)}&to=${iso(from)}`), 400, 'invalid_parameters', ['to']);
    const someone = await student();
    expectError(await someone.api.get(`${API}/tutors/${someone.id}/slots`), 404, 'not_found');
    expectError(await someone.api.get(`${API}/tutors/${crypto.randomUUID()}/slots`), 404, 'not_found');
  });
});
