// REST contract of chat: who may open a conversation, listing, history paging, sending, idempotency, limits.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from '../../../db/client.ts';
import { testServer } from '../../support/app.ts';
import { api, chatUser, type ChatUser } from '../../support/chat.ts';

let base: string;
beforeAll(async () => {
  base = (await testServer()).url;
});

function expectErrorBody(reply: { status: number; body: any }, status: number, code: string) {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
  expect(typeof reply.body.error.message).toBe('string');
}

describe('opening a direct conversation', () => {
  test('a student opens one with an approved tutor once; opening it again returns it', async () => {
    const student = await chatUser('student');
    const tutor = await chatUser('tutor', { approved: true, name: 'Tina' });
    const first = await api(base, student, 'POST', '/conversations', { participantId: tutor.id });
    expect(first.status).toBe(201);
    expect(first.body.kind).toBe('direct');
    expect(first.body.participants.map((p: any) => p.id).sort()).toEqual([student.id, tutor.id].sort());
    expect(first.body.participants.find((p: any) => p.id === tutor.id)).toEqual({ id: tutor.id, name: 'Tina', role: 'tutor' });
    const again = await api(base, student, 'POST', '/conversations', { participantId: tutor.id });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    // The tutor opening the same pair gets the same conversation too.
    const fromTutor = await api(base, tutor, 'POST', '/conversations', { participantId: student.id });
    expect(fromTutor.status).toBe(200);
    expect(fromTutor.body.id).toBe(first.body.id);
  });

  test('concurrent opens of one pair create exactly one conversation', async () => {
    const student = await chatUser('student');
    const tutor = await chatUser('tutor', { approved: true });
    const replies = await Promise.all(Array.from({ length: 10 }, () => api(base, student, 'POST', '/conversations', { participantId: tutor.id })));
    const ids = new Set(replies.map((reply) => reply.body.id));
    expect(ids.size).toBe(1);
    expect(replies.filter((reply) => reply.status === 201).length).toBe(1);
    const [row] = await sql`select count(*)::int as n from conversation_members where conversation_id = ${[...ids][0]!}`;
    expect(row!.n).toBe(2);
  });

  test('403 without a relationship: unapproved tutor, student to student, tutor first', async () => {
    const student = await chatUser('student');
    const other = await chatUser('student');
    const draftTutor = await chatUser('tutor');
    const approved = await chatUser('tutor', { approved: true });
    expectErrorBody(await api(base, student, 'POST', '/conversations', { participantId: draftTutor.id }), 403, 'forbidden');
    expectErrorBody(await api(base, student, 'POST', '/conversations', { participantId: other.id }), 403, 'forbidden');
    expectErrorBody(await api(base, approved, 'POST', '/conversations', { participantId: student.id }), 403, 'forbidden');
  });

  test('an admin may open one with anyone; unknown users are 404; unauthenticated 401; unverified 403', async () => {
    const admin = await chatUser('admin');
    const student = await chatUser('student');
    expect((await api(base, admin, 'POST', '/conversations', { participantId: student.id })).status).toBe(201);
    expectErrorBody(await api(base, admin, 'POST', '/conversations', { participantId: crypto.randomUUID() }), 404, 'not_found');
    expectErrorBody(await api(base, null, 'POST', '/conversations', { participantId: student.id }), 401, 'unauthorized');
    const unverified = await chatUser('student', { verified: false });
    const tutor = await chatUser('tutor', { approved: true });
    expectErrorBody(await api(base, unverified, 'POST', '/conversations', { participantId: tutor.id }), 403, 'email_unverified');
    expectErrorBody(await api(base, admin, 'POST', '/conversations', { participantId: 'nope' }), 422, 'validation_failed');
  });
});

