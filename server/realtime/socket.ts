/**
 * GET /api/v1/ws: authentication at the upgrade, then frames (API.md "WebSocket").
 *
 * Authentication: `?ticket=` (single use, from POST /ws/ticket), or the session cookie with an Origin equal to
 * APP_URL's origin (cross-site WebSocket hijacking: browsers send cookies on cross-origin upgrades), or a Bearer
 * header (API clients; browsers cannot set it). A bad, used or expired ticket is HTTP 401 at the upgrade.
 *
 * Elysia's per-socket wrapper keeps the whole request context alive for the socket's lifetime and JSON-parses every
 * frame before a handler can see its size. At `open` the hub takes the socket's handlers over: the context is
 * released (memory per idle socket) and frames arrive raw (size check before parsing, one parse per frame).
 */
import type { Server, ServerWebSocket } from 'bun';
import { Elysia } from 'elysia';
import { env } from '../env.ts';
import { DomainError } from '../errors.ts';
import { logger } from '../logger.ts';
import { redeemWsTicket } from '../modules/accounts/service.ts';
import type { Actor } from '../modules/accounts/sessions.ts';
import { markRead } from '../modules/chat/service.ts';
import { authenticate, readCookie, SESSION_COOKIE } from '../plugins/auth.ts';
import * as hub from './hub.ts';

export const MAX_FRAME_BYTES = 16 * 1024;
/** Frames per second a connection may send, sustained, and the burst it may save up. */
const RATE_PER_SECOND = 50;
const BURST = 100;
const MAX_UNACKED_SENDS = 200;

