/**
 * The WebSocket hub of one server instance: connections, conversation rooms (Bun topics), the Redis bridge.
 *
 * Ordering and exactly-once per socket. Each room (a conversation with at least one local socket joined) keeps
 * `lastSeq`, the highest seq delivered to its topic, and delivers strictly lastSeq + 1, lastSeq + 2, ...
 * Messages reach the room from three sources that may overlap or arrive out of order: this instance's commits,
 * the other instances' pub/sub, and Postgres reads (gap fill, resync). Anything <= lastSeq is a duplicate and
 * dropped; anything beyond lastSeq + 1 waits in `pending` while the gap is fetched (a committed seq N + 1 implies
 * N is committed: seqs are allocated under the conversation's row lock).
 *
 * Joining. `joined` is sent, then the replay (seq > sinceSeq, read from the Redis tail or Postgres page by page up
 * to the room's lastSeq), then the socket subscribes to the topic in the same synchronous step as the last
 * "caught up" check, so nothing is missed or repeated between replay and live.
 *
 * Redis. Rooms subscribe to their conversation's channel (ref-counted). After a reconnect, and every few seconds
 * for rooms that look stale, the hub compares lastSeq with Postgres and fetches what it missed.
 */
import type { Server, ServerWebSocket } from 'bun';
import { logger } from '../logger.ts';
import type { Actor } from '../modules/accounts/sessions.ts';
import { resolveSession } from '../modules/accounts/sessions.ts';
import * as chat from '../modules/chat/service.ts';
import { conversationChannel, instanceId, onReconnect, parse, publish, subscribe, unsubscribe } from './bus.ts';
import { setLocalDelivery, type Delivery } from './fanout.ts';
import { markOffline, markOnline, markTyping, onlineUsers } from './presence.ts';
import { userChannel } from './publish.ts';

/** Bun's per-socket send buffer limit; beyond it the socket is closed (a slow consumer resumes on reconnect). */
export const BACKPRESSURE_LIMIT = 1024 * 1024;
const REPLAY_PAGE = 500;
const GAP_WAIT_MS = 40;
const RESYNC_INTERVAL_MS = 3_000;
const HEARTBEAT_INTERVAL_MS = 20_000;
const SESSION_RECHECK_MS = 60_000;
const ROOM_RELEASE_GRACE_MS = 5_000;
const MAX_JOINED = 1_000;
const LOCAL_SEND_TTL_MS = 10_000;
const SUBSCRIBE_WAIT_MS = 1_000;

export type Conn = {
  ws: ServerWebSocket<unknown>;
  id: string;
  actor: Actor;
  /** Conversations joined (or joining), with the generation of the latest join request. */
  joined: Map<string, number>;
  /** Conversations whose membership was checked on this socket (typing and read need it). */
  member: Set<string>;
  generation: number;
  /** Acks held back while a join of that conversation replays (sent in seq order when it catches up). */
  joining: Map<string, { generation: number; acks: HeldAck[] }>;
  closed: boolean;
  sessionCheckedAt: number;
};

type HeldAck = { clientId: string; seq: number; json: string; key: string };

type Room = {
  id: string;
  topic: string;
  refs: number;
  lastSeq: number;
  ready: Promise<void> | null;
  initialised: boolean;
  pending: Map<number, Delivery>;
  gapTimer: ReturnType<typeof setTimeout> | null;
  releaseTimer: ReturnType<typeof setTimeout> | null;
  /** lastSeq at the previous resync pass: a room behind Postgres twice in a row is repaired. */
  seenAtResync: number;
  members: { ids: string[]; at: number } | null;
};

let server: Server<unknown> | null = null;
const rooms = new Map<string, Room>();
const conns = new Set<Conn>();
const connsByUser = new Map<string, Set<Conn>>();
/** Sends of local sockets by idempotency key: the sending socket is left out of the `message` fan-out. */
const localSends = new Map<string, { conn: Conn; at: number; acksOwed: number }>();

