/**
 * `bun run test`: the whole suite against real Postgres and Redis.
 * 1. a fresh database (lyceum_test_<pid>), Redis database 15 with BullMQ queues prefixed for this run;
 * 2. `bun test` for server, jobs and realtime tests;
 * 3. the web build, then the browser tests (tests/e2e/*.e2e.ts) against real server and worker processes;
 * 4. one closing line `N passed, M failed`; exit 1 when anything failed or nothing ran.
 * Flags: --no-e2e skips 2's browser part, --only-e2e runs just it; extra arguments go to `bun test`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';

const root = join(import.meta.dir, '..');
const args = process.argv.slice(2);
const runUnit = !args.includes('--only-e2e');
const runE2e = !args.includes('--no-e2e');
const passthrough = args.filter((arg) => !arg.startsWith('--no-e2e') && !arg.startsWith('--only-e2e'));

const pgBase = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const database = `lyceum_test_${process.pid}`;
const testEnv: Record<string, string> = {
  ...(process.env as Record<string, string>),
  NODE_ENV: 'test',
  DATABASE_URL: `${pgBase}/${database}`,
  REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15',
  SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
  TRUSTED_PROXIES: '127.0.0.1',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
  QUEUE_PREFIX: `lyceum-test-${process.pid}`,
  LYCEUM_TEST_DB_READY: '0',
};

type Totals = { passed: number; failed: number };

/** Runs `bun test`, streaming its output, and reads its closing counts (bun prints them on stderr). */
async function bunTest(files: string[], label: string): Promise<Totals> {
  console.log(`\n=== ${label} ===`);
  const child = Bun.spawn(['bun', 'test', '--timeout', '60000', ...files], { cwd: root, env: testEnv, stdout: 'inherit', stderr: 'pipe' });
  let output = '';
  const decoder = new TextDecoder();
  for await (const chunk of child.stderr) {
    const text = decoder.decode(chunk);
    output += text;
    process.stderr.write(text);
  }
  const code = await child.exited;
  const passed = Number(/^\s*(\d+) pass$/m.exec(output)?.[1] ?? 0);
  let failed = Number(/^\s*(\d+) fail$/m.exec(output)?.[1] ?? 0);
  // A crash or an error outside a test (bun exits 1 with no fail count) still fails the run.
  if (code !== 0 && failed === 0) failed = 1;
  return { passed, failed };
}

async function run(command: string[], cwd: string): Promise<boolean> {
  console.log(`\n=== ${command.join(' ')} ===`);
  const child = Bun.spawn(command, { cwd, env: { ...process.env }, stdout: 'inherit', stderr: 'inherit' });
  return (await child.exited) === 0;
}

const admin = postgres(`${pgBase}/postgres`, { max: 1, onnotice: () => {} });
const totals: Totals = { passed: 0, failed: 0 };
try {
  await admin.unsafe(`create database "${database}"`);
  const migrate = Bun.spawn(['bun', 'db/migrate.ts'], { cwd: root, env: testEnv, stdout: 'inherit', stderr: 'inherit' });
  if ((await migrate.exited) !== 0) throw new Error('migration of the test database failed');
  testEnv.LYCEUM_TEST_DB_READY = '1';

  if (runUnit) {
    const result = await bunTest(passthrough.length > 0 ? passthrough : ['./tests/server', './tests/jobs', './tests/realtime'].filter(exists), 'server, jobs and realtime tests');
    totals.passed += result.passed;
    totals.failed += result.failed;
  }
  if (runE2e) {
    const e2eFiles = readdirSync(join(root, 'tests/e2e'))
      .filter((file) => file.endsWith('.e2e.ts'))
      .map((file) => `./tests/e2e/${file}`);
    if (e2eFiles.length > 0) {
      if (!(await run(['bun', '--bun', 'vite', 'build'], join(root, 'web')))) {
        console.error('web build failed');
        totals.failed += 1;
      } else {
        const result = await bunTest(e2eFiles, 'browser tests');
        totals.passed += result.passed;
        totals.failed += result.failed;
      }
    }
  }
} catch (error) {
  console.error(error);
  totals.failed += 1;
} finally {
  await admin.unsafe(`drop database if exists "${database}" with (force)`).catch(() => {});
  await admin.end({ timeout: 5 });
}

function exists(path: string): boolean {
  try {
    readdirSync(join(root, path));
    return true;
  } catch {
    return false;
  }
}

console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
