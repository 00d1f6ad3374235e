/**
 * Factories for tests: users of each role signed in through the real API, tutor profiles in each approval state,
 * and small files of the types uploads accept (and some they must refuse).
 */
import { sql } from '../../db/client.ts';
import { Client, STRONG_PASSWORD, client, signedInUser, uniqueEmail, type Reply } from './app.ts';

export const API = '/api/v1';

export type Account = { api: Client; id: string; email: string; name: string; token: string; cookie: string };

function accountOf(user: Awaited<ReturnType<typeof signedInUser>>): Account {
  return { api: user.api, id: user.user.id, email: user.email, name: user.user.name, token: user.accessToken, cookie: user.cookie };
}

/** A tutor, verified through the emailed link unless `verified: false`. */
export async function tutor(options: { verified?: boolean; name?: string } = {}): Promise<Account> {
  return accountOf(await signedInUser({ role: 'tutor', verified: options.verified ?? true, name: options.name ?? 'Tina Tutor' }));
}

export async function student(options: { verified?: boolean } = {}): Promise<Account> {
  return accountOf(await signedInUser({ role: 'student', verified: options.verified ?? false, name: 'Sam Student' }));
}

/** Registers, is promoted to admin in the database (as ADMIN_EMAIL would be), then signs in. */
export async function admin(options: { userAgent?: string } = {}): Promise<Account> {
  const api = await client();
  const email = uniqueEmail('admin');
  const registered = await api.post(`${API}/auth/register`, { email, password: STRONG_PASSWORD, name: 'Ada Admin', role: 'student' });
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${registered.text}`);
  await sql`update users set role = 'admin', email_verified_at = now() where email = ${email}`;
  const headers = options.userAgent ? { 'user-agent': options.userAgent } : undefined;
  const login = await api.post(`${API}/auth/login`, { email, password: STRONG_PASSWORD }, { headers });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { api, id: login.body.user.id, email, name: 'Ada Admin', token: login.body.accessToken, cookie };
}

// Files

const bytes = (...parts: Array<number[] | string>): Uint8Array<ArrayBuffer> =>
  new Uint8Array(parts.flatMap((part) => (typeof part === 'string' ? [...new TextEncoder().encode(part)] : part)));

export const PDF = bytes('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
export const PNG = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0, 0, 0, 13], 'IHDR', [0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]);
export const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', [0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]);
/** The start of a Linux executable. */
export const ELF = bytes([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00], new Array(56).fill(0));
export const HTML = bytes('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>');

/** A PDF of `size` bytes (a valid header, then padding). */
export function pdfOfSize(size: number): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(size);
  data.set(PDF.subarray(0, Math.min(PDF.length, size)));
  return data;
}

export async function upload(
  account: Account,
  file: { bytes: Uint8Array<ArrayBuffer>; name: string; type?: string },
  kind: string = 'cv',
): Promise<Reply> {
  const form = new FormData();
  form.append('kind', kind);
  form.append('file', new File([file.bytes as Uint8Array<ArrayBuffer>], file.name, { type: file.type ?? 'application/octet-stream' }));
  return account.api.request('POST', `${API}/tutors/me/documents`, { raw: form, token: account.token });
}

// Tutor profiles

export function profileBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    headline: 'Patient maths tutor for high-school and university students',
    bio: 'I have taught calculus and algebra for ten years.',
    subjects: ['Mathematics', 'Physics'],
    hourlyRate: { amount: 3500, currency: 'USD' },
    languages: ['en', 'de'],
    country: 'DE',
    city: 'Berlin',
    online: true,
    inPerson: false,
    ...overrides,
  };
}

function expectStatus(reply: Reply, status: number, what: string): Reply {
  if (reply.status !== status) throw new Error(`${what}: expected ${status}, got ${reply.status} ${reply.text}`);
  return reply;
}

/** A tutor with a complete profile, a CV and a certificate, not yet submitted. */
export async function completeTutor(options: { profile?: Record<string, unknown>; name?: string } = {}): Promise<Account & { documents: any[] }> {
  const account = await tutor({ name: options.name });
  expectStatus(await account.api.put(`${API}/tutors/me`, profileBody(options.profile), { token: account.token }), 200, 'profile');
  const cv = expectStatus(await upload(account, { bytes: PDF, name: 'cv.pdf', type: 'application/pdf' }, 'cv'), 201, 'cv');
  const certificate = expectStatus(await upload(account, { bytes: PNG, name: 'diploma.png', type: 'image/png' }, 'certificate'), 201, 'certificate');
  return { ...account, documents: [cv.body, certificate.body] };
}

/** A tutor whose complete profile waits for review. */
export async function pendingTutor(options: { profile?: Record<string, unknown>; name?: string } = {}): Promise<Account & { documents: any[] }> {
  const account = await completeTutor(options);
  expectStatus(await account.api.post(`${API}/tutors/me/submit`, undefined, { token: account.token }), 200, 'submit');
  return account;
}

/** An approved tutor; `rating` sets the review aggregates directly (reviews arrive with a later issue). */
export async function approvedTutor(
  options: { profile?: Record<string, unknown>; name?: string; reviewer?: Account; rating?: { sum: number; count: number } } = {},
): Promise<Account & { documents: any[] }> {
  const account = await pendingTutor(options);
  const reviewer = options.reviewer ?? (await admin());
  expectStatus(await reviewer.api.post(`${API}/admin/tutors/${account.id}/approve`, undefined, { token: reviewer.token }), 200, 'approve');
  if (options.rating) {
    await sql`update tutor_profiles set rating_sum = ${options.rating.sum}, rating_count = ${options.rating.count} where user_id = ${account.id}`;
  }
  return account;
}
