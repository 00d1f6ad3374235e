// Offline members: an in-app notification (category "message") at once, and an email digest at most once per
// conversation per CHAT_DIGEST_MINUTES, never one email per message. Online members get neither.
import { beforeAll, expect, test } from 'bun:test';
import { sql } from '../../../db/client.ts';
import { notifyOfflineMember } from '../../../server/modules/chat/notify.ts';
import { mailbox, testServer, useWorkers } from '../../support/app.ts';
import { api, ChatSocket, chatUser, directConversation } from '../../support/chat.ts';

let base: string;
beforeAll(async () => {
  base = (await testServer()).url;
  await useWorkers();
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await Bun.sleep(100);
    value = await read();
  }
  return value;
}

const emailOf = async (userId: string) => (await sql<{ email: string }[]>`select email from users where id = ${userId}`)[0]!.email;

test('an offline member gets an in-app notification per burst and one digest email, not one per message', async () => {
  const student = await chatUser('student', { name: 'Sam Sender' });
  const tutor = await chatUser('tutor', { approved: true, name: 'Olivia Offline' });
  const conversationId = await directConversation(base, student, tutor);
  const tutorEmail = await emailOf(tutor.id);

  expect((await api(base, student, 'POST', `/conversations/${conversationId}/messages`, { clientId: 'n1', body: 'Are you free on Monday?' })).status).toBe(201);
  const first = await until(
    () => sql`select category, title, body, data from notifications where user_id = ${tutor.id}`,
    (rows) => rows.length >= 1,
  );
  expect(first[0]).toMatchObject({ category: 'message', title: 'New message from Sam Sender', body: 'Are you free on Monday?' });
  expect((first[0]!.data as any).conversationId).toBe(conversationId);
  const mail = await mailbox.waitFor((m) => m.to.includes(tutorEmail));
  expect(mail.subject).toContain('Sam Sender');
  expect(mail.text).toContain('Are you free on Monday?');
  expect(mail.text).toContain(`/messages/${conversationId}`);

  // More messages within the digest window: notified in-app, but no second email.
  for (let i = 0; i < 5; i += 1) {
    expect((await api(base, student, 'POST', `/conversations/${conversationId}/messages`, { clientId: `n-more-${i}`, body: `More ${i}` })).status).toBe(201);
  }
  await until(
    () => sql`select notified_seq from conversation_members where conversation_id = ${conversationId} and user_id = ${tutor.id}`,
    (rows) => Number(rows[0]!.notified_seq) === 6,
  );
  await Bun.sleep(1500);
  expect(mailbox.to(tutorEmail).length).toBe(1);
  const [member] = await sql`select notified_seq, last_emailed_at from conversation_members where conversation_id = ${conversationId} and user_id = ${tutor.id}`;
  expect(Number(member!.notified_seq)).toBe(6);
  expect(member!.last_emailed_at).not.toBeNull();

  // Running the job again (a retry, a duplicate) changes nothing.
  expect(await notifyOfflineMember({ conversationId, userId: tutor.id })).toBe('nothing_unread');
  const [count] = await sql`select count(*)::int as n from notifications where user_id = ${tutor.id}`;
  expect(count!.n).toBeGreaterThanOrEqual(1);
  expect(count!.n).toBeLessThanOrEqual(6);
  // The sender, who wrote everything, is not notified about their own messages.
  const [own] = await sql`select count(*)::int as n from notifications where user_id = ${student.id}`;
  expect(own!.n).toBe(0);
}, 30_000);

test('a member with an open socket is not notified; reading stops notifications', async () => {
  const student = await chatUser('student');
  const tutor = await chatUser('tutor', { approved: true });
  const conversationId = await directConversation(base, student, tutor);
  const socket = await ChatSocket.connect(base, tutor);
  await socket.join(conversationId);
  await Bun.sleep(200);
  await api(base, student, 'POST', `/conversations/${conversationId}/messages`, { clientId: 'online-1', body: 'You are online' });
  await socket.waitFrame((f) => f.type === 'message', 5000, 'live message');
  await Bun.sleep(1500);
  const [count] = await sql`select count(*)::int as n from notifications where user_id = ${tutor.id}`;
  expect(count!.n).toBe(0);
  socket.close();
  // Read before the job runs: nothing is owed.
  await Bun.sleep(300);
  await api(base, student, 'POST', `/conversations/${conversationId}/messages`, { clientId: 'online-2', body: 'second' });
  await api(base, tutor, 'POST', `/conversations/${conversationId}/read`, { seq: 2 });
  expect(await notifyOfflineMember({ conversationId, userId: tutor.id })).toBe('nothing_unread');
}, 30_000);
