/**
 * The chat load generator, in its own process so the servers under test never share its event loop.
 * Speaks the contract's WebSocket frames (so it drives Lyceum and the bare pub/sub server alike).
 *
 *   mode "rates": one socket per room member, everyone joins, then for each offered rate (messages per second,
 *   spread over the rooms, sent by random members) for `seconds`: acks per second (persisted), deliveries per
 *   second, and end-to-end latency (send -> another member's message frame) p50/p99.
 *   mode "idle": opens sockets in steps, joins one conversation each, prints "ready <n>" after each step and waits
 *   for a line on stdin before the next step (the parent measures the server's memory in between).
 * Prints one JSON line per result on stdout.
 */
import { percentile } from './load.ts';

type Member = { cookie: string; target: number };
type Room = { id: string; members: Member[] };
type RatesJob = { mode: 'rates'; targets: string[]; origins: string[]; rooms: Room[]; rates: number[]; seconds: number; warmup?: number };
type IdleJob = { mode: 'idle'; targets: string[]; origins: string[]; sockets: Array<{ cookie: string; conversationId: string }>; steps: number[] };
type Job = RatesJob | IdleJob;

export type RateResult = {
  offered: number;
  sent: number;
  acked: number;
  ackedPerSecond: number;
  deliveredPerSecond: number;
  expectedDeliveries: number;
  delivered: number;
  p50: number;
  p99: number;
  ackP99: number;
  errors: Record<string, number>;
};

// The job is a JSON file (thousands of cookies do not fit in an argument list).
const job = JSON.parse(await Bun.file(process.argv[2]!).text()) as Job;

type Client = { ws: WebSocket; room: number; member: number };

/** Opens a socket, retrying a failed handshake a few times (thousands of upgrades at once on a busy machine). */
async function open(target: string, origin: string, cookie: string, onFrame: (data: string) => void): Promise<WebSocket> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await openOnce(target, origin, cookie, onFrame);
    } catch (error) {
      if (attempt >= 5) throw error;
      await Bun.sleep(200 * attempt);
    }
  }
}

function openOnce(target: string, origin: string, cookie: string, onFrame: (data: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // Bun's WebSocket client takes headers: the session cookie and the app's Origin, as a browser sends them.
    const ws = new WebSocket(`${target}/api/v1/ws`, { headers: { cookie, origin } } as unknown as string[]);
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error('socket failed'));
    ws.onmessage = (event) => onFrame(event.data as string);
  });
}

async function inBatches<T>(items: T[], size: number, run: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    await Promise.all(items.slice(start, start + size).map((item, offset) => run(item, start + offset)));
  }
}