export const topicOf = (conversationId: string) => `c:${conversationId}`;
const userTopic = (userId: string) => `u:${userId}`;
const sendKey = (conversationId: string, senderId: string | null, clientId: string) => `${conversationId}\u0000${senderId}\u0000${clientId}`;

export function stats() {
  return { connections: conns.size, rooms: rooms.size, localSends: localSends.size };
}

// Sending to one socket, with backpressure

/** Sends a frame; closes the socket when its buffer is over the limit (it will reconnect and resume by seq). */
export function sendFrame(conn: Conn, frame: string): boolean {
  if (conn.closed) return false;
  const result = conn.ws.send(frame);
  if (result === 0 || (result === -1 && conn.ws.getBufferedAmount() > BACKPRESSURE_LIMIT)) {
    closeSlow(conn);
    return false;
  }
  return true;
}

function closeSlow(conn: Conn): void {
  if (conn.closed) return;
  logger.info({ conn: conn.id, user: conn.actor.id }, 'realtime: closing a slow consumer');
  conn.ws.close(4008, 'slow consumer: reconnect and resume');
}

export function sendError(conn: Conn, code: string, message: string, ref: string): void {
  sendFrame(conn, JSON.stringify({ type: 'error', code, message, ref }));
}

// Rooms

function publishToTopic(room: Room, delivery: Delivery): void {
  if (!server) return;
  const frame = `{"type":"message","message":${delivery.json}}`;
  const origin = localSends.get(sendKey(room.id, delivery.senderId, delivery.clientId));
  if (origin && !origin.conn.closed) {
    // A sender joined to the room gets its ack here, in seq order with the messages it receives.
    for (; origin.acksOwed > 0; origin.acksOwed -= 1) sendFrame(origin.conn, ackFrame(delivery.clientId, delivery.json));
    // Bun's ws.publish leaves out the publishing socket: the sender has its ack instead.
    origin.conn.ws.publish(room.topic, frame);
  } else {
    server.publish(room.topic, frame);
  }
}

function drain(room: Room): void {
  if (!room.initialised) return;
  let next = room.lastSeq + 1;
  let delivery = room.pending.get(next);
  while (delivery) {
    room.pending.delete(next);
    publishToTopic(room, delivery);
    room.lastSeq = next;
    next += 1;
    delivery = room.pending.get(next);
  }
  if (room.pending.size === 0) return;
  for (const seq of room.pending.keys()) if (seq <= room.lastSeq) room.pending.delete(seq);
  if (room.pending.size > 0) scheduleGapFill(room);
}

function scheduleGapFill(room: Room, delay = GAP_WAIT_MS): void {
  if (room.gapTimer) return;
  room.gapTimer = setTimeout(() => {
    room.gapTimer = null;
    void fillGap(room);
  }, delay);
}

async function fillGap(room: Room): Promise<void> {
  if (room.pending.size === 0 || rooms.get(room.id) !== room) return;
  const upTo = Math.max(...room.pending.keys());
  try {
    await catchUp(room, upTo);
  } catch (error) {
    logger.warn({ err: (error as Error).message, conversation: room.id }, 'realtime: gap fill failed; retrying');
    scheduleGapFill(room, 500);
  }
}

/** Fetches (lastSeq, upTo] from the tail or Postgres and delivers it. */
async function catchUp(room: Room, upTo: number): Promise<void> {
  const from = room.lastSeq;
  if (upTo <= from) return;
  const page = await chat.messageRange(room.id, from, upTo);
  for (const json of page) accept(room, deliveryOf(json));
  drain(room);
}

function deliveryOf(json: string): Delivery {
  const message = JSON.parse(json) as { seq: number; senderId: string | null; clientId: string };
  return { seq: message.seq, senderId: message.senderId, clientId: message.clientId, json };
}

function accept(room: Room, delivery: Delivery): void {
  if (room.initialised && delivery.seq <= room.lastSeq) return;
  room.pending.set(delivery.seq, delivery);
}

