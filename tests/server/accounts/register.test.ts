import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from '../../../db/client.ts';
import {
  API,
  APP_URL,
  STRONG_PASSWORD,
  client,
  expectError,
  expectUserShape,
  nextMail,
  register,
  uniqueEmail,
  userRow,
} from './helpers.ts';

// bunfig's [test] timeout is not a Bun setting: the default is 5 s, too short for mail round trips under load.
setDefaultTimeout(20_000);

const valid = () => ({ email: uniqueEmail('reg'), password: STRONG_PASSWORD, name: 'Grace Hopper', role: 'tutor' });

describe('POST /auth/register', () => {
  test('201 with exactly the contract user shape, and a verification email with the web link', async () => {
    const api = await client();
    const body = { ...valid(), timezone: 'Europe/Berlin' };
    const startedAt = Date.now();
    const reply = await api.post(`${API}/auth/register`, body);

    expect(reply.status).toBe(201);
    expect(Object.keys(reply.body)).toEqual(['user']);
    const user = reply.body.user;
    expectUserShape(user);
    expect(user).toMatchObject({
      email: body.email,
      name: 'Grace Hopper',
      role: 'tutor',
      emailVerified: false,
      timezone: 'Europe/Berlin',
      photoUrl: null,
      twoFactorEnabled: false,
    });
    expect(Math.abs(Date.parse(user.createdAt) - startedAt)).toBeLessThan(60_000);
    expect(reply.headers.get('x-request-id')).toBeTruthy();

    const mail = await nextMail('verify', body.email);
    expect(mail.text).toContain(`${APP_URL}/verify-email?token=`);
    const token = new RegExp(`${APP_URL.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/verify-email\\?token=([^\\s"&<]+)`).exec(mail.text)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(mail.html).toContain(`${APP_URL}/verify-email?token=${token}`);
  });

  test('timezone defaults to UTC and the role student is accepted', async () => {
    const api = await client();
    const body = { ...valid(), role: 'student' };
    const reply = await api.post(`${API}/auth/register`, body);
    expect(reply.status).toBe(201);
    expect(reply.body.user.timezone).toBe('UTC');
    expect(reply.body.user.role).toBe('student');
  });

  test('the stored password is an argon2id hash, never the plaintext', async () => {
    const { email } = await register({ password: STRONG_PASSWORD });
    const row = await userRow(email);
    expect(row.password_hash.startsWith('$argon2id$')).toBe(true);
    expect(row.password_hash).not.toContain(STRONG_PASSWORD);
    // Nowhere else in the users row either.
    const [raw] = await sql`select row_to_json(users)::text as json from users where email = ${email}`;
    expect(raw!.json).not.toContain(STRONG_PASSWORD);
  });

  test('the email is stored trimmed and lower-cased', async () => {
    const api = await client();
    const email = uniqueEmail('mixed');
    const reply = await api.post(`${API}/auth/register`, { ...valid(), email: email.toUpperCase() });
    expect(reply.status).toBe(201);
    expect(reply.body.user.email).toBe(email);
    expect((await userRow(email)).email).toBe(email);
  });

  test('409 email_taken for the same email, also in another case', async () => {
    const { email } = await register();
    const api = await client();
    const again = await api.post(`${API}/auth/register`, { ...valid(), email });
    expectError(again, 409, 'email_taken');
    const upper = await api.post(`${API}/auth/register`, { ...valid(), email: email.toUpperCase() });
    expectError(upper, 409, 'email_taken');
    const [{ count }] = (await sql`select count(*)::int as count from users where email = ${email}`) as any;
    expect(count).toBe(1);
  });

  test('409 email_taken for the same email with surrounding whitespace', async () => {
    const { email } = await register();
    const api = await client();
    const padded = await api.post(`${API}/auth/register`, { ...valid(), email: `  ${email.toUpperCase()}  ` });
    expectError(padded, 409, 'email_taken');
  });

  test('422 weak_password for fewer than 10 characters', async () => {
    const api = await client();
    const body = { ...valid(), password: 'Xk3#pq9!z' };
    const reply = await api.post(`${API}/auth/register`, body);
    expectError(reply, 422, 'weak_password', ['password']);
    expect(await sql`select 1 from users where email = ${body.email}`).toHaveLength(0);
  });

  test.each(['password123', 'qwertyuiop', 'Password123'])('422 weak_password for the common password %p', async (password) => {
    const api = await client();
    const body = { ...valid(), password };
    const reply = await api.post(`${API}/auth/register`, body);
    expectError(reply, 422, 'weak_password', ['password']);
    expect(await sql`select 1 from users where email = ${body.email}`).toHaveLength(0);
  });

  test('422 validation_failed naming every missing field', async () => {
    const api = await client();
    const reply = await api.post(`${API}/auth/register`, {});
    expectError(reply, 422, 'validation_failed', ['email', 'password', 'name', 'role']);
  });

  test('422 for an invalid email, naming the field', async () => {
    const api = await client();
    const reply = await api.post(`${API}/auth/register`, { ...valid(), email: 'not-an-email' });
    expectError(reply, 422, 'validation_failed', ['email']);
  });

  test('422 for a wrong type, naming the field', async () => {
    const api = await client();
    const reply = await api.post(`${API}/auth/register`, { ...valid(), name: 42 });
    expectError(reply, 422, 'validation_failed', ['name']);
  });

  test.each(['admin', 'teacher', ''])('422 for the role %p', async (role) => {
    const api = await client();
    const body = { ...valid(), role };
    const reply = await api.post(`${API}/auth/register`, body);
    expectError(reply, 422, 'validation_failed', ['role']);
    expect(await sql`select 1 from users where email = ${body.email}`).toHaveLength(0);
  });

  test.each(['Mars/Base', '+01:00', 'Europe/Nowhere'])('422 for the timezone %p', async (timezone) => {
    const api = await client();
    const body = { ...valid(), timezone };
    const reply = await api.post(`${API}/auth/register`, body);
    expectError(reply, 422, 'validation_failed', ['timezone']);
    expect(await sql`select 1 from users where email = ${body.email}`).toHaveLength(0);
  });

  test('422 for a blank name', async () => {
    const api = await client();
    const reply = await api.post(`${API}/auth/register`, { ...valid(), name: '   ' });
    expectError(reply, 422, 'validation_failed', ['name']);
  });
});
