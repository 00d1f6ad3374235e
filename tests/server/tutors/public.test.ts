import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from '../../../db/client.ts';
import { expectError } from '../accounts/helpers.ts';
import { client } from '../../support/app.ts';
import { API, admin, approvedTutor, pendingTutor, profileBody, student, tutor } from '../../support/factories.ts';

// Each test signs several users in (argon2 hashing): allow for a busy machine.
setDefaultTimeout(60_000);

const PUBLIC_KEYS = ['bio', 'city', 'country', 'headline', 'hourlyRate', 'id', 'inPerson', 'languages', 'name', 'online', 'photoUrl', 'rating', 'subjects'].sort();
const SUMMARY_KEYS = ['city', 'country', 'headline', 'hourlyRate', 'id', 'name', 'photoUrl', 'rating', 'subjects'].sort();

const unique = (label: string) => `${label} ${crypto.randomUUID().slice(0, 8)}`;

async function listAll(query: string): Promise<any[]> {
  const anonymous = await client();
  const items: any[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const reply: any = await anonymous.get(`${API}/tutors?${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(['items', 'nextCursor']);
    items.push(...reply.body.items);
    cursor = reply.body.nextCursor;
    if (!cursor) break;
  }
  return items;
}

describe('GET /tutors/{id}', () => {
  test('404 until approved, then the public profile to anyone', async () => {
    const boss = await admin();
    const candidate = await pendingTutor({
      name: 'Paula Public',
      profile: { subjects: ['Chemistry'], hourlyRate: { amount: 4250, currency: 'EUR' }, languages: ['en', 'es'], country: 'ES', city: 'Madrid', inPerson: true },
    });
    const anonymous = await client();
    expectError(await anonymous.get(`${API}/tutors/${candidate.id}`), 404, 'not_found');
    expect((await boss.api.post(`${API}/admin/tutors/${candidate.id}/approve`, undefined, { token: boss.token })).status).toBe(200);

    const reply = await anonymous.get(`${API}/tutors/${candidate.id}`);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(PUBLIC_KEYS);
    expect(reply.body).toEqual({
      id: candidate.id,
      name: 'Paula Public',
      headline: profileBody().headline,
      bio: profileBody().bio,
      subjects: ['Chemistry'],
      hourlyRate: { amount: 4250, currency: 'EUR' },
      languages: ['en', 'es'],
      country: 'ES',
      city: 'Madrid',
      online: true,
      inPerson: true,
      photoUrl: null,
      rating: { average: null, count: 0 },
    });
    // Signed-in users see the same.
    const someone = await student();
    expect((await someone.api.get(`${API}/tutors/${candidate.id}`, { token: someone.token })).body).toEqual(reply.body);
  });

  test('404 for drafts, rejected tutors, students, admins, unknown ids and malformed ids', async () => {
    const boss = await admin();
    const anonymous = await client();
    const draft = await tutor();
    await draft.api.get(`${API}/tutors/me`, { token: draft.token });
    const rejected = await pendingTutor();
    await boss.api.post(`${API}/admin/tutors/${rejected.id}/reject`, { reason: 'No' }, { token: boss.token });
    const someone = await student();
    for (const id of [draft.id, rejected.id, someone.id, boss.id, '0190a3c4-0000-7000-8000-000000000000']) {
      expectError(await anonymous.get(`${API}/tutors/${id}`), 404, 'not_found');
    }
    expectError(await anonymous.get(`${API}/tutors/not-an-id`), 404, 'not_found');
  });

  test('rating average is the mean rounded to 2 decimals', async () => {
    const anonymous = await client();
    const cases: Array<[number, number, number | null]> = [
      [14, 3, 4.67],
      [9, 2, 4.5],
      [5, 1, 5],
      [187, 40, 4.68], // 4.675 rounds half up
      [0, 0, null],
    ];
    const reviewer = await admin();
    for (const [sum, count, average] of cases) {
      const someone = await approvedTutor({ reviewer, rating: { sum, count } });
      const reply = await anonymous.get(`${API}/tutors/${someone.id}`);
      expect(reply.body.rating).toEqual({ average, count });
    }
  });

  test('a deactivated tutor disappears', async () => {
    const someone = await approvedTutor();
    const anonymous = await client();
    expect((await anonymous.get(`${API}/tutors/${someone.id}`)).status).toBe(200);
    await sql`update users set active = false where id = ${someone.id}`;
    expectError(await anonymous.get(`${API}/tutors/${someone.id}`), 404, 'not_found');
  });
});

// GET /tutors is the search module's (full search); these check what onboarding promises of it.
describe('GET /tutors', () => {
  test('approved tutors only, highest rating first (unrated last), paged without repeats or gaps', async () => {
    const subject = unique('Astrobiology');
    const reviewer = await admin();
    const profile = { subjects: [subject, 'Biology'] };
    const best = await approvedTutor({ reviewer, profile, rating: { sum: 49, count: 10 } }); // 4.9
    const tiedA = await approvedTutor({ reviewer, profile, rating: { sum: 9, count: 2 } }); // 4.5
    const tiedB = await approvedTutor({ reviewer, profile, rating: { sum: 18, count: 4 } }); // 4.5
    const unratedA = await approvedTutor({ reviewer, profile });
    const unratedB = await approvedTutor({ reviewer, profile });
    const pending = await pendingTutor({ profile });

    const all = await listAll(`subject=${encodeURIComponent(subject)}&limit=100`);
    const ids = all.map((item) => item.id);
    expect(ids[0]).toBe(best.id);
    expect(ids.slice(1, 3).sort()).toEqual([tiedA.id, tiedB.id].sort());
    expect(ids.slice(3).sort()).toEqual([unratedA.id, unratedB.id].sort());
    expect(ids).not.toContain(pending.id);
    for (const item of all) expect(Object.keys(item).sort()).toEqual(SUMMARY_KEYS);
    expect(all[0]).toMatchObject({ name: 'Tina Tutor', rating: { average: 4.9, count: 10 }, hourlyRate: { amount: 3500, currency: 'USD' }, country: 'DE', city: 'Berlin', photoUrl: null });
    expect(all[4].rating).toEqual({ average: null, count: 0 });

    for (const limit of [1, 2, 3]) {
      expect((await listAll(`subject=${encodeURIComponent(subject)}&limit=${limit}`)).map((item) => item.id)).toEqual(ids);
    }
  });

  test('filters: subject (exact, case-insensitive), country, online', async () => {
    const subject = unique('Topology');
    const reviewer = await admin();
    const berlin = await approvedTutor({ reviewer, profile: { subjects: [subject], country: 'DE', online: true } });
    const paris = await approvedTutor({ reviewer, profile: { subjects: [`  ${subject.toUpperCase()} `], country: 'FR', online: false, inPerson: true } });
    const other = await approvedTutor({ reviewer, profile: { subjects: [`${subject} II`], country: 'DE' } });

    const ids = async (query: string) => (await listAll(query)).map((item) => item.id).sort();
    const s = encodeURIComponent(subject.toLowerCase());
    expect(await ids(`subject=${s}`)).toEqual([berlin.id, paris.id].sort());
    expect(await ids(`subject=${s}&country=FR`)).toEqual([paris.id]);
    expect(await ids(`subject=${s}&online=true`)).toEqual([berlin.id]);
    expect(await ids(`subject=${s}&online=false`)).toEqual([paris.id]);
    expect(await ids(`subject=${encodeURIComponent(`${subject} II`)}`)).toEqual([other.id]);
  });

  test('400 for an unknown cursor and bad parameters', async () => {
    const anonymous = await client();
    expectError(await anonymous.get(`${API}/tutors?cursor=garbage`), 400, 'invalid_cursor');
    expectError(await anonymous.get(`${API}/tutors?limit=500`), 400, 'invalid_parameters');
    expectError(await anonymous.get(`${API}/tutors?online=maybe`), 400, 'invalid_parameters', ['online']);
  });
});
