import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from '../../../db/client.ts';
import { account, signIn } from '../../support/admin.ts';
import { client } from '../../support/app.ts';
import { expectError, ISO_UTC } from '../accounts/helpers.ts';

// Each test signs several accounts in (argon2 hashing): generous under a loaded machine.
setDefaultTimeout(30_000);

const API = '/api/v1';

describe('GET /me/sessions', () => {
  test("lists the caller's live sessions with ip, user agent and the current one marked", async () => {
    const user = await account('student', { headers: { 'user-agent': 'FirstDevice/1.0' } });
    const otherApi = await client();
    const second = await signIn(otherApi, user.email, user.password, { 'user-agent': 'SecondDevice/2.0' });

    const reply = await user.api.get(`${API}/me/sessions`, { token: user.accessToken });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(['items', 'nextCursor']);
    expect(reply.body.nextCursor).toBeNull();
    expect(reply.body.items).toHaveLength(2);
    for (const item of reply.body.items) {
      expect(Object.keys(item).sort()).toEqual(['createdAt', 'current', 'id', 'ip', 'lastUsedAt', 'userAgent']);
      expect(item.createdAt).toMatch(ISO_UTC);
      expect(item.lastUsedAt).toMatch(ISO_UTC);
    }
    // Newest first.
    const [newest, oldest] = reply.body.items;
    expect(newest).toMatchObject({ current: false, ip: otherApi.ip, userAgent: 'SecondDevice/2.0' });
    expect(oldest).toMatchObject({ current: true, ip: user.api.ip, userAgent: 'FirstDevice/1.0' });

    // From the other session, the other one is current; the ids are the same.
    const fromSecond = await otherApi.get(`${API}/me/sessions`, { cookie: second.cookie });
    expect(fromSecond.body.items.map((item: any) => [item.id, item.current])).toEqual([
      [newest.id, true],
      [oldest.id, false],
    ]);
  });

  test('ids are opaque: neither the token nor the stored token hash', async () => {
    const user = await account('student');
    const reply = await user.api.get(`${API}/me/sessions`, { token: user.accessToken });
    const stored = await sql<{ id: string }[]>`select id from sessions where user_id = ${user.id}`;
    const id = reply.body.items[0].id as string;
    expect(stored.map((row) => row.id)).not.toContain(id);
    expect(user.cookie).not.toContain(id);
  });

  test('revoked sessions are not listed; other users never see them', async () => {
    const user = await account('student');
    const second = await signIn(await client(), user.email, user.password);
    expect((await second.api.post(`${API}/auth/logout`, undefined, { token: second.accessToken })).status).toBe(204);
    const reply = await user.api.get(`${API}/me/sessions`, { token: user.accessToken });
    expect(reply.body.items).toHaveLength(1);
    expect(reply.body.items[0].current).toBe(true);

    const stranger = await account('student');
    const theirs = await stranger.api.get(`${API}/me/sessions`, { token: stranger.accessToken });
    expect(theirs.body.items.map((item: any) => item.id)).not.toContain(reply.body.items[0].id);
  });

  test('pages with limit and cursor without repeating or skipping; an unknown cursor is 400', async () => {
    const user = await account('student');
    for (let index = 0; index < 4; index++) await signIn(await client(), user.email, user.password);
    const all = await user.api.get(`${API}/me/sessions?limit=100`, { token: user.accessToken });
    expect(all.body.items).toHaveLength(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await user.api.get(`${API}/me/sessions?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: user.accessToken });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item: any) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.body.items.map((item: any) => item.id));
    expectError(await user.api.get(`${API}/me/sessions?cursor=bogus`, { token: user.accessToken }), 400, 'invalid_cursor');
  });

  test('401 without authentication', async () => {
    expectError(await (await client()).get(`${API}/me/sessions`), 401, 'unauthorized');
  });
});

describe('DELETE /me/sessions/{id}', () => {
  test("204; that session's access token, cookie and refresh token stop working at once; the caller's keeps working", async () => {
    const user = await account('student');
    const other = await signIn(await client(), user.email, user.password);
    // Warm the session cache: the revocation must be seen anyway.
    expect((await other.api.get(`${API}/me`, { token: other.accessToken })).status).toBe(200);
    expect((await other.api.get(`${API}/me`, { cookie: other.cookie })).status).toBe(200);

    const list = await user.api.get(`${API}/me/sessions`, { token: user.accessToken });
    const target = list.body.items.find((item: any) => !item.current);
    const reply = await user.api.delete(`${API}/me/sessions/${target.id}`, { token: user.accessToken });
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');

    expectError(await other.api.get(`${API}/me`, { token: other.accessToken }), 401, 'unauthorized');
    expectError(await other.api.get(`${API}/me`, { cookie: other.cookie }), 401, 'unauthorized');
    expectError(await other.api.post(`${API}/auth/refresh`, { refreshToken: other.refreshToken }), 401, 'invalid_token');
    expect((await user.api.get(`${API}/me`, { token: user.accessToken })).status).toBe(200);

    const after = await user.api.get(`${API}/me/sessions`, { token: user.accessToken });
    expect(after.body.items.map((item: any) => item.id)).not.toContain(target.id);
    // Deleting it again: it is gone.
    expectError(await user.api.delete(`${API}/me/sessions/${target.id}`, { token: user.accessToken }), 404, 'not_found');
  });

  test('the current session can be signed out too (and its cookie is cleared)', async () => {
    const user = await account('student');
    const list = await user.api.get(`${API}/me/sessions`, { cookie: user.cookie });
    const reply = await user.api.delete(`${API}/me/sessions/${list.body.items[0].id}`, { cookie: user.cookie });
    expect(reply.status).toBe(204);
    expect((reply.headers.get('set-cookie') ?? '').toLowerCase()).toMatch(/^session=;.*max-age=0/);
    expectError(await user.api.get(`${API}/me`, { cookie: user.cookie }), 401, 'unauthorized');
    expectError(await user.api.get(`${API}/me`, { token: user.accessToken }), 401, 'unauthorized');
  });

  test("404 for an unknown id and for another user's session (which keeps working)", async () => {
    const user = await account('student');
    const stranger = await account('student');
    const theirs = await stranger.api.get(`${API}/me/sessions`, { token: stranger.accessToken });
    expectError(await user.api.delete(`${API}/me/sessions/${theirs.body.items[0].id}`, { token: user.accessToken }), 404, 'not_found');
    expectError(await user.api.delete(`${API}/me/sessions/unknown-session-id`, { token: user.accessToken }), 404, 'not_found');
    expect((await stranger.api.get(`${API}/me`, { token: stranger.accessToken })).status).toBe(200);
  });

  test('401 without authentication', async () => {
    expectError(await (await client()).delete(`${API}/me/sessions/anything`), 401, 'unauthorized');
  });
});
