// The server process killed with SIGKILL in the middle of a busy conversation and started again on the same
// port: clients reconnect, rejoin from their last seq and resend what was never acked. Nothing acked is lost,
// nothing is stored or shown twice, and every client ends with exactly the stored history.
import { afterAll, expect, test } from 'bun:test';
import { sql } from '../../db/client.ts';
import { createGroupConversation } from '../../server/modules/chat/service.ts';
import { startServerProcess, type ServerProcess } from '../support/processes.ts';
import { ChatSocket, chatUser, fullHistory } from '../support/chat.ts';
import { checkConversation } from '../support/chatChecker.ts';

let server: ServerProcess | null = null;
const sockets: ChatSocket[] = [];

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server?.kill();
});

test('SIGKILL of the server mid-conversation: reconnect and resume with nothing lost and nothing duplicated', async () => {
  server = await startServerProcess();
  const port = server.port;
  const users = await Promise.all([chatUser('student'), chatUser('student'), chatUser('tutor')]);
  const { id: conversationId } = await createGroupConversation({ kind: 'course', title: 'Crash', memberIds: users.map((u) => u.id) });
  for (const user of users) sockets.push(await ChatSocket.connect(server.baseUrl, user));
  for (const socket of sockets) await socket.join(conversationId, 0);

  // Every socket posts a message every 20 ms without waiting for acks: some are in flight at the kill.
  let sending = true;
  let sent = 0;
  const loops = sockets.map(async (socket, s) => {
    for (let i = 0; sending; i += 1) {
      socket.post(conversationId, `socket ${s} message ${i}`);
      sent += 1;
      await Bun.sleep(20);
    }
  });
  await Bun.sleep(1500);
  const ackedBeforeKill = sockets.reduce((count, socket) => count + socket.acks.size, 0);
  expect(ackedBeforeKill).toBeGreaterThan(50);
  expect(await server.kill('SIGKILL')).not.toBe(0);
  await Bun.sleep(300);
  server = await startServerProcess({ port });
  await Promise.all(sockets.map((socket) => socket.reconnect(20_000)));
  await Bun.sleep(1500);
  sending = false;
  await Promise.all(loops);

  // Every send is acked in the end (resent with its clientId after the reconnect), and every client has everything.
  for (const socket of sockets) {
    await socket.waitUntil(() => socket.pending.size === 0, 20_000, 'all sends acked').catch((error) => {
      const codes = [...new Set(socket.errors.map((e) => e.code))];
      throw new Error(`${error.message}; pending ${socket.pending.size}; error codes ${codes.join(',')}; closed ${JSON.stringify(socket.closed)}`);
    });
  }
  const [stored] = await sql`select count(*)::int as n, max(seq)::int as hi from messages where conversation_id = ${conversationId}`;
  expect(stored!.n).toBe(sent);
  expect(stored!.hi).toBe(sent);
  for (const socket of sockets) await socket.waitUntil(() => socket.messagesOf(conversationId).length === sent, 20_000, 'all messages');
  const history = await fullHistory(server.baseUrl, users[0]!, conversationId);
  const acked = sockets.flatMap((socket) => [...socket.acks.values()].map((frame) => frame.message));
  expect(acked.length).toBe(sent);
  const problems = checkConversation({
    history,
    acked,
    views: sockets.map((socket) => ({ name: socket.user.name, messages: socket.messagesOf(conversationId) })),
  });
  expect(problems).toEqual([]);
}, 90_000);
