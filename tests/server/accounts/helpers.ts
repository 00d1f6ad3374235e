/**
 * Small helpers shared by the account tests: registering through the API, finding the emails the app sent,
 * asserting the contract's error body, and reading the few rows the tests check directly.
 */
import { expect } from 'bun:test';
import { sql } from '../../../db/client.ts';
import { client, mailbox, STRONG_PASSWORD, uniqueEmail, useWorkers, type Client, type Reply } from '../../support/app.ts';
import { linkToken, type Mail } from '../../support/mailbox.ts';

export const API = '/api/v1';
export const APP_URL = process.env.APP_URL!;

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** The contract's error body, exactly: `{error: {code, message, fields?}}` and nothing else. */
export function expectError(reply: Reply, status: number, code: string, fields?: string[]): void {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
  expect(Object.keys(reply.body).sort()).toEqual(['error']);
  const allowed = ['code', 'message', 'fields'];
  for (const key of Object.keys(reply.body.error)) expect(allowed).toContain(key);
  expect(typeof reply.body.error.message).toBe('string');
  expect(reply.body.error.message.length).toBeGreaterThan(0);
  expect(reply.headers.get('content-type') ?? '').toContain('application/json');
  if (fields) {
    expect(reply.body.error.fields).toBeDefined();
    for (const field of fields) {
      expect(typeof reply.body.error.fields[field]).toBe('string');
      expect(reply.body.error.fields[field].length).toBeGreaterThan(0);
    }
  }
  if (reply.body.error.fields !== undefined) {
    for (const [key, value] of Object.entries(reply.body.error.fields)) {
      expect(typeof key).toBe('string');
      expect(typeof value).toBe('string');
    }
  }
}

export function expectRateLimited(reply: Reply): void {
  expectError(reply, 429, 'rate_limited');
  const retryAfter = reply.headers.get('retry-after');
  expect(retryAfter).not.toBeNull();
  expect(retryAfter!).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThan(0);
}

/** The user shape of the contract, with nothing extra (no hashes, no secrets). */
export function expectUserShape(user: any): void {
  expect(Object.keys(user).sort()).toEqual(
    ['createdAt', 'email', 'emailVerified', 'id', 'name', 'photoUrl', 'role', 'timezone', 'twoFactorEnabled'].sort(),
  );
  expect(typeof user.id).toBe('string');
  expect(user.id.length).toBeGreaterThan(0);
  expect(typeof user.emailVerified).toBe('boolean');
  expect(typeof user.twoFactorEnabled).toBe('boolean');
  expect(user.createdAt).toMatch(ISO_UTC);
}

export type Registered = { api: Client; email: string; password: string; user: any; name: string };

export async function register(
  options: { email?: string; password?: string; name?: string; role?: 'student' | 'tutor'; timezone?: string; api?: Client } = {},
): Promise<Registered> {
  const api = options.api ?? (await client());
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? STRONG_PASSWORD;
  const name = options.name ?? 'Ada Lovelace';
  const body: Record<string, unknown> = { email, password, name, role: options.role ?? 'student' };
  if (options.timezone !== undefined) body.timezone = options.timezone;
  const reply = await api.post(`${API}/auth/register`, body);
  if (reply.status !== 201) throw new Error(`register failed: ${reply.status} ${reply.text}`);
  return { api, email, password, user: reply.body.user, name };
}

export type SignedIn = { accessToken: string; refreshToken: string; cookie: string; reply: Reply };

export async function login(email: string, password: string, api?: Client): Promise<SignedIn> {
  const caller = api ?? (await client());
  const reply = await caller.post(`${API}/auth/login`, { email, password });
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`);
  return { accessToken: reply.body.accessToken, refreshToken: reply.body.refreshToken, cookie: cookieOf(reply), reply };
}

/** `session=<token>` from a Set-Cookie header, ready for a Cookie header. */
export function cookieOf(reply: Reply): string {
  const header = reply.headers.get('set-cookie') ?? '';
  return header.split(';')[0]!.trim();
}

const SUBJECTS = { verify: 'Verify', reset: 'Reset your', changed: 'password was changed' } as const;
export type MailKind = keyof typeof SUBJECTS;

function isMail(kind: MailKind, email: string) {
  return (mail: Mail) => mail.to.includes(email.toLowerCase()) && mail.subject.includes(SUBJECTS[kind]);
}

export function mailsOf(kind: MailKind, email: string): Mail[] {
  return mailbox.messages.filter(isMail(kind, email));
}

/**
 * Waits for the mail of this kind that arrives after `seen` (the mails already known), so a test can tell a
 * resent email from the first one.
 */
export async function nextMail(kind: MailKind, email: string, seen: Mail[] = [], timeoutMs?: number): Promise<Mail> {
  await useWorkers();
  const matches = isMail(kind, email);
  return mailbox.waitFor((mail) => matches(mail) && !seen.includes(mail), timeoutMs);
}

export async function verifyToken(email: string, seen: Mail[] = []): Promise<string> {
  return linkToken(await nextMail('verify', email, seen), '/verify-email');
}

export async function resetToken(email: string, seen: Mail[] = []): Promise<string> {
  return linkToken(await nextMail('reset', email, seen), '/reset-password');
}

/** Waits a moment and asserts no further mail of this kind arrived (the worker runs in this process). */
export async function expectNoNewMail(kind: MailKind, email: string, seen: Mail[], waitMs = 600): Promise<void> {
  await Bun.sleep(waitMs);
  expect(mailsOf(kind, email).filter((mail) => !seen.includes(mail))).toHaveLength(0);
}

export async function userRow(email: string): Promise<{ id: string; password_hash: string; email_verified_at: string | null; email: string }> {
  const [row] = await sql<{ id: string; password_hash: string; email_verified_at: string | null; email: string }[]>`
    select id, password_hash, email_verified_at, email from users where email = ${email.trim().toLowerCase()}`;
  if (!row) throw new Error(`no user ${email}`);
  return row;
}

export async function expireEmailTokens(email: string, purpose: 'verify_email' | 'reset_password'): Promise<void> {
  const { id } = await userRow(email);
  await sql`update email_tokens set expires_at = now() - interval '1 minute' where user_id = ${id} and purpose = ${purpose}`;
}

export async function me(api: Client, auth: { token?: string; cookie?: string }): Promise<Reply> {
  return api.get(`${API}/me`, auth);
}

export { STRONG_PASSWORD, client, uniqueEmail, useWorkers, mailbox, linkToken };