describe('messages over REST', () => {
  let student: ChatUser;
  let tutor: ChatUser;
  let outsider: ChatUser;
  let conversationId: string;

  beforeAll(async () => {
    student = await chatUser('student');
    tutor = await chatUser('tutor', { approved: true });
    outsider = await chatUser('student');
    conversationId = (await api(base, student, 'POST', '/conversations', { participantId: tutor.id })).body.id;
  });

  test('send: 201 then 200 with the same stored message for the same clientId', async () => {
    const first = await api(base, student, 'POST', `/conversations/${conversationId}/messages`, { clientId: 'c-1', body: 'Hello <b>tutor</b>' });
    expect(first.status).toBe(201);
    expect(Object.keys(first.body).sort()).toEqual(['body', 'clientId', 'conversationId', 'id', 'kind', 'senderId', 'sentAt', 'seq']);
    expect(first.body).toMatchObject({ conversationId, seq: 1, senderId: student.id, clientId: 'c-1', kind: 'text', body: 'Hello <b>tutor</b>' });
    expect(first.body.sentAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const again = await api(base, student, 'POST', `/conversations/${conversationId}/messages`, { clientId: 'c-1', body: 'different text' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const [row] = await sql`select count(*)::int as n from messages where conversation_id = ${conversationId}`;
    expect(row!.n).toBe(1);
  });

  test('body limit: 4000 characters pass, 4001 is 413; empty is 422', async () => {
    const ok = await api(base, tutor, 'POST', `/conversations/${conversationId}/messages`, { clientId: 'long-ok', body: 'é'.repeat(4000) });
    expect(ok.status).toBe(201);
    const emoji = await api(base, tutor, 'POST', `/conversations/${conversationId}/messages`, { clientId: 'long-emoji', body: '😀'.repeat(4000) });
    expect(emoji.status).toBe(201);
    expectErrorBody(await api(base, tutor, 'POST', `/conversations/${conversationId}/messages`, { clientId: 'too-long', body: 'x'.repeat(4001) }), 413, 'payload_too_large');
    expectErrorBody(await api(base, tutor, 'POST', `/conversations/${conversationId}/messages`, { clientId: 'empty', body: '' }), 422, 'validation_failed');
  });

  test('non-members get 404 on every route', async () => {
    expectErrorBody(await api(base, outsider, 'GET', `/conversations/${conversationId}/messages`), 404, 'not_found');
    expectErrorBody(await api(base, outsider, 'POST', `/conversations/${conversationId}/messages`, { clientId: 'x', body: 'hi' }), 404, 'not_found');
    expectErrorBody(await api(base, outsider, 'POST', `/conversations/${conversationId}/read`, { seq: 1 }), 404, 'not_found');
    expectErrorBody(await api(base, outsider, 'GET', `/conversations/${crypto.randomUUID()}/messages`), 404, 'not_found');
    const list = await api(base, outsider, 'GET', '/conversations');
    expect(list.body.items.map((item: any) => item.id)).not.toContain(conversationId);
  });

  test('history pages backward and forward with nextCursor; both cursors is 400', async () => {
    const start = (await api(base, student, 'GET', `/conversations/${conversationId}/messages?limit=100`)).body.items.length;
    for (let i = 0; i < 25; i += 1) {
      expect((await api(base, student, 'POST', `/conversations/${conversationId}/messages`, { clientId: `page-${i}`, body: `message ${i}` })).status).toBe(201);
    }
    const total = start + 25;
    const newest = await api(base, student, 'GET', `/conversations/${conversationId}/messages?limit=10`);
    expect(newest.status).toBe(200);
    expect(newest.body.items.map((m: any) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => total - 9 + i));
    expect(newest.body.nextCursor).toBe(String(total - 9));
    const older = await api(base, student, 'GET', `/conversations/${conversationId}/messages?limit=10&beforeSeq=${newest.body.nextCursor}`);
    expect(older.body.items.map((m: any) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => total - 19 + i));
    const oldest = await api(base, student, 'GET', `/conversations/${conversationId}/messages?limit=100&beforeSeq=5`);
    expect(oldest.body.items.map((m: any) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(oldest.body.nextCursor).toBeNull();
    const forward = await api(base, student, 'GET', `/conversations/${conversationId}/messages?limit=10&afterSeq=0`);
    expect(forward.body.items.map((m: any) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(forward.body.nextCursor).toBe('10');
    const end = await api(base, student, 'GET', `/conversations/${conversationId}/messages?limit=10&afterSeq=${total - 3}`);
    expect(end.body.items.map((m: any) => m.seq)).toEqual([total - 2, total - 1, total]);
    expect(end.body.nextCursor).toBeNull();
    expectErrorBody(await api(base, student, 'GET', `/conversations/${conversationId}/messages?beforeSeq=5&afterSeq=1`), 400, 'invalid_parameters');
    expectErrorBody(await api(base, student, 'GET', `/conversations/${conversationId}/messages?limit=101`), 400, 'invalid_parameters');
  });

  test('the inbox lists by latest activity with last message and unread count; read moves the cursor', async () => {
    const tutor2 = await chatUser('tutor', { approved: true });
    const second = (await api(base, student, 'POST', '/conversations', { participantId: tutor2.id })).body.id;
    await api(base, tutor2, 'POST', `/conversations/${second}/messages`, { clientId: 'a', body: 'first' });
    await api(base, tutor2, 'POST', `/conversations/${second}/messages`, { clientId: 'b', body: 'second' });
    let inbox = await api(base, student, 'GET', '/conversations');
    expect(inbox.status).toBe(200);
    expect(inbox.body.items[0].id).toBe(second);
    expect(inbox.body.items[0]).toMatchObject({ kind: 'direct', title: null, unreadCount: 2 });
    expect(inbox.body.items[0].lastMessage).toMatchObject({ seq: 2, body: 'second', senderId: tutor2.id });
    expect(inbox.body.items[1].id).toBe(conversationId);
    // The student's own messages are not unread for them.
    const tutorInbox = await api(base, tutor2, 'GET', '/conversations');
    expect(tutorInbox.body.items[0].unreadCount).toBe(0);
    expect((await api(base, student, 'POST', `/conversations/${second}/read`, { seq: 1 })).status).toBe(204);
    inbox = await api(base, student, 'GET', '/conversations');
    expect(inbox.body.items[0].unreadCount).toBe(1);
    // Never backward, never past the end.
    await api(base, student, 'POST', `/conversations/${second}/read`, { seq: 0 });
    await api(base, student, 'POST', `/conversations/${second}/read`, { seq: 99 });
    const [member] = await sql`select last_read_seq from conversation_members where conversation_id = ${second} and user_id = ${student.id}`;
    expect(Number(member!.last_read_seq)).toBe(2);
    const paged = await api(base, student, 'GET', '/conversations?limit=1');
    expect(paged.body.items.length).toBe(1);
    expect(typeof paged.body.nextCursor).toBe('string');
    const next = await api(base, student, 'GET', `/conversations?limit=1&cursor=${paged.body.nextCursor}`);
    expect(next.body.items[0].id).toBe(conversationId);
    expectErrorBody(await api(base, student, 'GET', '/conversations?cursor=garbage'), 400, 'invalid_cursor');
  });
});
