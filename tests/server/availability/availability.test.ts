// PUT/GET /tutors/me/availability: the contract's shape, validation (422 with fields), and who may use it.
import { describe, expect, test } from 'bun:test';
import { API, approvedTutor, sql, student, utcDay, iso } from '../../support/marketplace.ts';
import { expectError } from '../accounts/helpers.ts';

describe('PUT /tutors/me/availability', () => {
  test('saves weekly hours and exceptions and answers the same shape, sorted; GET returns it', async () => {
    const tutor = await approvedTutor({ availability: null, timezone: 'Europe/Berlin' });
    const empty = await tutor.api.get(`${API}/tutors/me/availability`, { token: tutor.token });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ timezone: 'Europe/Berlin', weekly: [], exceptions: [] });

    const body = {
      timezone: 'America/New_York',
      weekly: [
        { weekday: 3, start: '14:00', end: '18:00' },
        { weekday: 1, start: '09:00', end: '12:00' },
        { weekday: 1, start: '12:00', end: '13:30' },
        { weekday: 7, start: '20:00', end: '24:00' },
      ],
      exceptions: [{ date: '2027-01-02', start: '10:00', end: '11:00' }, { date: '2026-12-25' }, { date: '2027-01-02', start: '08:00', end: '09:00' }],
    };
    const saved = await tutor.api.put(`${API}/tutors/me/availability`, body, { token: tutor.token });
    expect(saved.status).toBe(200);
    const expected = {
      timezone: 'America/New_York',
      weekly: [
        { weekday: 1, start: '09:00', end: '12:00' },
        { weekday: 1, start: '12:00', end: '13:30' },
        { weekday: 3, start: '14:00', end: '18:00' },
        { weekday: 7, start: '20:00', end: '24:00' },
      ],
      exceptions: [{ date: '2026-12-25' }, { date: '2027-01-02', start: '08:00', end: '09:00' }, { date: '2027-01-02', start: '10:00', end: '11:00' }],
    };
    expect(saved.body).toEqual(expected);
    const read = await tutor.api.get(`${API}/tutors/me/availability`, { token: tutor.token });
    expect(read.body).toEqual(expected);

    // Replacing is total: what is not sent is gone.
    const replaced = await tutor.api.put(`${API}/tutors/me/availability`, { timezone: 'UTC', weekly: [{ weekday: 2, start: '10:00', end: '11:00' }], exceptions: [] }, { token: tutor.token });
    expect(replaced.body).toEqual({ timezone: 'UTC', weekly: [{ weekday: 2, start: '10:00', end: '11:00' }], exceptions: [] });
  });

  test('422 for inverted and overlapping ranges, unknown zones, impossible dates and half-given times, with dotted fields', async () => {
    const tutor = await approvedTutor({ availability: null });
    const put = (body: unknown) => tutor.api.put(`${API}/tutors/me/availability`, body, { token: tutor.token });
    const base = { timezone: 'UTC', weekly: [], exceptions: [] };
    expectError(await put({ ...base, weekly: [{ weekday: 1, start: '12:00', end: '09:00' }] }), 422, 'validation_failed', ['weekly.0.end']);
    expectError(await put({ ...base, weekly: [{ weekday: 1, start: '10:00', end: '10:00' }] }), 422, 'validation_failed', ['weekly.0.end']);
    expectError(
      await put({ ...base, weekly: [{ weekday: 2, start: '09:00', end: '12:00' }, { weekday: 2, start: '11:00', end: '13:00' }] }),
      422,
      'validation_failed',
      ['weekly.1'],
    );
    expectError(await put({ ...base, timezone: 'Mars/Olympus' }), 422, 'validation_failed', ['timezone']);
    expectError(await put({ ...base, timezone: '+01:00' }), 422, 'validation_failed', ['timezone']);
    expectError(await put({ ...base, weekly: [{ weekday: 8, start: '09:00', end: '10:00' }] }), 422, 'validation_failed', ['weekly.0.weekday']);
    expectError(await put({ ...base, weekly: [{ weekday: 1, start: '9:00', end: '10:00' }] }), 422, 'validation_failed', ['weekly.0.start']);
    expectError(await put({ ...base, weekly: [{ weekday: 1, start: '24:00', end: '24:00' }] }), 422, 'validation_failed', ['weekly.0.start']);
    expectError(await put({ ...base, weekly: [{ weekday: 1, start: '10:00', end: '24:30' }] }), 422, 'validation_failed', ['weekly.0.end']);
    expectError(await put({ ...base, exceptions: [{ date: '2027-02-30' }] }), 422, 'validation_failed', ['exceptions.0.date']);
    expectError(await put({ ...base, exceptions: [{ date: '2027-03-01', start: '10:00' }] }), 422, 'validation_failed', ['exceptions.0.end']);
    expectError(
      await put({ ...base, exceptions: [{ date: '2027-03-01', start: '10:00', end: '12:00' }, { date: '2027-03-01', start: '11:00', end: '13:00' }] }),
      422,
      'validation_failed',
      ['exceptions.1'],
    );
    expectError(await put({ ...base, exceptions: [{ date: '2027-03-01' }, { date: '2027-03-01', start: '11:00', end: '13:00' }] }), 422, 'validation_failed', ['exceptions.1']);
    expectError(await put({ timezone: 'UTC' }), 422, 'validation_failed', ['weekly']);
    // Nothing was saved by the failures.
    expect((await tutor.api.get(`${API}/tutors/me/availability`, { token: tutor.token })).body.weekly).toEqual([]);
  });

  test('only tutors: 403 for a student, 401 without a session', async () => {
    const someone = await student();
    const body = { timezone: 'UTC', weekly: [], exceptions: [] };
    expectError(await someone.api.put(`${API}/tutors/me/availability`, body, { token: someone.token }), 403, 'forbidden');
    expectError(await someone.api.get(`${API}/tutors/me/availability`, { token: someone.token }), 403, 'forbidden');
    expectError(await someone.api.put(`${API}/tutors/me/availability`, body), 401, 'unauthorized');
  });

  test('the change reaches slots and the search index at once; the approval status is untouched', async () => {
    const tutor = await approvedTutor({ availability: null });
    const url = `${API}/tutors/${tutor.id}/slots?from=${iso(utcDay(3))}&to=${iso(utcDay(4))}&duration=60`;
    expect((await tutor.api.get(url)).body.slots).toEqual([]);
    await tutor.api.put(`${API}/tutors/me/availability`, { timezone: 'UTC', weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '10:00', end: '12:00' })), exceptions: [] }, { token: tutor.token });
    const slots = (await tutor.api.get(url)).body.slots.map((slot: any) => slot.startsAt.slice(11, 16));
    expect(slots).toEqual(['10:00', '10:15', '10:30', '10:45', '11:00']);
    const [windows] = await sql`select count(*)::int as count, min(lower(during)) as first from availability_windows where tutor_id = ${tutor.id}`;
    expect(windows!.count).toBeGreaterThanOrEqual(90);
    const [profile] = await sql`select approval_status from tutor_profiles where user_id = ${tutor.id}`;
    expect(profile!.approval_status).toBe('approved');
  });
});
