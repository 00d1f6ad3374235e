/**
 * `bun run dev`: API server and workers in watch mode, and the web app's vite dev server (which proxies /api
 * and /swagger to the API). Open the web app at http://localhost:5173.
 */
import { join } from 'node:path';
import { migrateDatabase } from '../db/migrate.ts';
import { env } from '../server/env.ts';

const root = join(import.meta.dir, '..');
await migrateDatabase(env.databaseUrl);

const childEnv = { ...process.env, LYCEUM_SUPERVISED: '1', API_PORT: String(env.port), APP_URL: process.env.APP_URL ?? 'http://localhost:5173' };
const children = [
  Bun.spawn(['bun', '--watch', 'server/main.ts'], { cwd: root, env: childEnv, stdout: 'inherit', stderr: 'inherit' }),
  Bun.spawn(['bun', '--watch', 'jobs/worker.ts'], { cwd: root, env: childEnv, stdout: 'inherit', stderr: 'inherit' }),
  Bun.spawn(['bun', '--bun', 'vite', 'dev', '--port', '5173'], { cwd: join(root, 'web'), env: childEnv, stdout: 'inherit', stderr: 'inherit' }),
];
const stop = () => children.forEach((child) => child.exitCode === null && child.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
await Promise.race(children.map((child) => child.exited));
stop();
