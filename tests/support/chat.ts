/**
 * Chat test helpers: users created straight in Postgres with a real session (many tests need dozens of users;
 * the sign-up flow is covered by the account tests), and a WebSocket client that records every frame.
 * The client speaks the contract's frames and nothing else; it never fixes up what the server sends.
 */
import { db, sql } from '../../db/client.ts';
import { createSession } from '../../server/modules/accounts/sessions.ts';

export const API = '/api/v1';

export type ChatUser = { id: string; name: string; role: 'student' | 'tutor' | 'admin'; sessionToken: string; cookie: string };

let counter = 0;

/** A verified user with a live session (cookie `session=<token>`); `approved` gives a tutor an approved profile. */
export async function chatUser(role: 'student' | 'tutor' | 'admin' = 'student', options: { approved?: boolean; verified?: boolean; name?: string } = {}): Promise<ChatUser> {
  counter += 1;
  const email = `chat-${role}-${process.pid}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  const name = options.name ?? `${role[0]!.toUpperCase()}${role.slice(1)} ${counter}`;
  const [row] = await sql<{ id: string }[]>`
    insert into users (id, email, password_hash, name, role, email_verified_at)
    values (${Bun.randomUUIDv7()}, ${email}, 'not-a-hash', ${name}, ${role}, ${options.verified === false ? null : new Date().toISOString()}::timestamptz)
    returning id`;
  const id = row!.id;
  if (role === 'tutor' && options.approved) {
    await sql`insert into tutor_profiles (user_id, headline, approval_status) values (${id}, 'Tutor', 'approved')`;
  }
  const { token } = await createSession(db, { userId: id, ip: '127.0.0.1', userAgent: 'chat-test' });
  return { id, name, role, sessionToken: token, cookie: `session=${token}` };
}

export async function api<T = any>(baseUrl: string, user: ChatUser | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (user) headers.cookie = user.cookie;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${API}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed as T };
}

/** A direct conversation between a student and an approved tutor, opened through the API. */
export async function directConversation(baseUrl: string, studentUser: ChatUser, tutorUser: ChatUser): Promise<string> {
  const reply = await api(baseUrl, studentUser, 'POST', '/conversations', { participantId: tutorUser.id });
  if (reply.status !== 201 && reply.status !== 200) throw new Error(`open conversation: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.id;
}

export async function wsTicket(baseUrl: string, user: ChatUser): Promise<string> {
  const reply = await api(baseUrl, user, 'POST', '/ws/ticket');
  if (reply.status !== 200) throw new Error(`ticket: ${reply.status}`);
  return reply.body.ticket;
}

export type Frame = Record<string, any>;

/** Fetches the whole history of a conversation through the REST API (paging forward). */
export async function fullHistory(baseUrl: string, user: ChatUser, conversationId: string): Promise<any[]> {
  const all: any[] = [];
  let after = 0;
  for (let page = 0; page < 1000; page += 1) {
    const reply = await api(baseUrl, user, 'GET', `/conversations/${conversationId}/messages?afterSeq=${after}&limit=100`);
    if (reply.status !== 200) throw new Error(`history: ${reply.status} ${JSON.stringify(reply.body)}`);
    all.push(...reply.body.items);
    if (reply.body.nextCursor === null) break;
    after = Number(reply.body.nextCursor);
  }
  return all;
}

/**
 * A socket that records frames. `messages` holds what this socket saw of each conversation, in arrival order
 * (message frames, and the acks of its own sends).
 */
export class ChatSocket {
  ws!: WebSocket;
  frames: Frame[] = [];
  /** conversationId -> messages in the order this socket received them (message frames and own acks). */
  received = new Map<string, any[]>();
  acks = new Map<string, Frame>();
  errors: Frame[] = [];
  /** Sends not acked yet (resent after a reconnect, as a real client does). */
  pending = new Map<string, Frame>();
  /** Conversations to rejoin after a reconnect. */
  joinedConversations = new Set<string>();
  closed: { code: number; reason: string } | null = null;
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  constructor(
    readonly baseUrl: string,
    readonly user: ChatUser,
  ) {}

  /** Authenticates with a ticket, or with the session cookie and the app's Origin (`cookie: true`). */
  static async connect(baseUrl: string, user: ChatUser, options: { cookie?: boolean } = {}): Promise<ChatSocket> {
    const socket = new ChatSocket(baseUrl, user);
    socket.useCookie = options.cookie ?? false;
    await socket.open();
    return socket;
  }

  useCookie = false;

