/**
 * The ceiling for the chat benchmark: a bare Bun WebSocket pub/sub echo speaking the same frames (join -> joined,
 * send -> ack to the sender + message to the topic's other subscribers), with no auth, storage, Redis or ordering.
 */
const port = Number(process.argv[2] ?? 0);
let seq = 0;
const server = Bun.serve({
  port,
  hostname: '127.0.0.1',
  fetch(request, srv) {
    if (srv.upgrade(request)) return undefined;
    return new Response('bare chat', { status: 200 });
  },
  websocket: {
    perMessageDeflate: false,
    message(ws, raw) {
      const frame = JSON.parse(String(raw));
      if (frame.type === 'join') {
        ws.subscribe(frame.conversationId);
        ws.send(JSON.stringify({ type: 'joined', conversationId: frame.conversationId, lastSeq: seq }));
      } else if (frame.type === 'send') {
        seq += 1;
        const message = JSON.stringify({ id: String(seq), conversationId: frame.conversationId, seq, senderId: 'x', clientId: frame.clientId, kind: 'text', body: frame.body, sentAt: new Date().toISOString() });
        ws.send(`{"type":"ack","clientId":"${frame.clientId}","message":${message}}`);
        ws.publish(frame.conversationId, `{"type":"message","message":${message}}`);
      }
    },
  },
});
console.log(`ready ${server.port}`);
