/**
 * Chat benchmark (issue "Real-time chat"). In one run, on loopback, it prints:
 * - delivered messages per second and end-to-end latency p50/p99 (send -> another member's message frame) at
 *   several offered rates, for 500 two-member rooms and for 20 thirty-member rooms, on one instance and across two;
 * - memory per idle authenticated socket (joined to a conversation) at 1,000 and 5,000 connections;
 * - the same load against a bare Bun pub/sub echo server (the ceiling), and Lyceum's figures as a ratio of it.
 * Aims: >= 5,000 persisted messages/s in two-member rooms with p99 < 100 ms; p99 < 50 ms at 1,000 messages/s;
 * < 20 KB per idle socket.
 *
 *   bun bench/chat.ts [--seconds 5]
 *
 * Uses DATABASE_URL (default database lyceum_bench, created and migrated) and a redis-server of its own on a spare
 * port. Bounded: every phase has a fixed duration and a bounded drain; it stops by itself.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { RateResult } from './lib/chatLoad.ts';

const root = join(import.meta.dir, '..');
const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const seconds = arg('seconds', 5);
/** `--only direct|group|bare|memory` runs one part (profiling); the default runs everything. */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const part = (name: string) => only === null || only === name;

function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

const redisPort = freePort();
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  NODE_ENV: 'production',
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lyceum_bench',
  REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
  SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
};
Object.assign(process.env, env);

const children: Array<import('bun').Subprocess> = [];
const stopAll = () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
};
process.on('exit', stopAll);