  async open(): Promise<void> {
    const wsBase = `${this.baseUrl.replace(/^http/, 'ws')}${API}/ws`;
    const ws = this.useCookie
      ? new WebSocket(wsBase, { headers: { cookie: this.user.cookie, origin: new URL(this.baseUrl).origin } } as unknown as string[])
      : new WebSocket(`${wsBase}?ticket=${await wsTicket(this.baseUrl, this.user)}`);
    this.ws = ws;
    ws.onmessage = (event) => this.onFrame(JSON.parse(String(event.data)));
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => {
        this.closed = null;
        resolve();
      };
      ws.onerror = () => reject(new Error('websocket failed to open'));
      ws.onclose = (event) => reject(new Error(`websocket closed at open: ${event.code}`));
    });
    ws.onclose = (event) => {
      if (this.ws === ws) this.closed ??= { code: event.code, reason: event.reason };
      this.wake();
    };
    ws.onerror = () => {};
  }

  private onFrame(frame: Frame): void {
    this.frames.push(frame);
    if (frame.type === 'message') this.record(frame.message);
    else if (frame.type === 'ack') {
      this.acks.set(frame.clientId, frame);
      this.pending.delete(frame.clientId);
      // A resent message may already be here (replayed after a reconnect): the client shows it once.
      if (!this.messagesOf(frame.message.conversationId).some((message) => message.id === frame.message.id)) this.record(frame.message);
    } else if (frame.type === 'error') {
      this.errors.push(frame);
      // Over the per-connection rate: a real client backs off and sends the same clientId again.
      const retry = frame.code === 'rate_limited' ? this.pending.get(frame.ref) : undefined;
      if (retry) setTimeout(() => this.ws.readyState === WebSocket.OPEN && this.pending.has(frame.ref) && this.send(retry), 300);
    }
    this.wake();
  }

  private record(message: any): void {
    let list = this.received.get(message.conversationId);
    if (!list) this.received.set(message.conversationId, (list = []));
    list.push(message);
  }

  private wake(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test()) return true;
      waiter.resolve();
      return false;
    });
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Waits until `test` holds (checked on every frame). */
  waitUntil(test: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.resolve !== done);
        reject(new Error(`timed out waiting for ${what} (${this.user.name}); last frames: ${JSON.stringify(this.frames.slice(-3))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ test, resolve: done });
    });
  }

  async waitFrame(predicate: (frame: Frame) => boolean, timeoutMs = 10_000, what = 'frame'): Promise<Frame> {
    const start = this.frames.length;
    await this.waitUntil(() => this.frames.slice(start).some(predicate) || this.frames.some(predicate), timeoutMs, what);
    return this.frames.find(predicate)!;
  }

  async join(conversationId: string, sinceSeq?: number): Promise<Frame> {
    this.joinedConversations.add(conversationId);
    const before = this.frames.length;
    this.send(sinceSeq === undefined ? { type: 'join', conversationId } : { type: 'join', conversationId, sinceSeq });
    await this.waitUntil(
      () => this.frames.slice(before).some((frame) => (frame.type === 'joined' && frame.conversationId === conversationId) || (frame.type === 'error' && frame.ref === 'join')),
      10_000,
      `joined ${conversationId}`,
    );
    return this.frames.slice(before).find((frame) => frame.type === 'joined' || (frame.type === 'error' && frame.ref === 'join'))!;
  }

  /** Sends a message and waits for its ack (or error). */
  async sendMessage(conversationId: string, body: string, clientId: string = crypto.randomUUID()): Promise<Frame> {
    this.post(conversationId, body, clientId);
    const failed = () => this.errors.find((error) => error.ref === clientId && error.code !== 'rate_limited');
    await this.waitUntil(() => this.acks.has(clientId) || failed() !== undefined, 15_000, `ack ${clientId}`);
    return this.acks.get(clientId) ?? failed()!;
  }

  /** Sends without waiting; the send is retried after a reconnect until acked. */
  post(conversationId: string, body: string, clientId: string = crypto.randomUUID()): string {
    const frame = { type: 'send', conversationId, clientId, body };
    this.pending.set(clientId, frame);
    // Like the web client: while reconnecting, sends wait until the conversations are joined again.
    if (!this.closed && !this.rejoining && this.ws.readyState === WebSocket.OPEN) this.send(frame);
    return clientId;
  }

  /**
   * Reconnects (retrying until `timeoutMs`), rejoins every conversation from the last seq seen and resends the
   * sends that were never acked: what the web client does.
   */
  rejoining = false;

  async reconnect(timeoutMs = 30_000): Promise<void> {
    this.rejoining = true;
    this.close();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.open();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await Bun.sleep(200);
      }
    }
    for (const conversationId of this.joinedConversations) await this.join(conversationId, this.lastSeq(conversationId));
    this.rejoining = false;
    for (const frame of this.pending.values()) this.send(frame);
  }

  messagesOf(conversationId: string): any[] {
    return this.received.get(conversationId) ?? [];
  }

  lastSeq(conversationId: string): number {
    const list = this.messagesOf(conversationId);
    return list.reduce((max, message) => Math.max(max, message.seq), 0);
  }

  close(): void {
    this.closed ??= { code: 0, reason: 'closed by the test' };
    try {
      this.ws.close();
    } catch {
      // already closed
    }
  }
}

/** A redis-server of a test's own on a spare port (no persistence), which the test may flush, kill and restart. */
export class OwnRedis {
  process: import('bun').Subprocess | null = null;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    this.process = Bun.spawn(['redis-server', '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdout: 'ignore', stderr: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const probe = Bun.spawnSync(['redis-cli', '-p', String(this.port), 'ping']);
      if (probe.stdout.toString().trim() === 'PONG') return;
      await Bun.sleep(50);
    }
    throw new Error(`redis-server on ${this.port} did not start`);
  }

  cli(...args: string[]): string {
    return Bun.spawnSync(['redis-cli', '-p', String(this.port), ...args]).stdout.toString().trim();
  }

  async kill(): Promise<void> {
    this.process?.kill('SIGKILL');
    await this.process?.exited;
    this.process = null;
  }
}

/** The resident memory of a process, in bytes (Linux). */
export async function rssOf(pid: number): Promise<number> {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}
