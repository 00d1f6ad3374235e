import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { API, client, expectError, login, me, register } from './helpers.ts';

// bunfig's [test] timeout is not a Bun setting: the default is 5 s, too short for mail round trips under load.
setDefaultTimeout(20_000);

describe('POST /auth/logout', () => {
  test('204; the access token, the cookie and the refresh token of that session stop working at once', async () => {
    const { email, password } = await register();
    const session = await login(email, password);
    const api = await client();
    // Warm the session cache first: the revocation must be seen anyway, with no waiting.
    expect((await me(api, { token: session.accessToken })).status).toBe(200);
    expect((await me(api, { cookie: session.cookie })).status).toBe(200);

    const reply = await api.post(`${API}/auth/logout`, undefined, { token: session.accessToken });
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');

    expectError(await me(api, { token: session.accessToken }), 401, 'unauthorized');
    expectError(await me(api, { cookie: session.cookie }), 401, 'unauthorized');
    expectError(await api.post(`${API}/auth/refresh`, { refreshToken: session.refreshToken }), 401, 'invalid_token');
  });

  test('clears the session cookie', async () => {
    const { email, password } = await register();
    const session = await login(email, password);
    const api = await client();
    const reply = await api.post(`${API}/auth/logout`, undefined, { cookie: session.cookie });
    expect(reply.status).toBe(204);
    const header = (reply.headers.get('set-cookie') ?? '').toLowerCase();
    expect(header).toMatch(/^session=;/);
    expect(header.includes('max-age=0') || /expires=thu, 01 jan 1970/.test(header)).toBe(true);
    expect(header).toContain('path=/');
  });

  test('logging out with the cookie ends the session for its access token too', async () => {
    const { email, password } = await register();
    const session = await login(email, password);
    const api = await client();
    expect((await me(api, { token: session.accessToken })).status).toBe(200);
    expect((await api.post(`${API}/auth/logout`, undefined, { cookie: session.cookie })).status).toBe(204);
    expectError(await me(api, { token: session.accessToken }), 401, 'unauthorized');
    expectError(await me(api, { cookie: session.cookie }), 401, 'unauthorized');
  });

  test('other sessions of the same user keep working', async () => {
    const { email, password } = await register();
    const first = await login(email, password);
    const second = await login(email, password);
    const api = await client();
    expect((await api.post(`${API}/auth/logout`, undefined, { token: first.accessToken })).status).toBe(204);
    expect((await me(api, { token: second.accessToken })).status).toBe(200);
    expect((await me(api, { cookie: second.cookie })).status).toBe(200);
  });

  test('a second logout with the same token answers 401', async () => {
    const { email, password } = await register();
    const session = await login(email, password);
    const api = await client();
    expect((await api.post(`${API}/auth/logout`, undefined, { token: session.accessToken })).status).toBe(204);
    expectError(await api.post(`${API}/auth/logout`, undefined, { token: session.accessToken }), 401, 'unauthorized');
  });

  test('401 without authentication', async () => {
    const api = await client();
    expectError(await api.post(`${API}/auth/logout`), 401, 'unauthorized');
  });
});
