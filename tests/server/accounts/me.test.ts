import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { createHmac } from 'node:crypto';
import { redis } from '../../../server/redis.ts';
import { API, client, expectError, expectUserShape, login, me, register } from './helpers.ts';
import { hashToken } from '../../../server/lib/tokens.ts';

// bunfig's [test] timeout is not a Bun setting: the default is 5 s, too short for mail round trips under load.
setDefaultTimeout(20_000);

const SECRET = process.env.SECRET_KEY!;

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8'));
}

function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string, hash: 'sha256' | 'sha512'): string {
  const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${unsigned}.${createHmac(hash, secret).update(unsigned).digest('base64url')}`;
}

async function signedIn() {
  const registered = await register({ timezone: 'Europe/Paris' });
  const session = await login(registered.email, registered.password);
  return { ...registered, ...session };
}

describe('GET /me', () => {
  test('200 with exactly the user shape, by Bearer token and by cookie', async () => {
    const { user, accessToken, cookie } = await signedIn();
    const api = await client();
    const byToken = await me(api, { token: accessToken });
    expect(byToken.status).toBe(200);
    expectUserShape(byToken.body);
    expect(byToken.body).toEqual(user);
    const byCookie = await me(api, { cookie });
    expect(byCookie.status).toBe(200);
    expect(byCookie.body).toEqual(user);
  });

  test('401 with the error body without authentication', async () => {
    const api = await client();
    const reply = await me(api, {});
    expectError(reply, 401, 'unauthorized');
    expect(reply.body.error.fields).toBeUndefined();
  });

  test('401 for a malformed Authorization header or an unknown cookie', async () => {
    const api = await client();
    expectError(await api.get(`${API}/me`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401, 'unauthorized');
    expectError(await api.get(`${API}/me`, { headers: { authorization: 'Bearer' } }), 401, 'unauthorized');
    expectError(await api.get(`${API}/me`, { token: 'not.a.jwt' }), 401, 'unauthorized');
    expectError(await me(api, { cookie: 'session=abcdefghijklmnopqrstuvwxyz234567' }), 401, 'unauthorized');
  });

  test('401 for a tampered JWT (payload changed, signature kept)', async () => {
    const { accessToken } = await signedIn();
    const other = await signedIn();
    const [header, , signature] = accessToken.split('.');
    // Claim the other user's identity and session under the first token's signature.
    const payload = { ...decodePart(accessToken, 1), sub: other.user.id, sid: decodePart(other.accessToken, 1).sid };
    const tampered = `${header}.${b64url(JSON.stringify(payload))}.${signature}`;
    const api = await client();
    expectError(await me(api, { token: tampered }), 401, 'unauthorized');
    // And a flipped signature character.
    const flipped = accessToken.slice(0, -2) + (accessToken.at(-2) === 'A' ? 'B' : 'A') + accessToken.at(-1);
    expectError(await me(api, { token: flipped }), 401, 'unauthorized');
  });

  test('401 for alg "none", HS512 with the real secret, and HS256 with another secret', async () => {
    const { accessToken } = await signedIn();
    const payload = decodePart(accessToken, 1);
    const api = await client();
    // Sanity: the real token works, so the refusals below are about the signature only.
    expect((await me(api, { token: accessToken })).status).toBe(200);

    const none = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}.`;
    expectError(await me(api, { token: none }), 401, 'unauthorized');
    const noneNoDot = none.slice(0, -1);
    expectError(await me(api, { token: noneNoDot }), 401, 'unauthorized');

    const hs512 = signJwt({ alg: 'HS512', typ: 'JWT' }, payload, SECRET, 'sha512');
    expectError(await me(api, { token: hs512 }), 401, 'unauthorized');

    const otherSecret = signJwt({ alg: 'HS256', typ: 'JWT' }, payload, 'another-secret-that-is-also-long-enough-42', 'sha256');
    expectError(await me(api, { token: otherSecret }), 401, 'unauthorized');
  });

  test('401 for an expired access token signed with the real key', async () => {
    const { accessToken } = await signedIn();
    const payload = { ...decodePart(accessToken, 1), iat: Math.floor(Date.now() / 1000) - 3600, exp: Math.floor(Date.now() / 1000) - 60 };
    const expired = signJwt({ alg: 'HS256', typ: 'JWT' }, payload, SECRET, 'sha256');
    const api = await client();
    expectError(await me(api, { token: expired }), 401, 'unauthorized');
  });
});