/** Local commits (fanout.ts). */
function deliverLocal(conversationId: string, deliveries: Delivery[]): void {
  const room = rooms.get(conversationId);
  if (!room) return;
  for (const delivery of deliveries) accept(room, delivery);
  drain(room);
}

function onConversationPayload(conversationId: string, payload: string): void {
  const parsed = parse(payload);
  if (!parsed || parsed.origin === instanceId) return;
  const room = rooms.get(conversationId);
  if (!room) return;
  if (parsed.kind === 'm') {
    for (const line of parsed.body.split('\n')) accept(room, deliveryOf(line));
    drain(room);
  } else if (parsed.kind === 'f' && server) {
    server.publish(room.topic, parsed.body);
  }
}

async function acquireRoom(conversationId: string): Promise<Room> {
  let room = rooms.get(conversationId);
  if (!room) {
    room = {
      id: conversationId,
      topic: topicOf(conversationId),
      refs: 0,
      lastSeq: 0,
      ready: null,
      initialised: false,
      pending: new Map(),
      gapTimer: null,
      releaseTimer: null,
      seenAtResync: -1,
      members: null,
    };
    rooms.set(conversationId, room);
    const created = room;
    // Subscribe first, then read lastSeq: anything committed after the read arrives through the channel
    // (or the resync), anything before it is at most lastSeq and comes from the replay.
    created.ready = (async () => {
      // Never wait long for Redis: the handler is registered at once, and if the SUBSCRIBE is slow or Redis is down
      // (node-redis sends it when it reconnects), the resync pass fills in from Postgres meanwhile.
      const subscribed = subscribe(conversationChannel(conversationId), (payload) => onConversationPayload(conversationId, payload));
      await Promise.race([subscribed.catch(() => {}), Bun.sleep(SUBSCRIBE_WAIT_MS)]);
      const seqs = await chat.lastSeqs([conversationId]);
      created.lastSeq = seqs.get(conversationId) ?? 0;
      created.initialised = true;
      drain(created);
    })();
    created.ready.catch(() => {
      if (rooms.get(conversationId) === created && !created.initialised) {
        rooms.delete(conversationId);
        void unsubscribe(conversationChannel(conversationId));
      }
    });
  }
  room.refs += 1;
  if (room.releaseTimer) {
    clearTimeout(room.releaseTimer);
    room.releaseTimer = null;
  }
  try {
    await room.ready;
  } catch (error) {
    room.refs -= 1;
    throw error;
  }
  return room;
}

function releaseRoom(conversationId: string): void {
  const room = rooms.get(conversationId);
  if (!room) return;
  room.refs -= 1;
  if (room.refs > 0 || room.releaseTimer) return;
  room.releaseTimer = setTimeout(() => {
    room.releaseTimer = null;
    if (room.refs > 0 || rooms.get(conversationId) !== room) return;
    rooms.delete(conversationId);
    if (room.gapTimer) clearTimeout(room.gapTimer);
    void unsubscribe(conversationChannel(conversationId));
  }, ROOM_RELEASE_GRACE_MS);
}

/** Compares every room with Postgres; `force` repairs at once (after a Redis reconnect). */
async function resync(force: boolean): Promise<void> {
  const ready = [...rooms.values()].filter((room) => room.initialised);
  for (let start = 0; start < ready.length; start += 5_000) {
    const slice = ready.slice(start, start + 5_000);
    const seqs = await chat.lastSeqs(slice.map((room) => room.id));
    for (const room of slice) {
      const stored = seqs.get(room.id) ?? 0;
      if (stored <= room.lastSeq) {
        room.seenAtResync = -1;
        continue;
      }
      // Behind: normal for a moment (commits in flight); repaired when still behind at the next pass.
      if (force || room.seenAtResync === room.lastSeq) await catchUp(room, stored).catch(() => {});
      else room.seenAtResync = room.lastSeq;
    }
  }
}

// Connections

