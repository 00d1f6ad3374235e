/**
 * Search and slot benchmark: seeds 10,000 approved tutors (bench/lib/marketplace.ts), starts a production server
 * process, and measures p50/p95 of typical filtered searches over HTTP (one request at a time, so the figures are
 * latencies, not queueing), with and without an availability window, and of slot computation for one tutor over
 * 31 days (over HTTP and the engine alone).
 * Aims (issue "Tutor marketplace"): p95 < 50 ms for filtered searches, < 100 ms with an availability window.
 *
 *   bun bench/search.ts [--tutors 10000] [--iterations 200]
 *
 * Uses DATABASE_URL (default database lyceum_bench_market, created and migrated) and REDIS_URL (default db 13).
 */
import { join } from 'node:path';
import { seedMarketplace } from './lib/marketplace.ts';

const root = join(import.meta.dir, '..');
const DAY_MS = 24 * 3600_000;
const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const tutors = arg('tutors', 10_000);
const iterations = arg('iterations', 200);

const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  NODE_ENV: 'production',
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lyceum_bench_market',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/13',
  SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
  LOG_LEVEL: 'silent',
};
process.env.DATABASE_URL = env.DATABASE_URL;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const fmt = (ms: number) => `${ms.toFixed(1).padStart(6)} ms`;

function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

const migrate = Bun.spawn(['bun', 'db/migrate.ts'], { cwd: root, env, stdout: 'ignore', stderr: 'inherit' });
if ((await migrate.exited) !== 0) throw new Error('migration failed');
const seeded = await seedMarketplace(env.DATABASE_URL!, { tutors, students: 1000, log: (line) => console.log(line) });