describe('PATCH /me', () => {
  test('200 with the updated user; GET reflects it at once', async () => {
    const { accessToken, cookie, user } = await signedIn();
    const api = await client();
    // Warm the session cache so the update has to invalidate it.
    expect((await me(api, { token: accessToken })).body.name).toBe(user.name);
    expect((await me(api, { cookie })).body.timezone).toBe('Europe/Paris');

    const reply = await api.patch(`${API}/me`, { name: '  Ada   King  ', timezone: 'Asia/Tokyo' }, { token: accessToken });
    expect(reply.status).toBe(200);
    expectUserShape(reply.body);
    expect(reply.body).toEqual({ ...user, name: 'Ada King', timezone: 'Asia/Tokyo' });

    expect((await me(api, { token: accessToken })).body).toEqual(reply.body);
    expect((await me(api, { cookie })).body).toEqual(reply.body);
  });

  test('other sessions of the user see the change at once too', async () => {
    const first = await signedIn();
    const second = await login(first.email, first.password);
    const api = await client();
    expect((await me(api, { token: second.accessToken })).body.name).toBe(first.user.name);
    expect((await api.patch(`${API}/me`, { name: 'Renamed Person' }, { token: first.accessToken })).status).toBe(200);
    expect((await me(api, { token: second.accessToken })).body.name).toBe('Renamed Person');
  });

  test('only the given fields change', async () => {
    const { accessToken, user } = await signedIn();
    const api = await client();
    const onlyZone = await api.patch(`${API}/me`, { timezone: 'America/Sao_Paulo' }, { token: accessToken });
    expect(onlyZone.status).toBe(200);
    expect(onlyZone.body.name).toBe(user.name);
    expect(onlyZone.body.timezone).toBe('America/Sao_Paulo');
    const nothing = await api.patch(`${API}/me`, {}, { token: accessToken });
    expect(nothing.status).toBe(200);
    expect(nothing.body).toEqual(onlyZone.body);
  });

  test.each(['Mars/Base', '+01:00', 'utc+1', ''])('422 with fields.timezone for %p, and nothing changes', async (timezone) => {
    const { accessToken, user } = await signedIn();
    const api = await client();
    const reply = await api.patch(`${API}/me`, { timezone, name: 'Should Not Stick' }, { token: accessToken });
    expectError(reply, 422, 'validation_failed', ['timezone']);
    const after = await me(api, { token: accessToken });
    expect(after.body.timezone).toBe(user.timezone);
    expect(after.body.name).toBe(user.name);
  });

  test('422 for a blank or too long name', async () => {
    const { accessToken } = await signedIn();
    const api = await client();
    expectError(await api.patch(`${API}/me`, { name: '   ' }, { token: accessToken }), 422, 'validation_failed', ['name']);
    expectError(await api.patch(`${API}/me`, { name: 'x'.repeat(101) }, { token: accessToken }), 422, 'validation_failed', ['name']);
  });

  test('401 without authentication', async () => {
    const api = await client();
    expectError(await api.patch(`${API}/me`, { name: 'Nobody' }), 401, 'unauthorized');
  });
});

describe('POST /ws/ticket', () => {
  test('200 {ticket, expiresIn: 30}; a fresh ticket each time', async () => {
    const { accessToken, cookie } = await signedIn();
    const api = await client();
    const reply = await api.post(`${API}/ws/ticket`, undefined, { token: accessToken });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(['expiresIn', 'ticket']);
    expect(reply.body.expiresIn).toBe(30);
    expect(reply.body.ticket).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    const again = await api.post(`${API}/ws/ticket`, undefined, { cookie });
    expect(again.status).toBe(200);
    expect(again.body.ticket).not.toBe(reply.body.ticket);
    // Stored for at most 30 s (the WebSocket tests cover redeeming it).
    const ttl = await redis.ttl(`wst:${hashToken(reply.body.ticket)}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  test('401 without authentication, and after logout', async () => {
    const { accessToken } = await signedIn();
    const api = await client();
    expectError(await api.post(`${API}/ws/ticket`), 401, 'unauthorized');
    expect((await api.post(`${API}/auth/logout`, undefined, { token: accessToken })).status).toBe(204);
    expectError(await api.post(`${API}/ws/ticket`, undefined, { token: accessToken }), 401, 'unauthorized');
  });
});