export function open(ws: ServerWebSocket<unknown>, actor: Actor, bunServer: Server<unknown>): Conn {
  server ??= bunServer;
  const conn: Conn = { ws, id: Bun.randomUUIDv7(), actor, joined: new Map(), member: new Set(), generation: 0, joining: new Map(), closed: false, sessionCheckedAt: Date.now() };
  conns.add(conn);
  let own = connsByUser.get(actor.id);
  if (!own) {
    own = new Set();
    connsByUser.set(actor.id, own);
    void subscribe(userChannel(actor.id), (payload) => server?.publish(userTopic(actor.id), payload)).catch(() => {});
  }
  own.add(conn);
  ws.subscribe(userTopic(actor.id));
  void markOnline([{ userId: actor.id, connectionId: conn.id }]);
  return conn;
}

export async function close(conn: Conn): Promise<void> {
  if (conn.closed) return;
  conn.closed = true;
  conns.delete(conn);
  const own = connsByUser.get(conn.actor.id);
  own?.delete(conn);
  if (own && own.size === 0) {
    connsByUser.delete(conn.actor.id);
    void unsubscribe(userChannel(conn.actor.id));
  }
  const joined = [...conn.joined.keys()];
  conn.joined.clear();
  const stillOnline = (own?.size ?? 0) > 0 || (await markOffline(conn.actor.id, conn.id));
  if (!stillOnline) {
    const frame = JSON.stringify({ type: 'presence', userId: conn.actor.id, online: false });
    for (const conversationId of joined) broadcast(conversationId, frame, null);
  }
  for (const conversationId of joined) releaseRoom(conversationId);
}

/** A frame to every socket in the conversation on every instance (`except` is left out locally). */
function broadcast(conversationId: string, frame: string, except: Conn | null): void {
  if (except && !except.closed) except.ws.publish(topicOf(conversationId), frame);
  else server?.publish(topicOf(conversationId), frame);
  publish(conversationChannel(conversationId), 'f', frame);
}

async function isMember(conn: Conn, conversationId: string): Promise<boolean> {
  if (conn.member.has(conversationId)) return true;
  const membership = await chat.findMembership(conversationId, conn.actor.id);
  if (!membership) return false;
  if (conn.member.size > MAX_JOINED * 2) conn.member.clear();
  conn.member.add(conversationId);
  return true;
}

async function waitForDrain(conn: Conn): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (!conn.closed && conn.ws.getBufferedAmount() > BACKPRESSURE_LIMIT / 2) {
    if (Date.now() > deadline) {
      closeSlow(conn);
      return false;
    }
    await Bun.sleep(10);
  }
  return !conn.closed;
}

/**
 * Sends the acks held during a join. Those the room has delivered already (replayed to this socket as message
 * frames, or older) go now; newer ones are left to the room, which sends each in its place in seq order.
 */
function releaseHeldAcks(conn: Conn, conversationId: string, room: Room | null): void {
  const held = conn.joining.get(conversationId);
  conn.joining.delete(conversationId);
  if (!held || conn.closed) return;
  for (const ack of held.acks) {
    const origin = localSends.get(ack.key);
    if (room && ack.seq > room.lastSeq && origin?.conn === conn) origin.acksOwed += 1;
    else sendFrame(conn, ackFrame(ack.clientId, ack.json));
  }
}

export async function join(conn: Conn, conversationId: string, sinceSeq: number | undefined): Promise<void> {
  const generation = ++conn.generation;
  const held = conn.joining.get(conversationId);
  if (held) held.generation = generation;
  else conn.joining.set(conversationId, { generation, acks: [] });
  try {
    await joinRoom(conn, conversationId, sinceSeq, generation);
  } finally {
    // The latest join of this conversation releases what was held (when it succeeded, it already did).
    if (conn.joining.get(conversationId)?.generation === generation) releaseHeldAcks(conn, conversationId, null);
  }
}

