/**
 * `bun run start`: migrate, build the web app if there is no build, then run the server and the workers as
 * children. Children exit with this process even when it is SIGKILLed (they watch their parent); if either
 * child dies, the other is stopped and start exits non-zero so a supervisor can restart the whole unit.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { migrateDatabase } from '../db/migrate.ts';
import { env } from '../server/env.ts';

const root = join(import.meta.dir, '..');

async function buildWebIfMissing(): Promise<void> {
  if (existsSync(join(root, 'web/build/server/index.js'))) return;
  // Several instances may start together: the first one builds, the others wait for its lock to go.
  const lock = join(root, 'web/.build-lock');
  try {
    mkdirSync(lock);
  } catch {
    while (existsSync(lock)) await Bun.sleep(500);
    return;
  }
  try {
    console.log('lyceum: no web build found, building it (bun run build)');
    const build = Bun.spawn(['bun', 'run', 'build'], { cwd: root, stdout: 'inherit', stderr: 'inherit' });
    if ((await build.exited) !== 0) throw new Error('web build failed');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

await migrateDatabase(env.databaseUrl);
await buildWebIfMissing();

const childEnv = { ...process.env, LYCEUM_SUPERVISED: '1' };
const children = [
  Bun.spawn(['bun', 'server/main.ts'], { cwd: root, env: childEnv, stdout: 'inherit', stderr: 'inherit' }),
  Bun.spawn(['bun', 'jobs/worker.ts'], { cwd: root, env: childEnv, stdout: 'inherit', stderr: 'inherit' }),
];

let stopping = false;
// `bun run start` runs this file as a child of the `bun run` process, and a SIGKILL of that parent is not
// forwarded: watch it, and stop everything when it is gone.
if (process.env.npm_lifecycle_event === 'start') {
  const parent = process.ppid;
  setInterval(() => {
    try {
      process.kill(parent, 0);
      if (process.ppid === parent) return;
    } catch {}
    stopAll('SIGTERM');
  }, 500).unref();
}

function stopAll(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
}
process.on('SIGTERM', () => stopAll('SIGTERM'));
process.on('SIGINT', () => stopAll('SIGTERM'));

const first = await Promise.race(children.map((child) => child.exited));
if (!stopping) console.error(`lyceum: a child process exited (${first}); stopping the others`);
stopAll('SIGTERM');
await Promise.all(children.map((child) => child.exited));
process.exit(stopping && first === 0 ? 0 : first || 1);
