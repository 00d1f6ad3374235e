/**
 * The contract's error format across the platform: every failure is `{error: {code, message, fields?}}` with the
 * matching status, and every response carries X-Request-Id.
 * Not covered here: 500 (no route can be made to fail from outside; a route-level test belongs to the lead) and
 * invalid query/path parameters (no account route takes any).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { client, uniqueEmail } from '../../support/app.ts';
import { API, expectError } from '../accounts/helpers.ts';

// bunfig's [test] timeout is not a Bun setting: the default is 5 s, too short for mail round trips under load.
setDefaultTimeout(20_000);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ONE_MB = 1024 * 1024;

function jsonOver(bytes: number): string {
  return JSON.stringify({ email: 'big@example.test', password: 'x'.repeat(bytes) });
}

describe('400 malformed request', () => {
  test.each([
    ['truncated JSON', '{"email":'],
    ['not JSON at all', 'email=a@b.cd&password=x'],
    ['a trailing comma', '{"email":"a@b.cd","password":"0123456789",}'],
  ])('%s answers 400 invalid_json', async (_label, raw) => {
    const api = await client();
    const reply = await api.request('POST', `${API}/auth/login`, { raw, headers: { 'content-type': 'application/json' } });
    expectError(reply, 400, 'invalid_json', ['body']);
    expect(reply.body.error.fields).toEqual({ body: 'is not valid JSON' });
    expect(reply.body.error.message).not.toMatch(/SyntaxError|at .*\.ts|node_modules/);
  });
});

describe('404 unknown routes', () => {
  test.each([
    ['GET', `${API}/no-such-route`],
    ['POST', `${API}/no/such/route`],
    ['GET', `${API}/auth`],
    ['DELETE', `${API}/auth/login`],
    ['GET', '/api/v2/me'],
  ])('%s %s answers 404 not_found as JSON', async (method, path) => {
    const api = await client();
    const reply = await api.request(method, path);
    expectError(reply, 404, 'not_found');
    expect(reply.headers.get('x-request-id')).toBeTruthy();
  });
});

describe('413 payload too large', () => {
  test('a JSON body over 1 MB (with Content-Length) answers 413 payload_too_large', async () => {
    const api = await client();
    const reply = await api.request('POST', `${API}/auth/login`, { raw: jsonOver(ONE_MB + 100), headers: { 'content-type': 'application/json' } });
    expectError(reply, 413, 'payload_too_large');
  });

  test('a JSON body over 1 MB sent chunked (no Content-Length) answers 413 too', async () => {
    const api = await client();
    const bytes = new TextEncoder().encode(jsonOver(2 * ONE_MB));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 64 * 1024) controller.enqueue(bytes.slice(offset, offset + 64 * 1024));
        controller.close();
      },
    });
    const reply = await api.request('POST', `${API}/auth/login`, { raw: stream, headers: { 'content-type': 'application/json' } });
    expectError(reply, 413, 'payload_too_large');
  });

  test('a JSON body under 1 MB is not refused for its size', async () => {
    const api = await client();
    const reply = await api.request('POST', `${API}/auth/login`, { raw: jsonOver(ONE_MB - 1000), headers: { 'content-type': 'application/json' } });
    expectError(reply, 422, 'validation_failed', ['password']);
  });
});

describe('415 unsupported media type', () => {
  test.each(['text/plain', 'application/x-www-form-urlencoded'])('a %s body to a JSON route answers 415', async (type) => {
    const api = await client();
    const reply = await api.request('POST', `${API}/auth/login`, { raw: 'email=a@b.cd&password=0123456789', headers: { 'content-type': type } });
    expectError(reply, 415, 'unsupported_media_type');
  });

  test('application/json with a charset is accepted', async () => {
    const api = await client();
    const reply = await api.request('POST', `${API}/auth/login`, {
      raw: JSON.stringify({ email: uniqueEmail('nobody'), password: 'whatever it is' }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expectError(reply, 401, 'invalid_credentials');
  });
});

describe('422 invalid body', () => {
  test('validation_failed with a field per invalid or missing property, as dotted paths', async () => {
    const api = await client();
    const reply = await api.post(`${API}/auth/register`, { email: 'nope', password: 5, role: 'wizard' });
    expectError(reply, 422, 'validation_failed', ['email', 'password', 'name', 'role']);
    for (const key of Object.keys(reply.body.error.fields)) expect(key).toMatch(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/);
  });

  test('a JSON body that is not an object answers 400 or 422 in the error format', async () => {
    const api = await client();
    for (const raw of ['[]', '"text"', '42', 'null']) {
      const reply = await api.request('POST', `${API}/auth/login`, { raw, headers: { 'content-type': 'application/json' } });
      expect([400, 422]).toContain(reply.status);
      expectError(reply, reply.status, reply.status === 400 ? 'invalid_json' : 'validation_failed');
    }
  });
});

describe('X-Request-Id', () => {
  test('every response carries one, whatever the status', async () => {
    const api = await client();
    const replies = await Promise.all([
      api.get('/health/live'),
      api.get('/health/ready'),
      api.get('/swagger/json'),
      api.get(`${API}/me`),
      api.get(`${API}/nothing-here`),
      api.post(`${API}/auth/login`, {}),
      api.post(`${API}/auth/login`, { email: uniqueEmail('nobody'), password: 'whatever it is' }),
      api.request('POST', `${API}/auth/login`, { raw: '{', headers: { 'content-type': 'application/json' } }),
      api.request('POST', `${API}/auth/login`, { raw: '{}', headers: { 'content-type': 'text/plain' } }),
      api.request('POST', `${API}/auth/login`, { raw: jsonOver(ONE_MB + 1), headers: { 'content-type': 'application/json' } }),
      api.post(`${API}/auth/resend-verification`, { email: uniqueEmail('nobody') }),
    ]);
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 401, 404, 422, 401, 400, 415, 413, 202]);
    const ids = replies.map((reply) => reply.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('a well-formed incoming X-Request-Id is kept; a malformed one is replaced', async () => {
    const api = await client();
    const kept = await api.get(`${API}/me`, { headers: { 'x-request-id': 'trace-1234abcd' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-1234abcd');
    const replaced = await api.get('/health/live', { headers: { 'x-request-id': 'bad id <script>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(UUID);
  });
});

describe('health', () => {
  test('/health/live answers 200', async () => {
    const reply = await (await client()).get('/health/live');
    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('ok');
  });

  test('/health/ready answers 200 when Postgres and Redis answer', async () => {
    const reply = await (await client()).get('/health/ready');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'ok', postgres: 'ok', redis: 'ok' });
  });
});