async function joinRoom(conn: Conn, conversationId: string, sinceSeq: number | undefined, generation: number): Promise<void> {
  const membership = await chat.findMembership(conversationId, conn.actor.id);
  if (conn.closed) return;
  if (!membership) {
    sendError(conn, 'forbidden', 'You are not a member of this conversation', 'join');
    return;
  }
  conn.member.add(conversationId);
  const rejoin = conn.joined.has(conversationId);
  if (!rejoin && conn.joined.size >= MAX_JOINED) {
    sendError(conn, 'rate_limited', `At most ${MAX_JOINED} conversations per connection`, 'join');
    return;
  }
  conn.joined.set(conversationId, generation);
  const topic = topicOf(conversationId);
  conn.ws.unsubscribe(topic);
  let room: Room;
  if (rejoin) {
    const existing = rooms.get(conversationId);
    if (!existing) return;
    room = existing;
    await room.ready;
  } else {
    try {
      room = await acquireRoom(conversationId);
    } catch (error) {
      conn.joined.delete(conversationId);
      logger.warn({ err: (error as Error).message }, 'realtime: join failed');
      sendError(conn, 'unavailable', 'The conversation is unavailable right now; try again', 'join');
      return;
    }
    // Closed, left or re-joined while the room was starting: close() / leave() already released the reference.
    if (conn.closed || conn.joined.get(conversationId) !== generation) return;
  }
  const superseded = () => conn.closed || conn.joined.get(conversationId) !== generation;
  if (!sendFrame(conn, JSON.stringify({ type: 'joined', conversationId, lastSeq: room.lastSeq }))) return;
  if (sinceSeq !== undefined) {
    let from = sinceSeq;
    while (from < room.lastSeq) {
      const to = Math.min(room.lastSeq, from + REPLAY_PAGE);
      let page: string[];
      try {
        page = await chat.messageRange(conversationId, from, to);
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'realtime: replay failed');
        sendError(conn, 'unavailable', 'History is unavailable right now; join again', 'join');
        return;
      }
      if (superseded()) return;
      for (const json of page) if (!sendFrame(conn, `{"type":"message","message":${json}}`)) return;
      from = to;
      if (conn.ws.getBufferedAmount() > BACKPRESSURE_LIMIT / 2 && !(await waitForDrain(conn))) return;
      if (superseded()) return;
    }
  }
  // Caught up: subscribing here, synchronously after the check above, is what makes replay + live seamless.
  conn.ws.subscribe(topic);
  releaseHeldAcks(conn, conversationId, room);
  void announcePresence(conn, conversationId, room);
}

async function announcePresence(conn: Conn, conversationId: string, room: Room): Promise<void> {
  broadcast(conversationId, JSON.stringify({ type: 'presence', userId: conn.actor.id, online: true }), conn);
  try {
    if (!room.members || Date.now() - room.members.at > 30_000) room.members = { ids: await chat.cachedMemberIds(conversationId), at: Date.now() };
    const others = room.members.ids.filter((id) => id !== conn.actor.id);
    const online = await onlineUsers(others);
    for (const userId of others) sendFrame(conn, JSON.stringify({ type: 'presence', userId, online: online.has(userId) }));
  } catch {
    // presence is a nicety
  }
}

export function leave(conn: Conn, conversationId: string): void {
  if (!conn.joined.has(conversationId)) return;
  conn.joined.delete(conversationId);
  conn.ws.unsubscribe(topicOf(conversationId));
  releaseRoom(conversationId);
}

const ackFrame = (clientId: string, messageJson: string) => `{"type":"ack","clientId":${JSON.stringify(clientId)},"message":${messageJson}}`;

/**
 * Stores a message and acks it after COMMIT. A new message whose sender is joined to the conversation is acked by
 * the room, in seq order with the message frames that socket receives (so a client sees seqs in order, acks
 * included); otherwise (a resend of a stored message, or a socket not joined) the ack goes out at once.
 */
