// Double booking under concurrency: 50 requests for the same and partially overlapping slots, spread over two
// server processes, and concurrent reschedules into one slot. Exactly one wins; the rest get 409 slot_taken; a
// self-join finds no overlapping active bookings. The exclusion constraint holds even without the application.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Client } from '../../support/app.ts';
import { API, approvedTutor, booked, iso, sql, student, utcDay, type Person } from '../../support/marketplace.ts';
import { startServerProcess, type ServerProcess } from '../../support/processes.ts';

let servers: ServerProcess[] = [];

beforeAll(async () => {
  servers = await Promise.all([startServerProcess(), startServerProcess()]);
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.kill()));
}, 30_000);

/** Overlapping active bookings anywhere in the database (should always be none). */
async function overlappingPairs(tutorId?: string): Promise<number> {
  const [row] = await sql`
    select count(*)::int as pairs
    from bookings a
    join bookings b on a.tutor_id = b.tutor_id and a.id < b.id
    where a.status in ('requested', 'confirmed') and b.status in ('requested', 'confirmed')
      and tstzrange(a.starts_at, a.ends_at, '[)') && tstzrange(b.starts_at, b.ends_at, '[)')
      and (${tutorId ?? null}::uuid is null or a.tutor_id = ${tutorId ?? null}::uuid)`;
  return row!.pairs;
}

function clientFor(index: number): Client {
  return new Client(servers[index % servers.length]!.baseUrl);
}

describe('concurrent bookings across two server processes', () => {
  test('50 requests for the same and partially overlapping slots: exactly one 201, 49 x 409 slot_taken', async () => {
    const tutor = await approvedTutor();
    const students: Person[] = await Promise.all(Array.from({ length: 10 }, () => student()));
    // Starts 10:00..10:45 with 60, 90 or 120 minutes: every candidate covers 10:45-11:00, so any two overlap.
    const requests = Array.from({ length: 50 }, (_, index) => ({
      by: students[index % students.length]!,
      startsAt: iso(utcDay(3, 10, (index % 4) * 15)),
      durationMinutes: [60, 90, 120][index % 3]!,
      api: clientFor(index),
    }));
    const replies = await Promise.all(
      requests.map(({ by, startsAt, durationMinutes, api }) =>
        api.post(`${API}/bookings`, { tutorId: tutor.id, startsAt, durationMinutes, subject: 'Mathematics' }, { token: by.token }),
      ),
    );
    const statuses = replies.map((reply) => reply.status);
    expect(replies.filter((reply) => reply.status !== 201 && reply.status !== 409).map((reply) => `${reply.status} ${reply.text}`)).toEqual([]);
    expect(statuses.filter((status) => status === 201).length).toBe(1);
    expect(statuses.filter((status) => status === 409).length).toBe(49);
    for (const reply of replies.filter((r) => r.status === 409)) expect(reply.body.error.code).toBe('slot_taken');
    const [active] = await sql`select count(*)::int as count from bookings where tutor_id = ${tutor.id} and status in ('requested', 'confirmed')`;
    expect(active!.count).toBe(1);
    expect(await overlappingPairs(tutor.id)).toBe(0);
    expect(await overlappingPairs()).toBe(0);
  }, 120_000);

  test('concurrent reschedules into one slot: exactly one 200, the rest 409 slot_taken', async () => {
    const tutor = await approvedTutor();
    const students: Person[] = await Promise.all(Array.from({ length: 20 }, () => student()));
    const bookings = [];
    for (const [index, by] of students.entries()) bookings.push({ by, booking: await booked(by, tutor.id, utcDay(4 + Math.floor(index / 8), 8 + (index % 8))) });
    const target = utcDay(10, 12);
    const replies = await Promise.all(
      bookings.map(({ by, booking }, index) =>
        clientFor(index).post(`${API}/bookings/${booking.id}/reschedule`, { startsAt: iso(new Date(target.getTime() + (index % 3) * 15 * 60_000)) }, { token: by.token }),
      ),
    );
    const statuses = replies.map((reply) => reply.status);
    expect(replies.filter((reply) => reply.status !== 200 && reply.status !== 409).map((reply) => `${reply.status} ${reply.text}`)).toEqual([]);
    expect(statuses.filter((status) => status === 200).length).toBe(1);
    expect(statuses.filter((status) => status === 409).length).toBe(19);
    for (const reply of replies.filter((r) => r.status === 409)) expect(reply.body.error.code).toBe('slot_taken');
    const [moved] = await sql`select count(*)::int as count from bookings where tutor_id = ${tutor.id} and starts_at >= ${iso(target)} and starts_at < ${iso(target.getTime() + 3600_000)}`;
    expect(moved!.count).toBe(1);
    expect(await overlappingPairs(tutor.id)).toBe(0);
  }, 120_000);

  test('the exclusion constraint holds even when the application check is skipped', async () => {
    const tutor = await approvedTutor();
    const alice = await student();
    const insert = (start: Date) =>
      sql.begin(async (tx) => {
        await tx`select pg_sleep(0.05)`;
        await tx`insert into bookings (id, tutor_id, student_id, starts_at, ends_at, duration_minutes, subject, currency, hourly_rate_amount, price_amount,
                   platform_fee_percent, platform_fee_amount, tutor_earnings_amount, cancellation_cutoff_hours)
                 values (${Bun.randomUUIDv7()}, ${tutor.id}, ${alice.id}, ${iso(start)}, ${iso(start.getTime() + 3600_000)}, 60, 'x', 'USD', 100, 100, 15, 15, 85, 24)`;
      });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, index) => insert(new Date(utcDay(6, 10).getTime() + index * 5 * 60_000))));
    expect(results.filter((result) => result.status === 'fulfilled').length).toBe(1);
    // Refused by the exclusion constraint (23P01), or chosen as the victim when two inserts wait on each other
    // inside it (40P01, deadlock): either way Postgres refused the overlap.
    for (const result of results) if (result.status === 'rejected') expect(['23P01', '40P01']).toContain((result.reason as { code: string }).code);
    // A cancelled booking no longer holds its time: the constraint only covers active statuses.
    await sql`update bookings set status = 'cancelled', refund_eligible = true where tutor_id = ${tutor.id}`;
    await insert(utcDay(6, 10));
    expect(await overlappingPairs(tutor.id)).toBe(0);
  });
});
