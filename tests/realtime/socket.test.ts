// The WebSocket contract on one instance: authentication at the upgrade, two members chatting, non-members,
// malformed frames, limits, typing, read receipts, presence and pushed notifications.
import { beforeAll, describe, expect, test } from 'bun:test';
import { sql } from '../../db/client.ts';
import { notify, push } from '../../server/modules/notifications/service.ts';
import { db } from '../../db/client.ts';
import { testServer } from '../support/app.ts';
import { api, ChatSocket, chatUser, directConversation, fullHistory, wsTicket, type ChatUser } from '../support/chat.ts';
import { checkConversation } from '../support/chatChecker.ts';

let base: string;
let wsBase: string;
beforeAll(async () => {
  base = (await testServer()).url;
  wsBase = base.replace(/^http/, 'ws');
});

/** Sends a raw upgrade request and reads the HTTP status line (fetch cannot do a 101). */
async function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const target = new URL(url);
  const lines = [
    `GET ${target.pathname}${target.search} HTTP/1.1`,
    `Host: ${target.host}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ...Object.entries(headers).map(([key, value]) => `${key}: ${value}`),
    '',
    '',
  ];
  return new Promise<number>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('no answer to the upgrade')), 5000);
    void Bun.connect({
      hostname: target.hostname,
      port: Number(target.port),
      socket: {
        open(socket) {
          socket.write(lines.join('\r\n'));
        },
        data(socket, data) {
          buffer += data.toString();
          const match = /^HTTP\/1\.1 (\d{3})/.exec(buffer);
          if (match) {
            clearTimeout(timer);
            socket.end();
            resolve(Number(match[1]));
          }
        },
        error(_socket, error) {
          reject(error);
        },
      },
    });
  });
}

describe('authentication at the upgrade', () => {
  test('a bad, used or missing ticket is HTTP 401; a fresh one upgrades', async () => {
    const user = await chatUser('student');
    expect(await upgradeStatus(`${wsBase}/api/v1/ws?ticket=nope`)).toBe(401);
    expect(await upgradeStatus(`${wsBase}/api/v1/ws`)).toBe(401);
    const ticket = await wsTicket(base, user);
    expect(await upgradeStatus(`${wsBase}/api/v1/ws?ticket=${ticket}`)).toBe(101);
    expect(await upgradeStatus(`${wsBase}/api/v1/ws?ticket=${ticket}`)).toBe(401);
  });

  test('the session cookie works only with the app origin', async () => {
    const user = await chatUser('student');
    const origin = new URL(process.env.APP_URL!).origin;
    expect(await upgradeStatus(`${wsBase}/api/v1/ws`, { cookie: user.cookie, origin })).toBe(101);
    expect(await upgradeStatus(`${wsBase}/api/v1/ws`, { cookie: user.cookie, origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(`${wsBase}/api/v1/ws`, { cookie: user.cookie })).toBe(403);
    expect(await upgradeStatus(`${wsBase}/api/v1/ws`, { cookie: 'session=forged', origin })).toBe(401);
  });
});

describe('chatting', () => {
  let student: ChatUser;
  let tutor: ChatUser;
  let outsider: ChatUser;
  let conversationId: string;

  beforeAll(async () => {
    student = await chatUser('student');
    tutor = await chatUser('tutor', { approved: true });
    outsider = await chatUser('student');
    conversationId = await directConversation(base, student, tutor);
  });

  test('two clients exchange messages: ack to the sender, message to the other, in seq order', async () => {
    const a = await ChatSocket.connect(base, student);
    const b = await ChatSocket.connect(base, tutor);
    expect(await a.join(conversationId, 0)).toMatchObject({ type: 'joined', conversationId, lastSeq: 0 });
    expect(await b.join(conversationId, 0)).toMatchObject({ type: 'joined', conversationId });
    const acked: any[] = [];
    for (let i = 0; i < 10; i += 1) {
      const from = i % 2 === 0 ? a : b;
      const ack = await from.sendMessage(conversationId, `hello ${i}`);
      expect(ack.type).toBe('ack');
      expect(ack.message.seq).toBe(i + 1);
      acked.push(ack.message);
    }
    await a.waitUntil(() => a.messagesOf(conversationId).length === 10, 5000, 'a has 10');
    await b.waitUntil(() => b.messagesOf(conversationId).length === 10, 5000, 'b has 10');
    // The sending socket gets the ack, not a message frame of its own message.
    expect(a.frames.filter((f) => f.type === 'message' && f.message.senderId === student.id)).toEqual([]);
    const history = await fullHistory(base, student, conversationId);
    expect(
      checkConversation({
        history,
        acked,
        views: [
          { name: 'student', messages: a.messagesOf(conversationId) },
          { name: 'tutor', messages: b.messagesOf(conversationId) },
        ],
      }),
    ).toEqual([]);
    // The sender's other socket receives its messages as message frames.
    const a2 = await ChatSocket.connect(base, student);
    await a2.join(conversationId);
    await a.sendMessage(conversationId, 'to my other tab');
    await a2.waitFrame((f) => f.type === 'message' && f.message.body === 'to my other tab', 5000, 'other tab');
    for (const socket of [a, a2, b]) socket.close();
  });

  test('non-members get forbidden and nothing else', async () => {
    const intruder = await ChatSocket.connect(base, outsider);
    const member = await ChatSocket.connect(base, student);
    await member.join(conversationId);
    const reply = await intruder.join(conversationId, 0);
    expect(reply).toMatchObject({ type: 'error', code: 'forbidden', ref: 'join' });
    const sent = await intruder.sendMessage(conversationId, 'let me in', 'intruder-1');
    expect(sent).toMatchObject({ type: 'error', code: 'forbidden', ref: 'intruder-1' });
    intruder.send({ type: 'typing', conversationId });
    intruder.send({ type: 'read', conversationId, seq: 1 });
    await intruder.waitUntil(() => intruder.errors.length >= 4, 5000, 'four errors');
    expect(intruder.errors.map((e) => e.code)).toEqual(['forbidden', 'forbidden', 'forbidden', 'forbidden']);
    await member.sendMessage(conversationId, 'secret');
    await Bun.sleep(200);
    expect(intruder.frames.filter((f) => f.type !== 'error' && f.type !== 'presence')).toEqual([]);
    expect(intruder.frames.some((f) => JSON.stringify(f).includes('secret'))).toBe(false);
    const [row] = await sql`select count(*)::int as n from messages where client_id = 'intruder-1'`;
    expect(row!.n).toBe(0);
    expect(intruder.closed).toBeNull();
    intruder.close();
    member.close();
  });

  test('malformed, unknown and oversized frames get an error and the socket stays open', async () => {
    const socket = await ChatSocket.connect(base, student);
    socket.ws.send('not json');
    socket.ws.send('[1,2]');
    socket.send({ type: 'dance' });
    socket.send({ type: 'join', conversationId: 'nope' });
    socket.send({ type: 'send', conversationId, clientId: 'big', body: 'x'.repeat(17 * 1024) });
    socket.send({ type: 'send', conversationId, clientId: 'long', body: 'y'.repeat(4001) });
    await socket.waitUntil(() => socket.errors.length >= 6, 5000, 'six errors');
    expect(socket.errors.map((e) => [e.code, e.ref])).toEqual([
      ['bad_request', 'unknown'],
      ['bad_request', 'unknown'],
      ['bad_request', 'dance'],
      ['bad_request', 'join'],
      ['payload_too_large', 'send'],
      ['payload_too_large', 'long'],
    ]);
    socket.send({ type: 'ping' });
    await socket.waitFrame((f) => f.type === 'pong', 5000, 'pong');
    expect(socket.closed).toBeNull();
    socket.close();
  });

  test('30 frames per second pass; a flood gets rate_limited and the socket stays open', async () => {
    const socket = await ChatSocket.connect(base, student);
    for (let second = 0; second < 3; second += 1) {
      for (let i = 0; i < 30; i += 1) socket.send({ type: 'ping' });
      await Bun.sleep(1000);
    }
    await socket.waitUntil(() => socket.frames.filter((f) => f.type === 'pong').length === 90, 5000, '90 pongs');
    expect(socket.errors).toEqual([]);
    for (let i = 0; i < 300; i += 1) socket.send({ type: 'ping' });
    await socket.waitUntil(() => socket.errors.length > 0, 5000, 'rate limited');
    expect(socket.errors[0]).toMatchObject({ type: 'error', code: 'rate_limited', ref: 'ping' });
    await Bun.sleep(1500);
    socket.send({ type: 'ping' });
    const pongs = socket.frames.filter((f) => f.type === 'pong').length;
    await socket.waitUntil(() => socket.frames.filter((f) => f.type === 'pong').length > pongs, 5000, 'pong after the flood');
    expect(socket.closed).toBeNull();
    socket.close();
  });

  test('typing, read receipts and presence reach the other member', async () => {
    const a = await ChatSocket.connect(base, student);
    await a.join(conversationId);
    const b = await ChatSocket.connect(base, tutor);
    await b.join(conversationId);
    await a.waitFrame((f) => f.type === 'presence' && f.userId === tutor.id && f.online === true, 5000, 'tutor online');
    await b.waitFrame((f) => f.type === 'presence' && f.userId === student.id && f.online === true, 5000, 'student online (told at join)');
    b.send({ type: 'typing', conversationId });
    expect(await a.waitFrame((f) => f.type === 'typing', 5000, 'typing')).toEqual({ type: 'typing', conversationId, userId: tutor.id });
    const ack = await b.sendMessage(conversationId, 'read me');
    a.send({ type: 'read', conversationId, seq: ack.message.seq });
    expect(await b.waitFrame((f) => f.type === 'read' && f.userId === student.id, 5000, 'read receipt')).toEqual({
      type: 'read',
      conversationId,
      userId: student.id,
      seq: ack.message.seq,
    });
    const [member] = await sql`select last_read_seq from conversation_members where conversation_id = ${conversationId} and user_id = ${student.id}`;
    expect(Number(member!.last_read_seq)).toBe(ack.message.seq);
    b.close();
    await a.waitFrame((f) => f.type === 'presence' && f.userId === tutor.id && f.online === false, 5000, 'tutor offline');
    a.close();
  });

  test('notifications are pushed over the socket', async () => {
    const socket = await ChatSocket.connect(base, tutor);
    const ids = await db.transaction((tx) => notify(tx, [{ userId: tutor.id, category: 'booking', title: 'Pushed', body: 'over the socket' }]));
    await push(ids);
    const frame = await socket.waitFrame((f) => f.type === 'notification', 5000, 'notification');
    expect(frame.notification).toMatchObject({ id: ids[0], category: 'booking', title: 'Pushed' });
    socket.close();
  });

  test('a rejoin with the last seen seq replays exactly the missed messages, in order', async () => {
    const a = await ChatSocket.connect(base, student);
    const first = await a.join(conversationId, 0);
    await a.waitUntil(() => a.lastSeq(conversationId) === first.lastSeq, 5000, 'initial replay');
    const last = a.lastSeq(conversationId);
    a.close();
    const sender = await ChatSocket.connect(base, tutor);
    const missed: any[] = [];
    for (let i = 0; i < 15; i += 1) missed.push((await sender.sendMessage(conversationId, `while away ${i}`)).message);
    const back = await ChatSocket.connect(base, student);
    const joined = await back.join(conversationId, last);
    expect(joined.lastSeq).toBe(missed[missed.length - 1].seq);
    await back.waitUntil(() => back.messagesOf(conversationId).length >= 15, 5000, 'replay');
    await Bun.sleep(100);
    expect(back.messagesOf(conversationId).map((m) => m.seq)).toEqual(missed.map((m) => m.seq));
    // The joined frame comes before the replay.
    const joinedAt = back.frames.findIndex((f) => f.type === 'joined');
    const firstMessage = back.frames.findIndex((f) => f.type === 'message');
    expect(joinedAt).toBeLessThan(firstMessage);
    sender.close();
    back.close();
  });
});
