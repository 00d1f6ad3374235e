/**
 * Runs before any test file (bunfig.toml). Sets the test environment before server modules read it:
 * a test database (created and migrated when `bun test` is run directly rather than through `bun run test`),
 * Redis database 15 with a queue prefix of its own, and an SMTP mailbox inside this process.
 */
import { startMailbox, type Mailbox } from './mailbox.ts';

process.env.NODE_ENV = 'test';
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/lyceum_test';
process.env.REDIS_URL ??= 'redis://127.0.0.1:6379/15';
process.env.SECRET_KEY ??= 'test-secret-key-that-is-long-enough-0123456789';
process.env.TRUSTED_PROXIES ??= '127.0.0.1';
process.env.LOG_LEVEL ??= 'silent';
process.env.APP_URL ??= 'http://localhost:3000';
process.env.UPLOAD_DIR ??= `/tmp/lyceum-test-uploads-${process.pid}`;
// Runs may overlap on one machine (and share Redis db 15): each run gets its own queues, so no other run's
// workers take its jobs. Keys are otherwise unique per test (random ids, emails, client IPs), so nothing is flushed.
// Small per-IP limits so the rate-limit tests stay fast (production defaults are 1000/300/300).
process.env.RATE_LIMIT_IP_REGISTRATIONS_PER_HOUR ??= '20';
process.env.RATE_LIMIT_IP_FAILED_SIGNINS_PER_15_MIN ??= '30';
process.env.RATE_LIMIT_IP_EMAILS_PER_15_MIN ??= '20';
process.env.QUEUE_PREFIX ??= `lyceum-test-${process.pid}`;

const mailbox: Mailbox = await startMailbox();
process.env.SMTP_URL = mailbox.url;
(globalThis as { __mailbox?: Mailbox }).__mailbox = mailbox;

if (process.env.LYCEUM_TEST_DB_READY !== '1') {
  const { migrateDatabase } = await import('../../db/migrate.ts');
  await migrateDatabase(process.env.DATABASE_URL);
}
