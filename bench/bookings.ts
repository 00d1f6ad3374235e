/**
 * Booking creation throughput under contention, over HTTP against production server processes on the seeded
 * marketplace (bench/lib/marketplace.ts). Two scenarios, each for a fixed time with concurrent clients:
 *   hot    - every client books random free slots of 5 tutors over 2 days: most attempts collide (409 slot_taken);
 *   spread - random slots of 2,000 tutors over 60 days: few collisions.
 * Prints attempts/s, bookings created/s, the 409 share, latency p50/p95, and checks with a self-join that no two
 * active bookings of a tutor overlap afterwards.
 *
 *   bun bench/bookings.ts [--seconds 10] [--clients 32] [--servers 2]
 *
 * Uses DATABASE_URL (default lyceum_bench_market) and REDIS_URL (default db 13), like bench/search.ts.
 */
import postgres from 'postgres';
import { join } from 'node:path';
import { seedMarketplace } from './lib/marketplace.ts';

const root = join(import.meta.dir, '..');
const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const seconds = arg('seconds', 10);
const clients = arg('clients', 32);
const serverCount = arg('servers', 2);
const DAY = 24 * 3600_000;

const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  NODE_ENV: 'production',
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lyceum_bench_market',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/13',
  SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
  LOG_LEVEL: 'silent',
  TRUSTED_PROXIES: '127.0.0.1',
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

const migrate = Bun.spawn(['bun', 'db/migrate.ts'], { cwd: root, env, stdout: 'ignore', stderr: 'inherit' });
if ((await migrate.exited) !== 0) throw new Error('migration failed');
const seeded = await seedMarketplace(env.DATABASE_URL!, { tutors: 10_000, students: 1000, log: (line) => console.log(line) });
const sql = postgres(env.DATABASE_URL!, { max: 2, onnotice: () => {} });
// Every tutor bookable all day for this run, so free slots are plentiful in the spread scenario.
const hot = seeded.tutorIds.slice(0, 5);
const spread = seeded.tutorIds.slice(100, 2100);

const servers = Array.from({ length: serverCount }, () => freePort()).map((port) => ({
  port,
  process: Bun.spawn(['bun', 'server/main.ts'], { cwd: root, env: { ...env, PORT: String(port), APP_URL: `http://localhost:${port}` }, stdout: 'ignore', stderr: 'inherit' }),
}));
const bases = servers.map((server) => `http://127.0.0.1:${server.port}/api/v1`);

try {
  for (const server of servers) {
    for (let attempt = 0; ; attempt++) {
      try {
        if ((await fetch(`http://127.0.0.1:${server.port}/health/ready`)).ok) break;
      } catch {}
      if (attempt > 300) throw new Error('server never became ready');
      await Bun.sleep(100);
    }
  }

  // Sign in students (each from its own address, so per-address sign-in limits do not interfere).
  const emails = (await sql`select email from users where email like 'bench-student-%' order by email limit ${clients}`).map((row) => row.email as string);
  const tokens: string[] = [];
  for (const [index, email] of emails.entries()) {
    const response = await fetch(`${bases[0]}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.77.${index >> 8}.${index & 255}` },
      body: JSON.stringify({ email, password: 'bench-password-not-for-login' }),
    });
    if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
    tokens.push(((await response.json()) as { accessToken: string }).accessToken);
  }

  // Free slots to aim at, from the API itself.
  async function slotsOf(tutorIds: string[], fromDays: number, toDays: number): Promise<Array<{ tutorId: string; startsAt: string }>> {
    const now = Date.now();
    const found: Array<{ tutorId: string; startsAt: string }> = [];
    for (const tutorId of tutorIds) {
      for (let from = now + fromDays * DAY; from < now + toDays * DAY; from += 30 * DAY) {
        const to = Math.min(from + 30 * DAY, now + toDays * DAY);
        const response = await fetch(`${bases[0]}/tutors/${tutorId}/slots?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&duration=60`);
        const body = (await response.json()) as { slots: Array<{ startsAt: string }> };
        found.push(...body.slots.map((slot) => ({ tutorId, startsAt: slot.startsAt })));
      }
    }
    return found;
  }

  async function scenario(label: string, targets: Array<{ tutorId: string; startsAt: string }>) {
    const latencies: number[] = [];
    let created = 0;
    let taken = 0;
    let other = 0;
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      tokens.map(async (token, client) => {
        let turn = client;
        while (performance.now() < deadline) {
          const target = targets[Math.floor(Math.random() * targets.length)]!;
          const t0 = performance.now();
          const response = await fetch(`${bases[turn++ % bases.length]}/bookings`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ tutorId: target.tutorId, startsAt: target.startsAt, durationMinutes: 60, subject: 'Mathematics' }),
          });
          await response.arrayBuffer();
          latencies.push(performance.now() - t0);
          if (response.status === 201) created++;
          else if (response.status === 409) taken++;
          else other++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const attempts = latencies.length;
    console.log(
      `  ${label.padEnd(8)} ${String(attempts).padStart(6)} attempts  ${(attempts / elapsed).toFixed(0).padStart(5)} attempts/s  ` +
        `${(created / elapsed).toFixed(1).padStart(6)} created/s (${created})  ${((100 * taken) / Math.max(1, attempts)).toFixed(1).padStart(5)} % 409  ` +
        `${other} other  p50 ${percentile(latencies, 50).toFixed(1)} ms  p95 ${percentile(latencies, 95).toFixed(1)} ms`,
    );
    if (other > 0) throw new Error(`${label}: ${other} unexpected responses`);
  }

  const [{ startedAt }] = (await sql`select now()::text as "startedAt"`) as unknown as [{ startedAt: string }];
  const hotTargets = await slotsOf(hot, 2, 4);
  const spreadTargets = await slotsOf(spread.slice(0, 400), 2, 60);
  console.log(`\nBooking creation, ${clients} concurrent clients over ${serverCount} server process(es), ${seconds} s per scenario:`);
  console.log(`  (hot: ${hotTargets.length} candidate slots of ${hot.length} tutors; spread: ${spreadTargets.length} candidate slots of 400 tutors)`);
  await scenario('hot', hotTargets);
  await scenario('spread', spreadTargets);

  const [{ pairs }] = (await sql`
    select count(*)::int as pairs from bookings a join bookings b on a.tutor_id = b.tutor_id and a.id < b.id
    where a.status in ('requested', 'confirmed') and b.status in ('requested', 'confirmed')
      and tstzrange(a.starts_at, a.ends_at, '[)') && tstzrange(b.starts_at, b.ends_at, '[)')`) as unknown as [{ pairs: number }];
  console.log(`\nOverlapping active bookings afterwards (self-join): ${pairs}`);
  // Leave the seeded data as it was: drop what this run booked (and what it owed).
  await sql`delete from outbox where created_at >= ${startedAt}::timestamptz and queue in ('email', 'bookings')`;
  await sql`delete from notifications where category = 'booking' and created_at >= ${startedAt}::timestamptz`;
  await sql`delete from bookings where created_at >= ${startedAt}::timestamptz`;
  if (pairs !== 0) process.exitCode = 1;
} finally {
  for (const server of servers) server.process.kill();
  await Promise.all(servers.map((server) => server.process.exited));
  await sql.end({ timeout: 5 });
}
