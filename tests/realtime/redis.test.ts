// Redis is a cache and a bus, never the record: FLUSHDB in the middle of a conversation, then the Redis process
// killed and restarted, with two server processes on a redis-server of this test's own. No acked message is lost,
// history stays complete, and live delivery across instances resumes by itself.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createGroupConversation } from '../../server/modules/chat/service.ts';
import { freePort, startServerProcess, type ServerProcess } from '../support/processes.ts';
import { ChatSocket, chatUser, directConversation, fullHistory, OwnRedis, type ChatUser } from '../support/chat.ts';
import { checkConversation } from '../support/chatChecker.ts';

const redis = new OwnRedis(freePort());
let one: ServerProcess;
let two: ServerProcess;
let a: ChatSocket;
let b: ChatSocket;
let student: ChatUser;
let tutor: ChatUser;
let conversationId: string;

beforeAll(async () => {
  await redis.start();
  [one, two] = await Promise.all([startServerProcess({ env: { REDIS_URL: redis.url } }), startServerProcess({ env: { REDIS_URL: redis.url } })]);
  student = await chatUser('student');
  tutor = await chatUser('tutor', { approved: true });
  conversationId = await directConversation(one.baseUrl, student, tutor);
  a = await ChatSocket.connect(one.baseUrl, student);
  b = await ChatSocket.connect(two.baseUrl, tutor);
  await a.join(conversationId, 0);
  await b.join(conversationId, 0);
}, 60_000);

afterAll(async () => {
  a?.close();
  b?.close();
  await Promise.all([one?.kill(), two?.kill()]);
  await redis.kill();
});

const acked: any[] = [];

async function chat(count: number, label: string, between?: (i: number) => Promise<void> | void): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    await between?.(i);
    const ack = await (i % 2 ? b : a).sendMessage(conversationId, `${label} ${i}`);
    expect(ack.type).toBe('ack');
    acked.push(ack.message);
  }
}

async function bothHaveEverything(timeoutMs: number): Promise<void> {
  const total = acked.length;
  await a.waitUntil(() => a.messagesOf(conversationId).length === total, timeoutMs, `student has ${total}`);
  await b.waitUntil(() => b.messagesOf(conversationId).length === total, timeoutMs, `tutor has ${total}`);
}

test('FLUSHDB mid-conversation: nothing acked is lost, history is complete, delivery goes on', async () => {
  await chat(20, 'before flush');
  await bothHaveEverything(10_000);
  expect(redis.cli('DBSIZE')).not.toBe('0');
  await chat(30, 'around flush', (i) => {
    if (i === 10) expect(redis.cli('FLUSHDB')).toBe('OK');
  });
  await bothHaveEverything(10_000);
  const history = await fullHistory(two.baseUrl, tutor, conversationId);
  expect(history.length).toBe(50);
  expect(checkConversation({ history, acked, views: [{ name: 'student', messages: a.messagesOf(conversationId) }, { name: 'tutor', messages: b.messagesOf(conversationId) }] })).toEqual([]);
}, 60_000);

test('Redis killed and restarted mid-conversation: acks go on (Postgres), delivery catches up, then resumes live', async () => {
  await redis.kill();
  // Redis is down: sends are still stored and acked; the other instance catches up from Postgres.
  await chat(10, 'redis down');
  await bothHaveEverything(20_000);
  // A client can still connect (session cookie: tickets live in Redis), join, and get the full history from Postgres.
  const late = await ChatSocket.connect(two.baseUrl, tutor, { cookie: true });
  const joined = await late.join(conversationId, 0);
  expect(joined).toMatchObject({ type: 'joined', lastSeq: acked.length });
  await late.waitUntil(() => late.messagesOf(conversationId).length === acked.length, 10_000, 'replay without Redis');
  expect(late.messagesOf(conversationId).map((m) => m.seq)).toEqual(acked.map((m) => m.seq));
  // A conversation no one on that instance had joined yet: its room starts without Redis (no hang on SUBSCRIBE).
  const { id: fresh } = await createGroupConversation({ kind: 'course', title: 'No Redis', memberIds: [student.id, tutor.id] });
  const started = performance.now();
  expect(await late.join(fresh, 0)).toMatchObject({ type: 'joined', conversationId: fresh, lastSeq: 0 });
  expect(performance.now() - started).toBeLessThan(5000);
  late.close();
  await redis.start();
  // Give the servers' clients a moment to reconnect, then check live delivery is back.
  await Bun.sleep(1500);
  const before = acked.length;
  await chat(20, 'after restart');
  await bothHaveEverything(10_000);
  expect(acked.length).toBe(before + 20);
  const history = await fullHistory(one.baseUrl, student, conversationId);
  expect(history.length).toBe(acked.length);
  expect(checkConversation({ history, acked, views: [{ name: 'student', messages: a.messagesOf(conversationId) }, { name: 'tutor', messages: b.messagesOf(conversationId) }] })).toEqual([]);
  // Live again: a message now crosses instances quickly (not through the periodic repair).
  const ping = await a.sendMessage(conversationId, 'live?');
  acked.push(ping.message);
  const sentAt = performance.now();
  await b.waitUntil(() => b.messagesOf(conversationId).some((m) => m.id === ping.message.id), 5000, 'live message');
  expect(performance.now() - sentAt).toBeLessThan(1000);
}, 90_000);
