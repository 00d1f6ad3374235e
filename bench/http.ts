/**
 * Authenticated `GET /api/v1/me` (JWT verify + session check through the Redis cache) against a bare Elysia
 * route, in the same run and with the same load generator, printing throughput, p50/p99 and the ratio.
 * Aim (issue "Foundation and sign-in"): /me at least 0.4 of the bare route.
 *
 *   bun bench/http.ts [--seconds 10] [--connections 64]
 *
 * Uses DATABASE_URL (default database lyceum_bench, created and migrated) and REDIS_URL (default db 14).
 */
import { join } from 'node:path';
import type { LoadResult } from './lib/load.ts';

const root = join(import.meta.dir, '..');
const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const seconds = arg('seconds', 10);
const connections = arg('connections', 64);

const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  NODE_ENV: 'production',
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lyceum_bench',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/14',
  SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
  LOG_LEVEL: 'silent',
};

function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

async function waitFor(url: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await Bun.sleep(100);
  }
  throw new Error(`${url} never became ready`);
}

async function load(url: string, headers: Record<string, string> = {}): Promise<LoadResult> {
  const child = Bun.spawn(['bun', join(import.meta.dir, 'lib/load.ts'), JSON.stringify({ url, headers, connections, seconds })], {
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const output = await new Response(child.stdout).text();
  await child.exited;
  return JSON.parse(output.trim().split('\n').pop()!);
}

const migrate = Bun.spawn(['bun', 'db/migrate.ts'], { cwd: root, env, stdout: 'ignore', stderr: 'inherit' });
if ((await migrate.exited) !== 0) throw new Error('migration failed');

const appPort = freePort();
const barePort = freePort();
const app = Bun.spawn(['bun', 'server/main.ts'], { cwd: root, env: { ...env, PORT: String(appPort), APP_URL: `http://localhost:${appPort}` }, stdout: 'ignore', stderr: 'inherit' });
const bare = Bun.spawn(['bun', join(import.meta.dir, 'lib/bareServer.ts'), String(barePort)], { cwd: root, env, stdout: 'ignore', stderr: 'inherit' });
try {
  await Promise.all([waitFor(`http://127.0.0.1:${appPort}/health/ready`), waitFor(`http://127.0.0.1:${barePort}/bare`)]);

  const base = `http://127.0.0.1:${appPort}/api/v1`;
  const email = `bench-${Date.now()}@example.test`;
  const password = 'bench password that is long';
  const json = { 'content-type': 'application/json', 'x-forwarded-for': '10.9.9.9' };
  await fetch(`${base}/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ email, password, name: 'Bench', role: 'student' }) });
  const login = (await (await fetch(`${base}/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ email, password }) })).json()) as { accessToken: string };
  const auth = { authorization: `Bearer ${login.accessToken}` };

  // Warm both up (JIT, connection pools, the session cache).
  await load(`${base}/me`, auth);
  const bareResult = await load(`http://127.0.0.1:${barePort}/bare`);
  const meResult = await load(`${base}/me`, auth);

  const row = (name: string, r: LoadResult) =>
    `${name.padEnd(22)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms   errors ${r.errors}`;
  console.log(`\nbench/http: ${connections} connections, ${seconds} s each, ${navigator.hardwareConcurrency} cores\n`);
  console.log(row('bare Elysia route', bareResult));
  console.log(row('GET /api/v1/me (auth)', meResult));
  const ratio = meResult.rps / bareResult.rps;
  console.log(`\nratio /me : bare = ${ratio.toFixed(2)} (aim >= 0.40) ${ratio >= 0.4 ? 'MET' : 'MISSED'}`);
} finally {
  app.kill('SIGTERM');
  bare.kill('SIGTERM');
  await Promise.all([app.exited, bare.exited]);
}
