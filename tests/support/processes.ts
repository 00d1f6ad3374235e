/**
 * Real server and worker processes for tests that need them (browser tests, multi-instance and crash tests).
 * They share the test run's database and Redis database, and send mail to this process's mailbox.
 */
import type { Subprocess } from 'bun';
import { join } from 'node:path';

const root = join(import.meta.dir, '..', '..');

export function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

export type ServerProcess = {
  port: number;
  baseUrl: string;
  process: Subprocess;
  /** Sends a signal and waits for the exit code. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
};

export function processEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    // Real processes (browser tests, multi-instance tests) see every request from 127.0.0.1: production limits.
    RATE_LIMIT_IP_REGISTRATIONS_PER_HOUR: '1000',
    RATE_LIMIT_IP_FAILED_SIGNINS_PER_15_MIN: '300',
    RATE_LIMIT_IP_EMAILS_PER_15_MIN: '300',
    ...extra,
  };
}

async function waitUntilReady(url: string, child: Subprocess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited early with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

export async function startServerProcess(
  options: { port?: number; env?: Record<string, string>; captureOutput?: boolean } = {},
): Promise<ServerProcess> {
  const port = options.port ?? freePort();
  const baseUrl = `http://localhost:${port}`;
  const child = Bun.spawn(['bun', 'server/main.ts'], {
    cwd: root,
    env: processEnv({ PORT: String(port), APP_URL: baseUrl, ...options.env }),
    stdout: options.captureOutput ? 'pipe' : 'inherit',
    stderr: 'inherit',
  });
  await waitUntilReady(`http://127.0.0.1:${port}/health/ready`, child);
  return {
    port,
    baseUrl,
    process: child,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return child.exited;
    },
  };
}

export function startWorkerProcess(env: Record<string, string> = {}): { process: Subprocess; kill(signal?: NodeJS.Signals): Promise<number | null> } {
  const child = Bun.spawn(['bun', 'jobs/worker.ts'], { cwd: root, env: processEnv(env), stdout: 'inherit', stderr: 'inherit' });
  return {
    process: child,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return child.exited;
    },
  };
}
