import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { db } from '../../../db/client.ts';
import { notify } from '../../../server/modules/notifications/service.ts';
import { ISO_UTC, expectError } from '../accounts/helpers.ts';
import { client } from '../../support/app.ts';
import { API, admin, pendingTutor, student, type Account } from '../../support/factories.ts';

// Each test signs several users in (argon2 hashing): allow for a busy machine.
setDefaultTimeout(60_000);

const KEYS = ['body', 'category', 'createdAt', 'data', 'id', 'readAt', 'title'].sort();

async function seed(account: Account, count: number, category: 'booking' | 'message' = 'message'): Promise<string[]> {
  const ids: string[] = [];
  // One at a time: ids are time-ordered, so the order of creation is the order of the list.
  for (let index = 0; index < count; index++) {
    ids.push(...(await notify(db, [{ userId: account.id, category, title: `Title ${index}`, body: `Body ${index}`, data: { index } }])));
  }
  return ids;
}

const list = (account: Account, query = '') => account.api.get(`${API}/notifications${query}`, { token: account.token });

describe('GET /notifications', () => {
  test('the caller’s notifications, newest first, in the contract shape', async () => {
    const me = await student();
    const other = await student();
    const ids = await seed(me, 3);
    await seed(other, 2);
    const reply = await list(me);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(['items', 'nextCursor']);
    expect(reply.body.items.map((item: any) => item.id)).toEqual([...ids].reverse());
    expect(reply.body.nextCursor).toBeNull();
    const [newest] = reply.body.items;
    expect(Object.keys(newest).sort()).toEqual(KEYS);
    expect(newest).toMatchObject({ category: 'message', title: 'Title 2', body: 'Body 2', data: { index: 2 }, readAt: null });
    expect(newest.createdAt).toMatch(ISO_UTC);
  });

  test('pages with limit and cursor; 400 for an unknown cursor', async () => {
    const me = await student();
    const ids = await seed(me, 5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const reply: any = await list(me, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(reply.status).toBe(200);
      seen.push(...reply.body.items.map((item: any) => item.id));
      cursor = reply.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expectError(await list(me, '?cursor=bogus'), 400, 'invalid_cursor');
  });

  test('401 anonymous', async () => {
    expectError(await (await client()).get(`${API}/notifications`), 401, 'unauthorized');
  });
});

describe('POST /notifications/{id}/read', () => {
  test('204 marks one read; ?unread=true no longer lists it; reading twice keeps the first time', async () => {
    const me = await student();
    const [first, second] = await seed(me, 2);
    const reply = await me.api.post(`${API}/notifications/${first}/read`, undefined, { token: me.token });
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
    const unread = await list(me, '?unread=true');
    expect(unread.body.items.map((item: any) => item.id)).toEqual([second]);
    const all = await list(me);
    const read = all.body.items.find((item: any) => item.id === first);
    expect(read.readAt).toMatch(ISO_UTC);
    expect((await me.api.post(`${API}/notifications/${first}/read`, undefined, { token: me.token })).status).toBe(204);
    expect((await list(me)).body.items.find((item: any) => item.id === first).readAt).toBe(read.readAt);
  });

  test('404 for someone else’s notification (and it stays unread), unknown ids and malformed ids; 401 anonymous', async () => {
    const me = await student();
    const other = await student();
    const [theirs] = await seed(other, 1);
    expectError(await me.api.post(`${API}/notifications/${theirs}/read`, undefined, { token: me.token }), 404, 'not_found');
    expect((await list(other, '?unread=true')).body.items.map((item: any) => item.id)).toEqual([theirs]);
    expectError(await me.api.post(`${API}/notifications/0190a3c4-0000-7000-8000-000000000000/read`, undefined, { token: me.token }), 404, 'not_found');
    expectError(await me.api.post(`${API}/notifications/nope/read`, undefined, { token: me.token }), 404, 'not_found');
    expectError(await (await client()).post(`${API}/notifications/${theirs}/read`), 401, 'unauthorized');
  });
});

describe('POST /notifications/read-all', () => {
  test('204 marks all of mine read and nobody else’s', async () => {
    const me = await student();
    const other = await student();
    await seed(me, 3);
    await seed(other, 2);
    const reply = await me.api.post(`${API}/notifications/read-all`, undefined, { token: me.token });
    expect(reply.status).toBe(204);
    expect((await list(me, '?unread=true')).body.items).toEqual([]);
    expect((await list(me)).body.items.every((item: any) => item.readAt !== null)).toBe(true);
    expect((await list(other, '?unread=true')).body.items).toHaveLength(2);
    expectError(await (await client()).post(`${API}/notifications/read-all`), 401, 'unauthorized');
  });
});

describe('tutor approval notifications', () => {
  test('approval creates one unread tutor_approval notification the tutor can read', async () => {
    const boss = await admin();
    const candidate = await pendingTutor();
    await boss.api.post(`${API}/admin/tutors/${candidate.id}/approve`, undefined, { token: boss.token });
    const unread = await list(candidate, '?unread=true');
    expect(unread.body.items).toHaveLength(1);
    const [notification] = unread.body.items;
    expect(notification).toMatchObject({ category: 'tutor_approval', data: { status: 'approved' }, readAt: null });
    expect((await candidate.api.post(`${API}/notifications/${notification.id}/read`, undefined, { token: candidate.token })).status).toBe(204);
    expect((await list(candidate, '?unread=true')).body.items).toEqual([]);
  });
});
