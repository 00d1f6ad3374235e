/**
 * Admins for tests: registered through the API like anyone, promoted in the database (as ADMIN_EMAIL is at start),
 * then signed in through the API.
 */
import { sql } from '../../db/client.ts';
import { STRONG_PASSWORD, client, uniqueEmail, type Client } from './app.ts';

export type SignedInAccount = {
  api: Client;
  id: string;
  email: string;
  password: string;
  user: any;
  accessToken: string;
  refreshToken: string;
  cookie: string;
};

/** `session=<token>` from a login reply's Set-Cookie. */
export function cookieFrom(headers: Headers): string {
  return (headers.get('set-cookie') ?? '').split(';')[0]!.trim();
}

export async function signIn(api: Client, email: string, password: string, headers?: Record<string, string>): Promise<SignedInAccount> {
  const login = await api.post('/api/v1/auth/login', { email, password }, { headers });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return {
    api,
    id: login.body.user.id,
    email,
    password,
    user: login.body.user,
    accessToken: login.body.accessToken,
    refreshToken: login.body.refreshToken,
    cookie: cookieFrom(login.headers),
  };
}

/** A signed-in account of any role (students and tutors through the API; admins promoted in the database). */
export async function account(role: 'student' | 'tutor' | 'admin', options: { name?: string; headers?: Record<string, string> } = {}): Promise<SignedInAccount> {
  const api = await client();
  const email = uniqueEmail(role);
  const registered = await api.post(
    '/api/v1/auth/register',
    { email, password: STRONG_PASSWORD, name: options.name ?? `Test ${role}`, role: role === 'admin' ? 'student' : role },
    { headers: options.headers },
  );
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${registered.text}`);
  if (role === 'admin') await sql`update users set role = 'admin', email_verified_at = now() where email = ${email}`;
  return signIn(api, email, STRONG_PASSWORD, options.headers);
}

export const signedInAdmin = (options: { name?: string; headers?: Record<string, string> } = {}) => account('admin', options);
