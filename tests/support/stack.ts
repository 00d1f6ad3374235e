/**
 * The whole product for browser tests: a server process (API + WebSocket + built web pages) on a free port at
 * http://localhost:PORT (Chromium treats localhost as a secure context, so Secure cookies work), and a worker
 * process that delivers mail to this test process's SMTP mailbox.
 */
import type { Mailbox } from './mailbox.ts';
import { startServerProcess, startWorkerProcess } from './processes.ts';

export type Stack = { baseUrl: string; mailbox: Mailbox; stop(): Promise<void> };

export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const mailbox = (globalThis as { __mailbox?: Mailbox }).__mailbox!;
  const server = await startServerProcess({ env });
  const worker = startWorkerProcess({ APP_URL: server.baseUrl, ...env });
  return {
    baseUrl: server.baseUrl,
    mailbox,
    async stop() {
      await Promise.all([server.kill(), worker.kill()]);
    },
  };
}
