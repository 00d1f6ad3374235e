/**
 * The HTTP server process: API, WebSocket and web pages on one port. Starts nothing else.
 * On SIGTERM/SIGINT it stops accepting, lets in-flight requests finish, then closes its connections.
 */
import { closeDb } from '../db/client.ts';
import { closeQueues } from '../jobs/queues.ts';
import { buildApp } from './app.ts';
import { env } from './env.ts';
import { logger } from './logger.ts';
import { ensureAdmin } from './modules/accounts/service.ts';
import { closeRedis, connectRedis } from './redis.ts';
import { exitWithParent } from './lib/process.ts';

await connectRedis();
await ensureAdmin();

const app = buildApp().listen({ port: env.port, hostname: '0.0.0.0', maxRequestBodySize: Math.max(100 * 1024 * 1024, env.maxBodyBytes * 2) });
logger.info({ port: app.server?.port, url: env.appUrl }, 'lyceum server listening');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: draining requests');
  await app.server?.stop(false);
  await Promise.allSettled([closeQueues(), closeRedis(), closeDb()]);
  logger.info('server stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
exitWithParent(env.supervised, () => void shutdown('parent-exit'));
