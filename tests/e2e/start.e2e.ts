/**
 * `bun run start` as an operator uses it: several instances may start at once against one database, and
 * every process start launches dies with it, even when start itself is SIGKILLed (no orphan keeps the port).
 */
import { afterAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { sql } from '../../db/client.ts';
import { freePort, processEnv } from '../support/processes.ts';

const root = join(import.meta.dir, '..', '..');
const adminEmail = `admin-${Date.now()}@example.test`;
const started: Array<ReturnType<typeof Bun.spawn>> = [];

function start(port: number) {
  const child = Bun.spawn(['bun', 'run', 'start'], {
    cwd: root,
    env: processEnv({ PORT: String(port), APP_URL: `http://localhost:${port}`, ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: 'admin password for tests' }),
    stdout: 'ignore',
    stderr: 'inherit',
  });
  started.push(child);
  return child;
}

async function answers(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/live`)).ok;
  } catch {
    return false;
  }
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await Bun.sleep(100);
  }
  return false;
}

/** Every descendant pid of `pid`, from /proc. */
function descendants(pid: number): number[] {
  const result = Bun.spawnSync(['ps', '-e', '-o', 'pid=,ppid=']).stdout.toString();
  const children = new Map<number, number[]>();
  for (const line of result.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    children.set(parent!, [...(children.get(parent!) ?? []), child!]);
  }
  const found: number[] = [];
  const stack = [pid];
  while (stack.length) for (const child of children.get(stack.pop()!) ?? []) found.push(child), stack.push(child);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
});

test('two instances start at once; SIGKILL of one leaves no orphan; SIGTERM stops the other cleanly', async () => {
  const [portA, portB] = [freePort(), freePort()];
  const a = start(portA);
  const b = start(portB);
  expect(await until(() => answers(portA), 60_000)).toBe(true);
  expect(await until(() => answers(portB), 60_000)).toBe(true);

  const admins = await sql`select role, email_verified_at from users where email = ${adminEmail}`;
  expect(admins.length).toBe(1);
  expect(admins[0]!.role).toBe('admin');
  expect(admins[0]!.email_verified_at).not.toBeNull();

  const childrenOfA = descendants(a.pid);
  expect(childrenOfA.length).toBeGreaterThanOrEqual(2); // server and worker
  a.kill('SIGKILL');
  expect(await until(async () => !(await answers(portA)), 10_000)).toBe(true);
  expect(await until(async () => childrenOfA.every((pid) => !alive(pid)), 10_000)).toBe(true);

  expect(await answers(portB)).toBe(true);
  b.kill('SIGTERM');
  expect(await b.exited).toBe(0);
  expect(await answers(portB)).toBe(false);
}, 120_000);
