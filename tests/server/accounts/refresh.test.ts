import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { API, client, expectError, login, me, register } from './helpers.ts';

// bunfig's [test] timeout is not a Bun setting: the default is 5 s, too short for mail round trips under load.
setDefaultTimeout(20_000);

const refresh = async (refreshToken: unknown) => (await client()).post(`${API}/auth/refresh`, { refreshToken });

describe('POST /auth/refresh', () => {
  test('returns a new pair that works; the presented refresh token stops working', async () => {
    const { email, password, user } = await register();
    const session = await login(email, password);

    const rotated = await refresh(session.refreshToken);
    expect(rotated.status).toBe(200);
    expect(Object.keys(rotated.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken']);
    expect(rotated.body.expiresIn).toBe(900);
    expect(rotated.body.refreshToken).not.toBe(session.refreshToken);
    expect(typeof rotated.body.accessToken).toBe('string');
    // Access tokens carry a random jti: even one issued for the same session in the same second differs.
    expect(rotated.body.accessToken).not.toBe(session.accessToken);

    const api = await client();
    const viaNew = await me(api, { token: rotated.body.accessToken });
    expect(viaNew.status).toBe(200);
    expect(viaNew.body.id).toBe(user.id);

    expectError(await refresh(session.refreshToken), 401, 'invalid_token');
  });

  test('rotation can continue along the chain', async () => {
    const { email, password } = await register();
    let token = (await login(email, password)).refreshToken;
    for (let index = 0; index < 3; index++) {
      const next = await refresh(token);
      expect(next.status).toBe(200);
      token = next.body.refreshToken;
    }
    expect((await me(await client(), { token: (await refresh(token)).body.accessToken })).status).toBe(200);
  });

  test('reusing a rotated token revokes the whole session: newest refresh token, access tokens and cookie all stop', async () => {
    const { email, password } = await register();
    const session = await login(email, password);
    const api = await client();
    // Warm the session cache so the revocation must also clear it.
    expect((await me(api, { token: session.accessToken })).status).toBe(200);
    expect((await me(api, { cookie: session.cookie })).status).toBe(200);

    const rotated = await refresh(session.refreshToken);
    expect(rotated.status).toBe(200);
    expect((await me(api, { token: rotated.body.accessToken })).status).toBe(200);

    // The stolen copy comes back.
    expectError(await refresh(session.refreshToken), 401, 'invalid_token');

    expectError(await refresh(rotated.body.refreshToken), 401, 'invalid_token');
    expectError(await me(api, { token: rotated.body.accessToken }), 401, 'unauthorized');
    expectError(await me(api, { token: session.accessToken }), 401, 'unauthorized');
    expectError(await me(api, { cookie: session.cookie }), 401, 'unauthorized');
  });

  test('reuse revokes only that session, not the user\'s other sessions', async () => {
    const { email, password } = await register();
    const first = await login(email, password);
    const second = await login(email, password);
    await refresh(first.refreshToken);
    await refresh(first.refreshToken);
    const api = await client();
    expect((await me(api, { token: first.accessToken })).status).toBe(401);
    expect((await me(api, { token: second.accessToken })).status).toBe(200);
    expect((await refresh(second.refreshToken)).status).toBe(200);
  });

  test('two concurrent refreshes with one token: at most one succeeds', async () => {
    const { email, password } = await register();
    const session = await login(email, password);
    const replies = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses).toContain(401);
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(1);
  });

  test('a garbage token answers 401 invalid_token', async () => {
    expectError(await refresh('this-is-not-a-refresh-token'), 401, 'invalid_token');
  });

  test('an access token is not a refresh token', async () => {
    const { email, password } = await register();
    const session = await login(email, password);
    expectError(await refresh(session.accessToken), 401, 'invalid_token');
  });

  test('a missing or non-string token is a validation error naming the field; an empty one is 401 invalid_token', async () => {
    const api = await client();
    expectError(await api.post(`${API}/auth/refresh`, {}), 422, 'validation_failed', ['refreshToken']);
    expectError(await refresh(''), 401, 'invalid_token');
    expectError(await refresh(12345), 422, 'validation_failed', ['refreshToken']);
  });
});