const port = freePort();
const server = Bun.spawn(['bun', 'server/main.ts'], { cwd: root, env: { ...env, PORT: String(port), APP_URL: `http://localhost:${port}` }, stdout: 'ignore', stderr: 'inherit' });
const base = `http://127.0.0.1:${port}/api/v1`;
try {
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) break;
    } catch {}
    if (attempt > 300) throw new Error('server never became ready');
    await Bun.sleep(100);
  }

  async function measure(label: string, paths: () => string): Promise<{ label: string; p50: number; p95: number; results: number }> {
    const samples: number[] = [];
    let results = 0;
    for (let warm = 0; warm < 10; warm++) await (await fetch(`${base}${paths()}`)).arrayBuffer();
    for (let index = 0; index < iterations; index++) {
      const path = paths();
      const t0 = performance.now();
      const response = await fetch(`${base}${path}`);
      const body = (await response.json()) as { items?: unknown[]; slots?: unknown[] };
      samples.push(performance.now() - t0);
      if (!response.ok) throw new Error(`${label}: ${response.status} ${JSON.stringify(body)}`);
      results += (body.items ?? body.slots ?? []).length;
    }
    samples.sort((a, b) => a - b);
    return { label, p50: percentile(samples, 50), p95: percentile(samples, 95), results: Math.round(results / iterations) };
  }

  let turn = 0;
  const rotate = <T>(list: T[]) => list[turn++ % list.length]!;
  const day = (days: number, hours = 0) => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + days, hours)).toISOString();
  const subjects = ['Mathematics', 'Physics', 'English', 'Piano', 'Python', 'German', 'Chess', 'Economics'];
  const filtered: Array<[string, () => string]> = [
    ['no filter (rating sort)', () => '/tutors'],
    ['subject', () => `/tutors?subject=${rotate(subjects)}`],
    ['subject + maxRate + country', () => `/tutors?subject=${rotate(subjects)}&maxRate=5000&currency=EUR&country=DE`],
    ['language + online, price_asc', () => `/tutors?language=${rotate(['en', 'de', 'fr', 'es'])}&online=true&sort=price_asc`],
    ['minRating 4.5, rating sort', () => '/tutors?minRating=4.5'],
    ['city', () => `/tutors?city=${rotate(['Berlin', 'Paris', 'London', 'Tokyo'])}`],
    ['q (full text)', () => `/tutors?q=${rotate(['mathematics', 'piano lessons', 'exam preparation', 'python'])}`],
    ['q with a typo', () => `/tutors?q=${rotate(['mathematcs', 'pyhton', 'chemestry', 'gitar'])}`],
    ['q + subject + price_desc', () => `/tutors?q=experience&subject=${rotate(subjects)}&sort=price_desc`],
  ];
  const windowed: Array<[string, () => string]> = [
    ['available next 7 days', () => `/tutors?availableFrom=${day(1)}&availableTo=${day(8)}`],
    ['available one evening (2 h)', () => `/tutors?availableFrom=${day(3, 18)}&availableTo=${day(3, 20)}`],
    ['available 1 day + subject', () => `/tutors?subject=${rotate(subjects)}&availableFrom=${day(4)}&availableTo=${day(5)}`],
    ['available 2 h + subject + country', () => `/tutors?subject=${rotate(subjects)}&country=US&availableFrom=${day(5, 14)}&availableTo=${day(5, 16)}&duration=60`],
    ['available 31 days, 4 h lessons', () => `/tutors?availableFrom=${day(1)}&availableTo=${day(31)}&duration=240`],
  ];

  // A deep page: follow the cursor 5 pages into a subject search.
  let cursor = '';
  const deepPage = async () => {
    let url = `/tutors?subject=Mathematics&limit=20`;
    for (let pageNo = 0; pageNo < 5; pageNo++) {
      const body = (await (await fetch(`${base}${url}`)).json()) as { nextCursor: string | null };
      if (!body.nextCursor) break;
      cursor = body.nextCursor;
      url = `/tutors?subject=Mathematics&limit=20&cursor=${cursor}`;
    }
  };
  await deepPage();
  filtered.push(['subject, page 6 (cursor)', () => `/tutors?subject=Mathematics&limit=20&cursor=${cursor}`]);

  console.log(`\nSearch over ${seeded.tutorIds.length} approved tutors, ${iterations} requests each, one at a time (HTTP, production server):`);
  const rows = [];
  for (const [label, path] of filtered) rows.push(await measure(label, path));
  const windowRows = [];
  for (const [label, path] of windowed) windowRows.push(await measure(label, path));
  const print = (row: { label: string; p50: number; p95: number; results: number }) =>
    console.log(`  ${row.label.padEnd(36)} p50 ${fmt(row.p50)}   p95 ${fmt(row.p95)}   (${row.results} results)`);
  rows.forEach(print);
  console.log('  with an availability window:');
  windowRows.forEach(print);

  const slotTutors = seeded.tutorIds.slice(0, 500);
  const slots = await measure('slots, one tutor, 31 days, 60 min', () => `/tutors/${rotate(slotTutors)}/slots?from=${day(1)}&to=${day(32)}&duration=60`);
  console.log('\nSlot computation:');
  print(slots);

  // The engine alone (no HTTP, no database): 31 days of a weekday pattern in a DST zone.
  const { openIntervals, computeSlots } = await import('../server/modules/availability/slots.ts');
  const rules = { timezone: 'America/New_York', weekly: [1, 2, 3, 4, 5].flatMap((weekday) => [{ weekday, start: 480, end: 720 }, { weekday, start: 840, end: 1080 }]), exceptions: [] };
  const engine: number[] = [];
  for (let index = 0; index < 2000; index++) {
    const from = Date.now() + DAY_MS;
    const t0 = performance.now();
    const open = openIntervals(rules, from, from + 31 * DAY_MS + 3600_000);
    computeSlots(open, { fromMs: from, toMs: from + 31 * DAY_MS, durationMinutes: 60, earliestStartMs: from, latestStartMs: from + 90 * DAY_MS });
    engine.push(performance.now() - t0);
  }
  engine.sort((a, b) => a - b);
  console.log(`  ${'engine only (Temporal, 31 days)'.padEnd(36)} p50 ${fmt(percentile(engine, 50))}   p95 ${fmt(percentile(engine, 95))}`);

  const worst = Math.max(...rows.map((row) => row.p95));
  const worstWindow = Math.max(...windowRows.map((row) => row.p95));
  console.log(`\nAim: filtered p95 < 50 ms -> worst ${worst.toFixed(1)} ms ${worst < 50 ? 'MET' : 'MISSED'}; with availability p95 < 100 ms -> worst ${worstWindow.toFixed(1)} ms ${worstWindow < 100 ? 'MET' : 'MISSED'}`);
} finally {
  server.kill();
  await server.exited;
}