/** Bun's server-wide WebSocket settings (buildApp passes them to Elysia). Frames over 64 KB are cut off by Bun. */
export const websocketOptions = {
  idleTimeout: 60,
  sendPings: true,
  maxPayloadLength: 64 * 1024,
  backpressureLimit: hub.BACKPRESSURE_LIMIT,
  closeOnBackpressureLimit: true,
  perMessageDeflate: false,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function authenticateUpgrade(request: Request): Promise<Actor> {
  const url = new URL(request.url);
  const ticket = url.searchParams.get('ticket');
  if (ticket !== null) {
    const actor = ticket.length > 0 && ticket.length <= 256 ? await redeemWsTicket(ticket) : null;
    if (!actor) throw new DomainError('unauthorized', 'The ticket is unknown, used or expired');
    return actor;
  }
  if (!request.headers.get('authorization') && readCookie(request.headers.get('cookie'), SESSION_COOKIE)) {
    if (request.headers.get('origin') !== env.appOrigin) throw new DomainError('forbidden', 'Cross-origin WebSocket refused');
  }
  const actor = await authenticate(request);
  if (!actor) throw new DomainError('unauthorized', 'Authenticate with a ticket or the session cookie');
  return actor;
}

type State = { conn: hub.Conn; tokens: number; refilledAt: number; unacked: number };

function takeToken(state: State): boolean {
  const now = performance.now();
  state.tokens = Math.min(BURST, state.tokens + ((now - state.refilledAt) / 1000) * RATE_PER_SECOND);
  state.refilledAt = now;
  if (state.tokens < 1) return false;
  state.tokens -= 1;
  return true;
}

function typeHint(raw: string): string {
  return /"type"\s*:\s*"([a-z_]{1,20})"/.exec(raw.slice(0, 256))?.[1] ?? 'unknown';
}

function fail(conn: hub.Conn, error: unknown, ref: string): void {
  if (error instanceof DomainError) {
    // A conversation the caller may not see: on the socket that is `forbidden`, and nothing else.
    const code = error.code === 'not_found' ? 'forbidden' : error.code;
    hub.sendError(conn, code, code === 'forbidden' ? 'You are not a member of this conversation' : error.message, ref);
    return;
  }
  logger.error({ err: (error as Error)?.message, ref }, 'realtime: frame failed');
  hub.sendError(conn, 'internal_error', 'Something went wrong; try again', ref);
}

const isSeq = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function onFrame(state: State, raw: string | Buffer): void {
  const { conn } = state;
  if (typeof raw !== 'string') {
    hub.sendError(conn, 'bad_request', 'Frames are JSON text', 'binary');
    return;
  }
  if (raw.length > MAX_FRAME_BYTES || (raw.length > MAX_FRAME_BYTES / 4 && Buffer.byteLength(raw) > MAX_FRAME_BYTES)) {
    hub.sendError(conn, 'payload_too_large', `Frames are at most ${MAX_FRAME_BYTES} bytes`, typeHint(raw));
    return;
  }
  let frame: Record<string, unknown>;
  try {
    frame = JSON.parse(raw);
  } catch {
    hub.sendError(conn, 'bad_request', 'Frames are JSON objects', 'unknown');
    return;
  }
  if (!frame || typeof frame !== 'object' || Array.isArray(frame) || typeof frame.type !== 'string') {
    hub.sendError(conn, 'bad_request', 'A frame is a JSON object with a "type"', 'unknown');
    return;
  }
  const type = frame.type.slice(0, 32);
  const ref = type === 'send' && typeof frame.clientId === 'string' ? frame.clientId.slice(0, 64) : type;
  if (!takeToken(state)) {
    hub.sendError(conn, 'rate_limited', `At most ${RATE_PER_SECOND} frames per second`, ref);
    return;
  }
  const conversationId = frame.conversationId;
  const needsConversation = type === 'join' || type === 'leave' || type === 'send' || type === 'typing' || type === 'read';
  if (needsConversation && (typeof conversationId !== 'string' || !UUID.test(conversationId))) {
    hub.sendError(conn, 'bad_request', 'conversationId must be a conversation id', ref);
    return;
  }
  const id = conversationId as string;
  switch (type) {
    case 'ping':
      hub.sendFrame(conn, '{"type":"pong"}');
      return;
    case 'join': {
      if (frame.sinceSeq !== undefined && !isSeq(frame.sinceSeq)) {
        hub.sendError(conn, 'bad_request', 'sinceSeq must be a whole number >= 0', ref);
        return;
      }
      hub.join(conn, id, frame.sinceSeq as number | undefined).catch((error) => fail(conn, error, ref));
      return;
    }
    case 'leave':
      hub.leave(conn, id);
      return;
    case 'send': {
      if (typeof frame.clientId !== 'string' || typeof frame.body !== 'string') {
        hub.sendError(conn, 'bad_request', 'send needs clientId and body (strings)', ref);
        return;
      }
      if (state.unacked >= MAX_UNACKED_SENDS) {
        hub.sendError(conn, 'rate_limited', 'Too many messages waiting for their ack', ref);
        return;
      }
      state.unacked += 1;
      hub
        .send(conn, { conversationId: id, clientId: frame.clientId, body: frame.body })
        .catch((error) => fail(conn, error, ref))
        .finally(() => (state.unacked -= 1));
      return;
    }
    case 'typing':
      hub
        .typing(conn, id)
        .then((allowed) => allowed || hub.sendError(conn, 'forbidden', 'You are not a member of this conversation', ref))
        .catch((error) => fail(conn, error, ref));
      return;
    case 'read': {
      if (!isSeq(frame.seq)) {
        hub.sendError(conn, 'bad_request', 'seq must be a whole number >= 0', ref);
        return;
      }
      markRead({ actor: conn.actor, conversationId: id, seq: frame.seq }).catch((error) => fail(conn, error, ref));
      return;
    }
    default:
      hub.sendError(conn, 'bad_request', `Unknown frame type "${type}"`, ref);
  }
}

const upgrades = new WeakMap<Request, Promise<Actor>>();

type SocketData = Record<string, unknown> & { actor?: Actor; server?: Server<unknown> };

export const realtimeRoutes = new Elysia({ name: 'realtime' }).ws('/api/v1/ws', {
  async beforeHandle(context) {
    // Elysia runs a ws route's beforeHandle twice (as a lifecycle hook and inside the upgrade handler): a
    // ticket is single use, so the first run's answer is kept for the request.
    let pending = upgrades.get(context.request);
    if (!pending) upgrades.set(context.request, (pending = authenticateUpgrade(context.request)));
    (context as unknown as SocketData).actor = await pending;
  },
  open(ws) {
    const raw = ws.raw as ServerWebSocket<SocketData>;
    const data = raw.data;
    const actor = data.actor!;
    const bunServer = data.server!;
    hub.startHub();
    const conn = hub.open(raw as ServerWebSocket<unknown>, actor, bunServer);
    const state: State = { conn, tokens: BURST, refilledAt: performance.now(), unacked: 0 };
    // Take the socket over (see the header): drop Elysia's context and per-socket closures.
    for (const key of Object.keys(data)) delete data[key];
    data.message = (_ws: unknown, message: string | Buffer) => onFrame(state, message);
    data.close = () => void hub.close(conn);
    data.drain = () => {};
  },
});
