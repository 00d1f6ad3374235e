import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  API,
  client,
  cookieOf,
  expectError,
  expectRateLimited,
  expectUserShape,
  me,
  register,
  uniqueEmail,
} from './helpers.ts';

// bunfig's [test] timeout is not a Bun setting: the default is 5 s, too short for mail round trips under load.
setDefaultTimeout(20_000);

const attempt = async (email: string, password: string) => (await client()).post(`${API}/auth/login`, { email, password });

describe('POST /auth/login', () => {
  test('200 {accessToken, refreshToken, expiresIn: 900, user}', async () => {
    const { api, email, password, user } = await register({ role: 'tutor', timezone: 'America/New_York' });
    const reply = await api.post(`${API}/auth/login`, { email, password });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'user']);
    expect(typeof reply.body.accessToken).toBe('string');
    expect(typeof reply.body.refreshToken).toBe('string');
    expect(reply.body.accessToken.length).toBeGreaterThan(20);
    expect(reply.body.refreshToken.length).toBeGreaterThan(20);
    expect(reply.body.refreshToken).not.toBe(reply.body.accessToken);
    expect(reply.body.expiresIn).toBe(900);
    expectUserShape(reply.body.user);
    expect(reply.body.user).toEqual(user);

    const viaToken = await me(api, { token: reply.body.accessToken });
    expect(viaToken.status).toBe(200);
    expect(viaToken.body).toEqual(user);
  });

  test('sets the session cookie HttpOnly, Secure, SameSite=Lax, Path=/', async () => {
    const { api, email, password } = await register();
    const reply = await api.post(`${API}/auth/login`, { email, password });
    expect(reply.status).toBe(200);
    const header = reply.headers.get('set-cookie') ?? '';
    const [pair, ...attributes] = header.split(';').map((part) => part.trim());
    expect(pair).toMatch(/^session=[^;\s]+$/);
    const lowered = attributes.map((attribute) => attribute.toLowerCase());
    expect(lowered).toContain('httponly');
    expect(lowered).toContain('secure');
    expect(lowered).toContain('samesite=lax');
    expect(lowered).toContain('path=/');
    // A persistent cookie, in the future.
    const expires = attributes.find((attribute) => attribute.toLowerCase().startsWith('expires='));
    const maxAge = attributes.find((attribute) => attribute.toLowerCase().startsWith('max-age='));
    expect(expires ?? maxAge).toBeDefined();
    if (expires) expect(Date.parse(expires.slice('expires='.length))).toBeGreaterThan(Date.now());
  });

  test('the cookie alone authenticates GET /me', async () => {
    const { email, password, user } = await register();
    const reply = await attempt(email, password);
    const other = await client();
    const viaCookie = await me(other, { cookie: cookieOf(reply) });
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.body.id).toBe(user.id);
  });

  test('the email is matched case-insensitively', async () => {
    const { email, password } = await register();
    expect((await attempt(email.toUpperCase(), password)).status).toBe(200);
  });

  test('wrong password and unknown email answer 401 invalid_credentials with identical bodies', async () => {
    const { email } = await register();
    const wrong = await attempt(email, 'not the right password at all');
    const unknown = await attempt(uniqueEmail('nobody'), 'not the right password at all');
    expectError(wrong, 401, 'invalid_credentials');
    expectError(unknown, 401, 'invalid_credentials');
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  test('422 for missing fields', async () => {
    const api = await client();
    expectError(await api.post(`${API}/auth/login`, {}), 422, 'validation_failed', ['email', 'password']);
  });

  test('the 10th failure in a row for an account is refused with 429 and Retry-After, even from different IPs', async () => {
    const { email, password } = await register();
    for (let index = 1; index <= 9; index++) {
      expectError(await attempt(email, `wrong password number ${index}`), 401, 'invalid_credentials');
    }
    expectRateLimited(await attempt(email, 'wrong password number 10'));
    // Locked: even the right password does not get in, so guessing cannot continue.
    expectRateLimited(await attempt(email, password));
    expect(Number((await attempt(email, password)).headers.get('retry-after'))).toBeLessThanOrEqual(900);
  });

  test('a successful sign-in resets the failure counter', async () => {
    const { email, password } = await register();
    for (let index = 1; index <= 8; index++) expect((await attempt(email, `wrong ${index} password`)).status).toBe(401);
    expect((await attempt(email, password)).status).toBe(200);
    for (let index = 1; index <= 9; index++) {
      expectError(await attempt(email, `again wrong ${index} password`), 401, 'invalid_credentials');
    }
    expectRateLimited(await attempt(email, 'again wrong 10 password'));
  });

  test('the failure counter of one account does not lock another', async () => {
    const locked = await register();
    const other = await register();
    for (let index = 1; index <= 10; index++) await attempt(locked.email, `wrong ${index} password`);
    expect((await attempt(locked.email, locked.password)).status).toBe(429);
    expect((await attempt(other.email, other.password)).status).toBe(200);
  });
});