export async function send(conn: Conn, frame: { conversationId: string; clientId: string; body: string }): Promise<void> {
  const key = sendKey(frame.conversationId, conn.actor.id, frame.clientId);
  let entry = localSends.get(key);
  if (!entry || entry.conn !== conn) localSends.set(key, (entry = { conn, at: Date.now(), acksOwed: 0 }));
  else entry.at = Date.now();
  const owner = entry;
  try {
    await chat.sendMessage({ actor: conn.actor, conversationId: frame.conversationId, clientId: frame.clientId, body: frame.body }, (result) => {
      const held = conn.joining.get(frame.conversationId);
      if (held) {
        held.acks.push({ clientId: frame.clientId, seq: result.message.seq, json: JSON.stringify(result.message), key });
        return;
      }
      const room = rooms.get(frame.conversationId);
      // Deferred only while the room has yet to deliver it (it may already have, from Postgres, during a gap fill).
      if (result.created && room?.initialised && room.lastSeq < result.message.seq && conn.ws.isSubscribed(room.topic)) {
        owner.acksOwed += 1;
        return;
      }
      sendFrame(conn, ackFrame(frame.clientId, JSON.stringify(result.message)));
    });
  } catch (error) {
    localSends.delete(key);
    throw error;
  }
}

const typingSentAt = new WeakMap<Conn, Map<string, number>>();

export async function typing(conn: Conn, conversationId: string): Promise<boolean> {
  if (!(await isMember(conn, conversationId))) return false;
  let sent = typingSentAt.get(conn);
  if (!sent) typingSentAt.set(conn, (sent = new Map()));
  const now = Date.now();
  // At most one typing signal per conversation and socket every 1.5 s.
  if (now - (sent.get(conversationId) ?? 0) < 1_500) return true;
  sent.set(conversationId, now);
  markTyping(conversationId, conn.actor.id);
  broadcast(conversationId, JSON.stringify({ type: 'typing', conversationId, userId: conn.actor.id }), conn);
  return true;
}

// Read receipts from any path (socket or REST) go to the conversation's sockets on every instance.
chat.onRead((event) => broadcast(event.conversationId, JSON.stringify({ type: 'read', ...event }), null));

setLocalDelivery(deliverLocal);
onReconnect(() => void resync(true).catch((error: Error) => logger.warn({ err: error.message }, 'realtime: resync failed')));

let timers: Array<ReturnType<typeof setInterval>> = [];

/** Starts the background loops (resync, presence heartbeat, session re-check). Idempotent. */
export function startHub(): void {
  if (timers.length > 0) return;
  timers = [
    setInterval(() => void resync(false).catch(() => {}), RESYNC_INTERVAL_MS),
    setInterval(() => void heartbeat().catch(() => {}), HEARTBEAT_INTERVAL_MS),
    setInterval(() => {
      const cutoff = Date.now() - LOCAL_SEND_TTL_MS;
      for (const [key, entry] of localSends) if (entry.at < cutoff) localSends.delete(key);
    }, LOCAL_SEND_TTL_MS),
  ];
  for (const timer of timers) (timer as { unref?: () => void }).unref?.();
}

export function stopHub(): void {
  for (const timer of timers) clearInterval(timer);
  timers = [];
}

async function heartbeat(): Promise<void> {
  const all = [...conns];
  await markOnline(all.map((conn) => ({ userId: conn.actor.id, connectionId: conn.id })));
  const now = Date.now();
  for (const conn of all) {
    if (conn.closed || now - conn.sessionCheckedAt < SESSION_RECHECK_MS) continue;
    conn.sessionCheckedAt = now;
    // Logout, revocation and deactivation end the socket too (the session cache is invalidated on those).
    const actor = await resolveSession(conn.actor.sessionId).catch(() => conn.actor);
    if (!actor) {
      sendError(conn, 'unauthorized', 'Your session ended', 'session');
      conn.ws.close(4401, 'session ended');
    } else {
      conn.actor = actor;
    }
  }
}