async function rates(job: RatesJob): Promise<void> {
  const clients: Client[] = [];
  let joined = 0;
  const joinErrors: Record<string, number> = {};
  let window: { t0: number; acked: number; delivered: number; latencies: number[]; ackLatencies: number[]; errors: Record<string, number> } | null = null;
  const sentAt = new Map<string, number>();
  const onFrame = (data: string) => {
    const frame = JSON.parse(data);
    if (frame.type === 'joined') joined += 1;
    else if (!window) {
      if (frame.type === 'error') joinErrors[`${frame.code}/${frame.ref}`] = (joinErrors[`${frame.code}/${frame.ref}`] ?? 0) + 1;
      return;
    }
    else if (frame.type === 'message') {
      const t0 = Number(frame.message.body.slice(0, frame.message.body.indexOf('|')));
      window.delivered += 1;
      window.latencies.push(performance.now() - t0);
    } else if (frame.type === 'ack') {
      window.acked += 1;
      const t0 = sentAt.get(frame.clientId);
      if (t0 !== undefined) {
        window.ackLatencies.push(performance.now() - t0);
        sentAt.delete(frame.clientId);
      }
    } else if (frame.type === 'error') window.errors[frame.code] = (window.errors[frame.code] ?? 0) + 1;
  };
  const members = job.rooms.flatMap((room, r) => room.members.map((member, m) => ({ member, r, m })));
  await inBatches(members, 200, async ({ member, r, m }) => {
    const ws = await open(job.targets[member.target]!, job.origins[member.target]!, member.cookie, onFrame);
    clients.push({ ws, room: r, member: m });
  });
  for (const client of clients) client.ws.send(JSON.stringify({ type: 'join', conversationId: job.rooms[client.room]!.id }));
  const deadline = Date.now() + 30_000;
  while (joined < clients.length && Date.now() < deadline) await Bun.sleep(20);
  if (joined < clients.length) throw new Error(`only ${joined} of ${clients.length} sockets joined (errors: ${JSON.stringify(joinErrors)})`);
  const byRoom = job.rooms.map((_, r) => clients.filter((client) => client.room === r));
  const padding = 'x'.repeat(60);
  let warmed = false;

  // Warm-up (not reported): JIT, caches and connection pools reach their steady state first.
  for (const rate of [job.warmup ?? 0, ...job.rates]) {
    if (rate === 0) continue;
    const warming = rate === job.warmup && warmed === false;
    warmed = true;
    window = { t0: performance.now(), acked: 0, delivered: 0, latencies: [], ackLatencies: [], errors: {} };
    sentAt.clear();
    let sent = 0;
    let expected = 0;
    const started = performance.now();
    const end = started + job.seconds * 1000;
    let roomCursor = 0;
    // Open loop: every 5 ms, send what the rate owes by now (messages go to rooms round-robin).
    while (performance.now() < end) {
      const owed = Math.floor(((performance.now() - started) / 1000) * rate) - sent;
      for (let i = 0; i < owed; i += 1) {
        const room = byRoom[roomCursor % byRoom.length]!;
        roomCursor += 1;
        const sender = room[Math.floor(Math.random() * room.length)]!;
        const clientId = crypto.randomUUID();
        const t0 = performance.now();
        sentAt.set(clientId, t0);
        sender.ws.send(`{"type":"send","conversationId":"${job.rooms[sender.room]!.id}","clientId":"${clientId}","body":"${t0}|${padding}"}`);
        sent += 1;
        expected += room.length - 1;
      }
      await Bun.sleep(5);
    }
    const sendingSeconds = (performance.now() - started) / 1000;
    // Drain: wait for the acks and deliveries still in flight (bounded).
    const drainUntil = performance.now() + 10_000;
    while ((window.acked < sent || window.delivered < expected) && performance.now() < drainUntil) await Bun.sleep(20);
    const latencies = window.latencies.sort((a, b) => a - b);
    const ackLatencies = window.ackLatencies.sort((a, b) => a - b);
    const result: RateResult = {
      offered: rate,
      sent,
      acked: window.acked,
      ackedPerSecond: window.acked / sendingSeconds,
      deliveredPerSecond: window.delivered / sendingSeconds,
      expectedDeliveries: expected,
      delivered: window.delivered,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      ackP99: percentile(ackLatencies, 99),
      errors: window.errors,
    };
    if (!warming) console.log(JSON.stringify(result));
    window = null;
    await Bun.sleep(500);
  }
  for (const client of clients) client.ws.close();
}

async function idle(job: IdleJob): Promise<void> {
  const sockets: WebSocket[] = [];
  let joined = 0;
  const onFrame = (data: string) => {
    if (data.startsWith('{"type":"joined"')) joined += 1;
  };
  const reader = (async function* lines() {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of Bun.stdin.stream()) {
      buffer += decoder.decode(chunk);
      let index = buffer.indexOf('\n');
      while (index >= 0) {
        yield buffer.slice(0, index);
        buffer = buffer.slice(index + 1);
        index = buffer.indexOf('\n');
      }
    }
  })();
  let opened = 0;
  for (const step of job.steps) {
    const batch = job.sockets.slice(opened, step);
    await inBatches(batch, 200, async (socket, index) => {
      const target = (opened + index) % job.targets.length;
      const ws = await open(job.targets[target]!, job.origins[target]!, socket.cookie, onFrame);
      ws.send(JSON.stringify({ type: 'join', conversationId: socket.conversationId }));
      sockets.push(ws);
    });
    opened = step;
    const deadline = Date.now() + 30_000;
    while (joined < opened && Date.now() < deadline) await Bun.sleep(20);
    console.log(`ready ${opened} ${joined}`);
    await reader.next();
  }
  for (const ws of sockets) ws.close();
}

if (job.mode === 'rates') await rates(job);
else await idle(job);
process.exit(0);
