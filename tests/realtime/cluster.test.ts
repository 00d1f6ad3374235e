// Two real server processes sharing Postgres and Redis: cross-instance delivery, idempotency under concurrent
// resends from two connections on two instances, gap-free seqs under 10 concurrent senders, and resume.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from '../../db/client.ts';
import { createGroupConversation } from '../../server/modules/chat/service.ts';
import { startServerProcess, type ServerProcess } from '../support/processes.ts';
import { api, ChatSocket, chatUser, directConversation, fullHistory } from '../support/chat.ts';
import { checkConversation } from '../support/chatChecker.ts';

let one: ServerProcess;
let two: ServerProcess;
const sockets: ChatSocket[] = [];

async function connect(server: ServerProcess, user: Awaited<ReturnType<typeof chatUser>>): Promise<ChatSocket> {
  const socket = await ChatSocket.connect(server.baseUrl, user);
  sockets.push(socket);
  return socket;
}

beforeAll(async () => {
  [one, two] = await Promise.all([startServerProcess(), startServerProcess()]);
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all([one?.kill(), two?.kill()]);
});

describe('two server processes', () => {
  test('a message sent on one instance reaches members on the other, and history matches', async () => {
    const student = await chatUser('student');
    const tutor = await chatUser('tutor', { approved: true });
    const conversationId = await directConversation(one.baseUrl, student, tutor);
    const a = await connect(one, student);
    const b = await connect(two, tutor);
    await a.join(conversationId, 0);
    await b.join(conversationId, 0);
    const acked: any[] = [];
    for (let i = 0; i < 20; i += 1) acked.push((await (i % 2 ? b : a).sendMessage(conversationId, `cross ${i}`)).message);
    await a.waitUntil(() => a.messagesOf(conversationId).length === 20, 10_000, 'a has all');
    await b.waitUntil(() => b.messagesOf(conversationId).length === 20, 10_000, 'b has all');
    const history = await fullHistory(two.baseUrl, tutor, conversationId);
    expect(checkConversation({ history, acked, views: [{ name: 'a@one', messages: a.messagesOf(conversationId) }, { name: 'b@two', messages: b.messagesOf(conversationId) }] })).toEqual([]);
  }, 30_000);

  test('the same clientId sent 20 times at once on two connections and two instances: one row, one seq, seen once', async () => {
    const student = await chatUser('student');
    const tutor = await chatUser('tutor', { approved: true });
    const conversationId = await directConversation(one.baseUrl, student, tutor);
    const senderOnOne = await connect(one, student);
    const senderOnTwo = await connect(two, student);
    const receiverOne = await connect(one, tutor);
    const receiverTwo = await connect(two, tutor);
    for (const socket of [senderOnOne, senderOnTwo, receiverOne, receiverTwo]) await socket.join(conversationId, 0);
    const clientId = crypto.randomUUID();
    const frame = { type: 'send', conversationId, clientId, body: 'only once' };
    // 20 sends in one burst: 8 frames on each socket, plus 4 over REST (2 per instance).
    const rest: Array<Promise<{ status: number; body: any }>> = [];
    for (let i = 0; i < 8; i += 1) {
      senderOnOne.send(frame);
      senderOnTwo.send(frame);
    }
    for (let i = 0; i < 2; i += 1) {
      rest.push(api(one.baseUrl, student, 'POST', `/conversations/${conversationId}/messages`, { clientId, body: 'only once' }));
      rest.push(api(two.baseUrl, student, 'POST', `/conversations/${conversationId}/messages`, { clientId, body: 'only once' }));
    }
    const restReplies = await Promise.all(rest);
    const acksOf = (socket: ChatSocket) => socket.frames.filter((f) => f.type === 'ack' && f.clientId === clientId);
    await senderOnOne.waitUntil(() => acksOf(senderOnOne).length === 8, 10_000, '8 acks on one');
    await senderOnTwo.waitUntil(() => acksOf(senderOnTwo).length === 8, 10_000, '8 acks on two');
    const messages = [...acksOf(senderOnOne), ...acksOf(senderOnTwo)].map((f) => f.message).concat(restReplies.map((r) => r.body));
    expect(messages.length).toBe(20);
    expect(new Set(messages.map((m) => JSON.stringify(m))).size).toBe(1);
    expect(messages[0]).toMatchObject({ seq: 1, clientId, body: 'only once', senderId: student.id });
    expect(restReplies.filter((r) => r.status === 201).length + restReplies.filter((r) => r.status === 200).length).toBe(4);
    const [row] = await sql`select count(*)::int as n from messages where conversation_id = ${conversationId}`;
    expect(row!.n).toBe(1);
    await Bun.sleep(500);
    for (const receiver of [receiverOne, receiverTwo]) {
      expect(receiver.frames.filter((f) => f.type === 'message').map((f) => f.message.seq)).toEqual([1]);
    }
    // The sender's sockets: at most one message frame of it between them (each socket saw it once: ack or message).
    for (const sender of [senderOnOne, senderOnTwo]) expect(sender.frames.filter((f) => f.type === 'message').length).toBeLessThanOrEqual(1);
  }, 30_000);

  test('10 concurrent senders x 100 messages on two instances: seqs are exactly 1..1000 and everyone got all, in order', async () => {
    const senders = await Promise.all(Array.from({ length: 10 }, (_, i) => chatUser('student', { name: `Sender ${i}` })));
    const readers = await Promise.all([chatUser('tutor'), chatUser('tutor')]);
    const { id: conversationId } = await createGroupConversation({ kind: 'course', title: 'Race', memberIds: [...senders, ...readers].map((u) => u.id) });
    const senderSockets = await Promise.all(senders.map((user, i) => connect(i % 2 ? two : one, user)));
    const readerSockets = [await connect(one, readers[0]!), await connect(two, readers[1]!)];
    for (const socket of [...senderSockets, ...readerSockets]) await socket.join(conversationId, 0);
    const started = performance.now();
    await Promise.all(
      senderSockets.map(async (socket, s) => {
        // Up to 20 in flight per sender: real concurrency on both instances.
        for (let batch = 0; batch < 5; batch += 1) {
          await Promise.all(Array.from({ length: 20 }, (_, i) => socket.sendMessage(conversationId, `s${s} m${batch * 20 + i}`)));
        }
      }),
    );
    const elapsed = performance.now() - started;
    const all = [...senderSockets, ...readerSockets];
    await Promise.all(all.map((socket) => socket.waitUntil(() => socket.messagesOf(conversationId).length === 1000, 20_000, `${socket.user.name} has 1000`).catch(() => {})));
    for (const socket of all) {
      const seqs = new Set(socket.messagesOf(conversationId).map((m) => m.seq));
      const missing = Array.from({ length: 1000 }, (_, i) => i + 1).filter((seq) => !seqs.has(seq));
      if (missing.length) console.log(socket.user.name, 'closed', socket.closed, 'missing', missing.length, missing.slice(0, 20), 'errors', socket.errors.slice(0, 3));
    }
    const [stored] = await sql`select count(*)::int as n, min(seq)::int as lo, max(seq)::int as hi from messages where conversation_id = ${conversationId}`;
    expect(stored).toEqual({ n: 1000, lo: 1, hi: 1000 });
    const acked = senderSockets.flatMap((socket) => [...socket.acks.values()].map((f) => f.message));
    expect(acked.length).toBe(1000);
    const history = await fullHistory(one.baseUrl, readers[0]!, conversationId);
    const problems = checkConversation({
      history,
      acked,
      views: all.map((socket) => ({ name: socket.user.name, messages: socket.messagesOf(conversationId) })),
    });
    expect(problems).toEqual([]);
    // Receivers (not just the checker's view, which merges acks) got message frames strictly in seq order.
    for (const socket of readerSockets) {
      const seqs = socket.frames.filter((f) => f.type === 'message').map((f) => f.message.seq);
      expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    }
    console.log(`10 x 100 concurrent sends on two instances: ${Math.round(elapsed)} ms`);
  }, 60_000);

  test('a client that rejoins with its last seq on the other instance receives exactly what it missed, in order', async () => {
    const student = await chatUser('student');
    const tutor = await chatUser('tutor', { approved: true });
    const conversationId = await directConversation(one.baseUrl, student, tutor);
    const sender = await connect(one, tutor);
    const reader = await connect(one, student);
    await reader.join(conversationId, 0);
    for (let i = 0; i < 5; i += 1) await sender.sendMessage(conversationId, `before ${i}`);
    await reader.waitUntil(() => reader.messagesOf(conversationId).length === 5, 5000, 'first five');
    const lastSeen = reader.lastSeq(conversationId);
    reader.close();
    for (let i = 0; i < 30; i += 1) await sender.sendMessage(conversationId, `missed ${i}`);
    const back = await connect(two, student);
    await back.join(conversationId, lastSeen);
    for (let i = 0; i < 5; i += 1) await sender.sendMessage(conversationId, `after ${i}`);
    await back.waitUntil(() => back.messagesOf(conversationId).length === 35, 10_000, 'missed + live');
    await Bun.sleep(300);
    expect(back.messagesOf(conversationId).map((m) => m.seq)).toEqual(Array.from({ length: 35 }, (_, i) => i + 6));
  }, 30_000);
});
