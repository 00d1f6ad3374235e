/**
 * DESIGN.md rule 6: an email owed in Postgres is delivered even if it never reached BullMQ (a crash between
 * commit and enqueue) or BullMQ lost it (a Redis flush), and never twice.
 */
import { expect, test } from 'bun:test';
import { db, sql } from '../../db/client.ts';
import { handleEmail } from '../../jobs/email.ts';
import { getQueue } from '../../jobs/queues.ts';
import { owe, relay, sweep } from '../../server/modules/outbox/service.ts';
import { mailbox, uniqueEmail, useWorkers } from '../support/app.ts';

async function owePasswordChangedEmail(to: string): Promise<string> {
  const [id] = await db.transaction((tx) => owe(tx, [{ queue: 'email', name: 'password_changed', payload: { template: 'password_changed', to, name: 'Outbox Test' } }]));
  return id!;
}

const doneAt = async (id: string) => (await sql`select done_at from outbox where id = ${id}`)[0]?.done_at ?? null;

test('an owed email that never reached BullMQ (crash after commit) is delivered by the sweep', async () => {
  await useWorkers();
  const to = uniqueEmail('crash');
  const id = await owePasswordChangedEmail(to); // committed, never relayed
  expect(await (await getQueue('email')).getJob(id)).toBeUndefined();
  expect(await sweep()).toBeGreaterThanOrEqual(1);
  const mail = await mailbox.waitFor((m) => m.to.includes(to));
  expect(mail.subject).toContain('password was changed');
  for (let i = 0; i < 50 && !(await doneAt(id)); i++) await Bun.sleep(50);
  expect(await doneAt(id)).not.toBeNull();
});

test('an owed email whose job was lost from Redis is re-enqueued, and a done one is never sent again', async () => {
  await useWorkers();
  const to = uniqueEmail('flush');
  const id = await owePasswordChangedEmail(to);
  await relay([id]);
  await mailbox.waitFor((m) => m.to.includes(to));
  for (let i = 0; i < 50 && !(await doneAt(id)); i++) await Bun.sleep(50);

  // Simulate a Redis flush of this job, then sweep and run the handler again by hand: nothing more is sent.
  const queue = await getQueue('email');
  await (await queue.getJob(id))?.remove();
  await sweep();
  expect(await handleEmail({ outboxId: id, payload: { template: 'password_changed', to, name: 'Outbox Test' } })).toBe('skipped');
  await Bun.sleep(500);
  expect(mailbox.to(to).length).toBe(1);
});

test('relaying the same owed row twice enqueues one job (the row id is the job id)', async () => {
  const to = uniqueEmail('twice');
  const id = await owePasswordChangedEmail(to);
  await Promise.all([relay([id]), relay([id]), sweep()]);
  await useWorkers();
  await mailbox.waitFor((m) => m.to.includes(to));
  await Bun.sleep(500);
  expect(mailbox.to(to).length).toBe(1);
});
