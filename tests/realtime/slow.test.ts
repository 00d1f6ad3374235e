// A reader that stops reading (TCP window full) while others keep chatting: the server closes it once its send
// buffer passes the backpressure limit, its memory stays bounded, and the other members get everything.
import { afterAll, expect, test } from 'bun:test';
import { connect, type Socket } from 'node:net';
import { createGroupConversation } from '../../server/modules/chat/service.ts';
import { startServerProcess, type ServerProcess } from '../support/processes.ts';
import { API, ChatSocket, chatUser, fullHistory, rssOf, wsTicket, type ChatUser } from '../support/chat.ts';
import { checkConversation } from '../support/chatChecker.ts';

let server: ServerProcess | null = null;
const sockets: ChatSocket[] = [];
const raws: Socket[] = [];

afterAll(async () => {
  for (const socket of sockets) socket.close();
  for (const raw of raws) raw.destroy();
  await server?.kill();
});

/** A masked client text frame (RFC 6455). */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255]);
  const masked = Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]!));
  return Buffer.concat([header, mask, masked]);
}

/** Opens a WebSocket by hand, joins the conversation, then stops reading (the kernel buffers fill up). */
async function stalledReader(baseUrl: string, user: ChatUser, conversationId: string): Promise<{ socket: Socket; ended: Promise<void> }> {
  const ticket = await wsTicket(baseUrl, user);
  const url = new URL(baseUrl);
  const socket = connect({ host: '127.0.0.1', port: Number(url.port) });
  raws.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(
    [`GET ${API}/ws?ticket=${ticket} HTTP/1.1`, `Host: ${url.host}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', '', ''].join('\r\n'),
  );
  let received = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('"type":"joined"')) {
        socket.off('data', onData);
        resolve();
      } else if (received.startsWith('HTTP/1.1 101') && received.includes('\r\n\r\n') && !received.includes('join-sent')) {
        received += 'join-sent';
        socket.write(clientFrame(JSON.stringify({ type: 'join', conversationId })));
      }
    };
    socket.on('data', onData);
    setTimeout(() => reject(new Error('stalled reader could not join')), 5000);
  });
  socket.pause();
  const ended = new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('end', () => resolve());
  });
  return { socket, ended };
}

test('readers that stop reading are closed; memory stays bounded; the others get every message', async () => {
  server = await startServerProcess();
  const senders = await Promise.all(Array.from({ length: 8 }, () => chatUser('student')));
  const reader = await chatUser('tutor');
  const stalled = await Promise.all(Array.from({ length: 20 }, () => chatUser('student')));
  const { id: conversationId } = await createGroupConversation({ kind: 'course', title: 'Firehose', memberIds: [...senders, reader, ...stalled].map((u) => u.id) });
  for (const user of [...senders, reader]) sockets.push(await ChatSocket.connect(server.baseUrl, user));
  for (const socket of sockets) await socket.join(conversationId, 0);
  const body = (s: number, i: number) => `${s}:${i}:`.padEnd(3900, 'x');
  const senderSockets = sockets.slice(0, senders.length);
  const sendAll = (from: number, count: number) =>
    Promise.all(
      senderSockets.map(async (socket, s) => {
        for (let i = from; i < from + count; i += 10) {
          await Promise.all(Array.from({ length: 10 }, (_, k) => socket.sendMessage(conversationId, body(s, i + k))));
        }
      }),
    );
  // Warm-up with the same traffic and no stalled reader: the baseline is the server's working set under this load.
  const warmup = 100;
  await sendAll(0, warmup);
  const slow = await Promise.all(stalled.map((user) => stalledReader(server!.baseUrl, user, conversationId)));

  const baseline = await rssOf(server.process.pid);
  let peak = baseline;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssOf(server!.process.pid));
      await Bun.sleep(100);
    }
  })();

  // 8 senders x 250 messages of 3,900 characters: ~7.8 MB owed to each of the 20 stalled readers (~150 MB).
  const perSender = 250;
  await sendAll(warmup, perSender);
  const total = senders.length * (warmup + perSender);
  const readerSocket = sockets[sockets.length - 1]!;
  await readerSocket.waitUntil(() => readerSocket.messagesOf(conversationId).length === total, 30_000, 'the reader has everything');
  for (const socket of sockets) await socket.waitUntil(() => socket.messagesOf(conversationId).length === total, 30_000, 'every sender has everything');
  sampling = false;
  await sampler;

  // Every stalled reader was closed by the server (resume reading: the close arrives after what was buffered).
  for (const { socket } of slow) socket.resume();
  await Promise.race([Promise.all(slow.map((s) => s.ended)), Bun.sleep(10_000).then(() => Promise.reject(new Error('stalled readers were not closed')))]);

  const growth = peak - baseline;
  const owed = senders.length * perSender * 3900 * slow.length;
  console.log(`slow consumers: RSS after warm-up ${(baseline / 1048576).toFixed(1)} MB, peak ${(peak / 1048576).toFixed(1)} MB (+${(growth / 1048576).toFixed(1)} MB) while ${(owed / 1048576).toFixed(0)} MB were owed to stalled readers`);
  // Without backpressure the server would hold what the stalled readers were owed (~150 MB); bounded, it holds at
  // most the 1 MB limit each (plus the kernel's socket buffers, outside the process).
  expect(growth).toBeLessThan(owed / 2);

  const history = await fullHistory(server.baseUrl, reader, conversationId);
  const acked = sockets.flatMap((socket) => [...socket.acks.values()].map((frame) => frame.message));
  expect(checkConversation({ history, acked, views: sockets.map((socket) => ({ name: socket.user.name, messages: socket.messagesOf(conversationId) })) })).toEqual([]);
}, 90_000);