const redis = Bun.spawn(['redis-server', '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdout: 'ignore', stderr: 'inherit' });
children.push(redis);

const migrate = Bun.spawn(['bun', 'db/migrate.ts'], { cwd: root, env, stdout: 'ignore', stderr: 'inherit' });
if ((await migrate.exited) !== 0) throw new Error('migration failed');

async function waitFor(url: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await Bun.sleep(100);
  }
  throw new Error(`${url} never became ready`);
}

type Server = { port: number; http: string; ws: string; origin: string; pid: number; stop(): void };

async function startLyceum(): Promise<Server> {
  const port = freePort();
  const origin = `http://127.0.0.1:${port}`;
  const flags = process.env.BENCH_SERVER_FLAGS ? process.env.BENCH_SERVER_FLAGS.split(' ') : [];
  const child = Bun.spawn(['bun', ...flags, process.env.BENCH_SERVER_ENTRY ?? 'server/main.ts'], { cwd: root, env: { ...env, PORT: String(port), APP_URL: origin }, stdout: 'inherit', stderr: 'inherit' });
  children.push(child);
  await waitFor(`${origin}/health/ready`);
  return { port, http: origin, ws: `ws://127.0.0.1:${port}`, origin, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

async function startBare(): Promise<Server> {
  const port = freePort();
  const child = Bun.spawn(['bun', join(import.meta.dir, 'lib/bareChat.ts'), String(port)], { stdout: 'ignore', stderr: 'inherit' });
  children.push(child);
  await waitFor(`http://127.0.0.1:${port}/`);
  return { port, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

async function rssOf(pid: number): Promise<number> {
  const match = /VmRSS:\s+(\d+) kB/.exec(await Bun.file(`/proc/${pid}/status`).text());
  return match ? Number(match[1]) * 1024 : 0;
}

// Seed through the service layer (sessions, conversations); users in bulk SQL (hashing passwords is not the point).
const { sql } = await import('../db/client.ts');
const { db } = await import('../db/client.ts');
const { createSession } = await import('../server/modules/accounts/sessions.ts');
const chat = await import('../server/modules/chat/service.ts');

const USERS = 1000;
const run = Date.now().toString(36);
const ids = Array.from({ length: USERS }, () => Bun.randomUUIDv7());
await sql`
  insert into users (id, email, password_hash, name, role, email_verified_at)
  select id, 'bench-chat-' || ${run} || '-' || n || '@example.test', 'not-a-hash', 'Bench ' || n, 'student', now()
  from unnest(${ids}::uuid[]) with ordinality as u(id, n)`;
const cookies: string[] = [];
for (let start = 0; start < USERS; start += 100) {
  const sessions = await Promise.all(ids.slice(start, start + 100).map((userId) => createSession(db, { userId, ip: '127.0.0.1', userAgent: 'bench' })));
  cookies.push(...sessions.map((session) => `session=${session.token}`));
}
const pairs: string[] = [];
for (let i = 0; i < USERS; i += 2) pairs.push((await chat.ensureDirectConversation(ids[i]!, ids[i + 1]!)).id);
const groups: string[] = [];
for (let g = 0; g < 20; g += 1) {
  groups.push((await chat.createGroupConversation({ kind: 'course', title: `Bench group ${g}`, memberIds: ids.slice(g * 30, g * 30 + 30) })).id);
}

/**
 * Between phases: flush dirty pages now (CHECKPOINT) so a checkpoint's fsync storm does not land in the middle of a
 * measurement (the previous phase and the seeding wrote a lot), then let the machine settle.
 */
async function settle(): Promise<void> {
  await sql`checkpoint`.catch(() => {});
  await Bun.sleep(1000);
}

type Room = { id: string; members: Array<{ cookie: string; target: number }> };
const directRooms = (split: boolean): Room[] =>
  pairs.map((id, p) => ({ id, members: [0, 1].map((k) => ({ cookie: cookies[p * 2 + k]!, target: split ? k : 0 })) }));
const groupRooms = (split: boolean): Room[] =>
  groups.map((id, g) => ({ id, members: Array.from({ length: 30 }, (_, k) => ({ cookie: cookies[g * 30 + k]!, target: split ? k % 2 : 0 })) }));

let jobCounter = 0;
async function jobFile(job: Record<string, unknown>): Promise<string> {
  const path = `/tmp/lyceum-chat-bench-${process.pid}-${(jobCounter += 1)}.json`;
  await Bun.write(path, JSON.stringify(job));
  return path;
}

async function load(job: Record<string, unknown>): Promise<RateResult[]> {
  const child = Bun.spawn(['bun', join(import.meta.dir, 'lib/chatLoad.ts'), await jobFile(job)], { stdout: 'pipe', stderr: 'inherit' });
  children.push(child);
  const output = await new Response(child.stdout).text();
  await child.exited;
  return output
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as RateResult);
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
type Row = { scenario: string; result: RateResult };
const rows: Row[] = [];
function report(scenario: string, results: RateResult[]): void {
  for (const result of results) {
    rows.push({ scenario, result });
    const lost = result.expectedDeliveries - result.delivered;
    const errors = Object.entries(result.errors).map(([code, count]) => `${code}:${count}`).join(' ');
    console.log(
      `${scenario.padEnd(34)} offered ${String(result.offered).padStart(6)}/s  persisted ${fmt(result.ackedPerSecond).padStart(6)}/s  ` +
        `delivered ${fmt(result.deliveredPerSecond).padStart(7)}/s  p50 ${fmt(result.p50, 1).padStart(6)} ms  p99 ${fmt(result.p99, 1).padStart(7)} ms  ` +
        `ack p99 ${fmt(result.ackP99, 1).padStart(7)} ms${lost ? `  undelivered ${lost}` : ''}${errors ? `  errors ${errors}` : ''}`,
    );
  }
}

const loadAverage = () => loadavg().map((value) => value.toFixed(2)).join(' ');
console.log(`\nChat benchmark: load average before ${loadAverage()} (other processes on this machine skew the p99 figures), ${seconds} s per rate, ${pairs.length} two-member rooms, ${groups.length} thirty-member rooms, loopback, ${navigator.hardwareConcurrency} cores\n`);

const [a, b] = [await startLyceum(), await startLyceum()];
const ratesArg = process.argv.includes('--rates') ? process.argv[process.argv.indexOf('--rates') + 1]!.split(',').map(Number) : null;
const directRates = ratesArg ?? [1000, 3000, 5000, 7000];
const groupRates = [100, 300, 600];

if (part('direct')) {
  await settle();
  report('lyceum 2-member, 1 instance', await load({ mode: 'rates', targets: [a.ws], origins: [a.origin], rooms: directRooms(false), rates: directRates, seconds, warmup: 500 }));
  await settle();
  report('lyceum 2-member, 2 instances', await load({ mode: 'rates', targets: [a.ws, b.ws], origins: [a.origin, b.origin], rooms: directRooms(true), rates: directRates, seconds, warmup: 500 }));
}
if (part('group')) {
  await settle();
  report('lyceum 30-member, 1 instance', await load({ mode: 'rates', targets: [a.ws], origins: [a.origin], rooms: groupRooms(false), rates: groupRates, seconds, warmup: 100 }));
  await settle();
  report('lyceum 30-member, 2 instances', await load({ mode: 'rates', targets: [a.ws, b.ws], origins: [a.origin, b.origin], rooms: groupRooms(true), rates: groupRates, seconds, warmup: 100 }));
}
a.stop();
b.stop();

const bare = await startBare();
if (part('bare')) {
  report('bare pub/sub 2-member', await load({ mode: 'rates', targets: [bare.ws], origins: [bare.origin], rooms: directRooms(false), rates: [...directRates, 10000], seconds, warmup: 500 }));
  report('bare pub/sub 30-member', await load({ mode: 'rates', targets: [bare.ws], origins: [bare.origin], rooms: groupRooms(false), rates: groupRates, seconds, warmup: 100 }));
}

// Memory per idle authenticated socket (each joined to its direct conversation).
type MemoryStep = { sockets: number; perSocket: number; marginal: number };
async function idleMemory(server: Server, steps: number[]): Promise<MemoryStep[]> {
  const sockets = Array.from({ length: steps[steps.length - 1]! }, (_, i) => ({ cookie: cookies[i % USERS]!, conversationId: pairs[Math.floor((i % USERS) / 2)]! }));
  await Bun.sleep(1000);
  const baseline = await rssOf(server.pid);
  const child = Bun.spawn(['bun', join(import.meta.dir, 'lib/chatLoad.ts'), await jobFile({ mode: 'idle', targets: [server.ws], origins: [server.origin], sockets, steps })], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'inherit',
  });
  children.push(child);
  const results: MemoryStep[] = [];
  let previous = { sockets: 0, rss: baseline };
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of child.stdout) {
    buffer += decoder.decode(chunk);
    const match = /ready (\d+) (\d+)\n/.exec(buffer);
    if (!match) continue;
    buffer = '';
    await Bun.sleep(3000);
    const rss = await rssOf(server.pid);
    const sockets = Number(match[1]);
    results.push({ sockets, perSocket: (rss - baseline) / sockets, marginal: (rss - previous.rss) / (sockets - previous.sockets) });
    previous = { sockets, rss };
    child.stdin.write('next\n');
    child.stdin.flush();
    if (results.length === steps.length) break;
  }
  child.stdin.end();
  await child.exited;
  return results;
}

let lyceumMemory: MemoryStep[] = [];
let bareMemory: MemoryStep[] = [];
if (part('memory')) {
  const fresh = await startLyceum();
  lyceumMemory = await idleMemory(fresh, [1000, 5000]);
  fresh.stop();
  bareMemory = await idleMemory(bare, [1000, 5000]);
}
bare.stop();

console.log('');
for (const [index, entry] of lyceumMemory.entries()) {
  const bareEntry = bareMemory[index];
  console.log(
    `memory per idle authenticated socket at ${String(entry.sockets).padStart(5)} connections: lyceum ${fmt(entry.perSocket / 1024, 1)} KB average ` +
      `(${fmt(entry.marginal / 1024, 1)} KB each for the last ${entry.sockets === steps0(lyceumMemory, index) ? entry.sockets : entry.sockets - lyceumMemory[index - 1]!.sockets}), ` +
      `bare ${fmt((bareEntry?.perSocket ?? NaN) / 1024, 1)} KB average (${fmt((bareEntry?.marginal ?? NaN) / 1024, 1)} KB marginal); server RSS growth over the baseline`,
  );
}

function steps0(list: MemoryStep[], index: number): number {
  return index === 0 ? list[0]!.sockets : -1;
}

// Ratios and aims
const sustained = (scenario: string, p99Limit: number) =>
  rows
    .filter((row) => row.scenario === scenario && row.result.p99 < p99Limit && row.result.delivered >= row.result.expectedDeliveries * 0.999 && row.result.ackedPerSecond >= row.result.offered * 0.95)
    .reduce((best, row) => Math.max(best, row.result.ackedPerSecond), 0);
const at = (scenario: string, offered: number) => rows.find((row) => row.scenario === scenario && row.result.offered === offered)?.result;

const lyceumBest = sustained('lyceum 2-member, 1 instance', 100);
const lyceumBestTwo = sustained('lyceum 2-member, 2 instances', 100);
const bareBest = sustained('bare pub/sub 2-member', 100);
const groupBest = rows.filter((row) => row.scenario.startsWith('lyceum 30-member, 1') && row.result.p99 < 100).reduce((best, row) => Math.max(best, row.result.deliveredPerSecond), 0);
const bareGroupBest = rows.filter((row) => row.scenario === 'bare pub/sub 30-member' && row.result.p99 < 100).reduce((best, row) => Math.max(best, row.result.deliveredPerSecond), 0);
const at1000 = at('lyceum 2-member, 1 instance', 1000);
const bare1000 = at('bare pub/sub 2-member', 1000);

console.log('\nSummary');
console.log(`  sustained persisted messages/s, 2-member rooms, p99 < 100 ms: 1 instance ${fmt(lyceumBest)}, 2 instances ${fmt(lyceumBestTwo)}; bare ${fmt(bareBest)}; ratio ${fmt(lyceumBest / bareBest, 2)}`);
console.log(`  deliveries/s, 30-member rooms, p99 < 100 ms: lyceum ${fmt(groupBest)}, bare ${fmt(bareGroupBest)}; ratio ${fmt(groupBest / bareGroupBest, 2)}`);
console.log(`  p99 at 1,000 messages/s: lyceum ${fmt(at1000?.p99 ?? NaN, 1)} ms, bare ${fmt(bare1000?.p99 ?? NaN, 1)} ms`);
// At 5,000 connections: the marginal cost of the sockets 1,001..5,000 (the first thousand also pays one-time costs:
// JIT, pools, caches).
const perSocket5000 = lyceumMemory.find((entry) => entry.sockets === 5000)?.marginal ?? NaN;
const aims = [
  [`>= 5,000 persisted msg/s (2-member) with p99 < 100 ms`, lyceumBest >= 5000],
  [`p99 < 50 ms at 1,000 msg/s`, (at1000?.p99 ?? Infinity) < 50],
  [`< 20 KB per idle socket (marginal, 1,000 -> 5,000 connections: ${fmt(perSocket5000 / 1024, 1)} KB)`, perSocket5000 < 20 * 1024],
] as const;
for (const [aim, met] of aims) console.log(`  aim ${met ? 'MET   ' : 'MISSED'} ${aim}`);
console.log(`  load average after ${loadAverage()}`);
await sql.end({ timeout: 5 });
stopAll();
process.exit(0);
