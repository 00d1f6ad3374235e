/**
 * The test server and client. One real listening server per test process (shared by all files), so requests
 * have a real peer address; each client sends its own X-Forwarded-For (127.0.0.1 is a trusted proxy in tests),
 * so per-IP rate limits of one test never leak into another.
 */
import type { Mailbox } from './mailbox.ts';

type Started = { url: string; stop(): Promise<void> };
const state = globalThis as { __testServer?: Promise<Started>; __workers?: Promise<{ stop(): Promise<void> }>; __mailbox?: Mailbox };

export const mailbox: Mailbox = state.__mailbox!;

export function testServer(): Promise<Started> {
  state.__testServer ??= (async () => {
    const { buildApp } = await import('../../server/app.ts');
    const { connectRedis } = await import('../../server/redis.ts');
    await connectRedis();
    const app = buildApp().listen({ port: 0, hostname: '127.0.0.1' });
    return { url: `http://127.0.0.1:${app.server!.port}`, stop: async () => void (await app.server?.stop(true)) };
  })();
  return state.__testServer;
}

/** Starts the job workers in this process (once) so emails reach the mailbox. */
export function useWorkers(): Promise<{ stop(): Promise<void> }> {
  state.__workers ??= import('../../jobs/worker.ts').then((module) => module.startWorkers());
  return state.__workers;
}

let ipCounter = 0;
export function uniqueIp(): string {
  ipCounter += 1;
  return `10.${(process.pid >> 8) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.test`;
}

export type Reply<T = any> = { status: number; body: T; headers: Headers; text: string };

export type RequestOptions = { body?: unknown; token?: string; cookie?: string; headers?: Record<string, string>; raw?: BodyInit };

export class Client {
  constructor(
    readonly baseUrl: string,
    readonly ip: string = uniqueIp(),
  ) {}

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { 'x-forwarded-for': this.ip, ...options.headers };
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.cookie) headers.cookie = options.cookie;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      redirect: 'manual',
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: body as T, headers: response.headers, text };
  }

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = any>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('POST', path, { ...options, body });
  }
  patch<T = any>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('PATCH', path, { ...options, body });
  }
  put<T = any>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('PUT', path, { ...options, body });
  }
  delete<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }
}

export async function client(ip?: string): Promise<Client> {
  const server = await testServer();
  return new Client(server.url, ip);
}

export const STRONG_PASSWORD = 'correct horse battery staple';

/** Registers through the API and signs in; `verified` marks the email verified through the real email link. */
export async function signedInUser(
  options: { role?: 'student' | 'tutor'; verified?: boolean; name?: string } = {},
): Promise<{ api: Client; email: string; password: string; user: any; accessToken: string; refreshToken: string; cookie: string }> {
  const api = await client();
  const email = uniqueEmail(options.role ?? 'student');
  const registered = await api.post('/api/v1/auth/register', {
    email,
    password: STRONG_PASSWORD,
    name: options.name ?? 'Test User',
    role: options.role ?? 'student',
  });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${registered.text}`);
  if (options.verified) {
    await useWorkers();
    const { linkToken } = await import('./mailbox.ts');
    const mail = await mailbox.waitFor((m) => m.to.includes(email) && m.subject.includes('Verify'));
    const verified = await api.post('/api/v1/auth/verify-email', { token: linkToken(mail, '/verify-email') });
    if (verified.status !== 200) throw new Error(`verify failed: ${verified.status} ${verified.text}`);
  }
  const login = await api.post('/api/v1/auth/login', { email, password: STRONG_PASSWORD });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { api, email, password: STRONG_PASSWORD, user: login.body.user, accessToken: login.body.accessToken, refreshToken: login.body.refreshToken, cookie };
}
