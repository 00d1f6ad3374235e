// GET /tutors: every filter narrows correctly, text search ranks and tolerates typos, sorting, and cursors that
// never repeat or skip a tutor even when every sort key is equal. Each test works within its own unique subject
// (or made-up words), so tutors created by other tests do not change the outcome.
import { beforeAll, describe, expect, test } from 'bun:test';
import { API, approvedTutor, book, everyDay, iso, randomWord, sql, student, uniqueTag, utcDay, type Person } from '../../support/marketplace.ts';
import { client } from '../../support/app.ts';
import { expectError } from '../accounts/helpers.ts';

const SUMMARY_KEYS = ['city', 'country', 'headline', 'hourlyRate', 'id', 'name', 'photoUrl', 'rating', 'subjects'];

async function search(query: Record<string, string | number | boolean>): Promise<any> {
  const api = await client();
  const params = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)]));
  const reply = await api.get(`${API}/tutors?${params}`);
  if (reply.status !== 200) throw new Error(`search failed: ${reply.status} ${reply.text}`);
  return reply.body;
}

const ids = (body: any) => body.items.map((item: any) => item.id);

/** Every page of a search, following nextCursor. */
async function allPages(query: Record<string, string | number | boolean>, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const body: any = await search({ ...query, limit, ...(cursor ? { cursor } : {}) });
    expect(body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...ids(body));
    cursor = body.nextCursor;
    pages += 1;
    if (pages > 100) throw new Error('too many pages');
  } while (cursor);
  return seen;
}

describe('filters', () => {
  const subject = uniqueTag('Filtering');
  let a: Person, b: Person, c: Person;

  beforeAll(async () => {
    [a, b, c] = await Promise.all([
      approvedTutor({ subjects: [subject, 'Chess'], rate: 3000, currency: 'USD', country: 'DE', city: 'Berlin', languages: ['en', 'de'], online: true, inPerson: false, rating: { sum: 10, count: 2 } }),
      approvedTutor({ subjects: [subject.toUpperCase()], rate: 6000, currency: 'USD', country: 'FR', city: 'Paris', languages: ['fr'], online: false, inPerson: true, rating: { sum: 3, count: 1 } }),
      approvedTutor({ subjects: [subject.toLowerCase()], rate: 4500, currency: 'EUR', country: 'DE', city: 'München', languages: ['de'], online: true, inPerson: true }),
    ]);
    // A tutor who is not approved never appears.
    const pending = await approvedTutor({ subjects: [subject] });
    await sql`update tutor_profiles set approval_status = 'pending' where user_id = ${pending.id}`;
  });

  const set = (...people: Person[]) => people.map((person) => person.id).sort();
  const found = async (query: Record<string, string | number | boolean>) => ids(await search({ subject, ...query })).sort();

  test('subject matches exactly, case-insensitively, and only approved tutors; the list item has the contract shape', async () => {
    const body = await search({ subject: subject.toUpperCase() });
    expect(ids(body).sort()).toEqual(set(a, b, c));
    for (const item of body.items) expect(Object.keys(item).sort()).toEqual(SUMMARY_KEYS);
    const first = body.items.find((item: any) => item.id === a.id);
    expect(first).toMatchObject({ hourlyRate: { amount: 3000, currency: 'USD' }, rating: { average: 5, count: 2 }, country: 'DE', city: 'Berlin', photoUrl: null });
    expect(body.items.find((item: any) => item.id === c.id).rating).toEqual({ average: null, count: 0 });
    expect(ids(await search({ subject: subject.slice(0, -1) }))).toEqual([]);
  });

  test('rate range in minor units of the currency (default USD); other currencies are excluded', async () => {
    expect(await found({ minRate: 4000 })).toEqual(set(b));
    expect(await found({ maxRate: 4000 })).toEqual(set(a));
    expect(await found({ minRate: 3000, maxRate: 6000 })).toEqual(set(a, b));
    expect(await found({ currency: 'EUR', maxRate: 5000 })).toEqual(set(c));
    expect(await found({ currency: 'eur' })).toEqual(set(c));
    expectError(await (await client()).get(`${API}/tutors?minRate=500&maxRate=100`), 400, 'invalid_parameters', ['maxRate']);
  });

  test('country, city (case-insensitive), language', async () => {
    expect(await found({ country: 'DE' })).toEqual(set(a, c));
    expect(await found({ country: 'fr' })).toEqual(set(b));
    expect(await found({ city: 'berlin' })).toEqual(set(a));
    expect(await found({ city: 'MÜNCHEN' })).toEqual(set(c));
    expect(await found({ language: 'de' })).toEqual(set(a, c));
    expect(await found({ language: 'fr' })).toEqual(set(b));
    expect(await found({ language: 'es' })).toEqual([]);
  });

  test('minimum rating; online or in person', async () => {
    expect(await found({ minRating: 4 })).toEqual(set(a));
    expect(await found({ minRating: 3 })).toEqual(set(a, b));
    expect(await found({ online: true })).toEqual(set(a, c));
    expect(await found({ online: false })).toEqual(set(b));
    expect(await found({ inPerson: true })).toEqual(set(b, c));
    expect(await found({ online: true, inPerson: true })).toEqual(set(c));
  });

  test('filters combine', async () => {
    expect(await found({ country: 'DE', online: true, language: 'en', maxRate: 3500 })).toEqual(set(a));
    expect(await found({ country: 'DE', currency: 'USD', minRate: 4000 })).toEqual([]);
  });

  test('400 for malformed parameters', async () => {
    const api = await client();
    expectError(await api.get(`${API}/tutors?sort=cheapest`), 400, 'invalid_parameters', ['sort']);
    expectError(await api.get(`${API}/tutors?limit=0`), 400, 'invalid_parameters');
    expectError(await api.get(`${API}/tutors?limit=101`), 400, 'invalid_parameters');
    expectError(await api.get(`${API}/tutors?minRating=6`), 400, 'invalid_parameters');
    expectError(await api.get(`${API}/tutors?country=Germany`), 400, 'invalid_parameters');
    expectError(await api.get(`${API}/tutors?cursor=nonsense`), 400, 'invalid_cursor');
  });
});

describe('text search', () => {
  const word = `zorb${randomWord()}`;
  let named: Person, headlined: Person, biographed: Person;

  beforeAll(async () => {
    [named, headlined, biographed] = await Promise.all([
      approvedTutor({ name: `Quentin ${word}`, subjects: ['Latin'], headline: 'Classics teacher', bio: 'Rome and Greece.' }),
      approvedTutor({ name: 'Harriet Holm', subjects: ['Latin'], headline: `The ${word} method for beginners`, bio: 'Grammar first.' }),
      approvedTutor({ name: 'Bertram Bale', subjects: ['Latin'], headline: 'Latin tutor', bio: `I invented the ${word} drills and the teaching of declensions.` }),
    ]);
  });

  test('q finds the word in the name, headline and bio, ranked by relevance (name above headline above bio)', async () => {
    const body = await search({ q: word });
    expect(ids(body)).toEqual([named.id, headlined.id, biographed.id]);
  });

  test('q tolerates a typo (pg_trgm) and ignores case and accents', async () => {
    const typo = word.slice(0, 4) + word.slice(5);
    const found = ids(await search({ q: typo }));
    expect(found).toContain(named.id);
    expect(found).toContain(headlined.id);
    expect(ids(await search({ q: word.toUpperCase() }))).toContain(named.id);
    const accented = await approvedTutor({ name: `Zoë ${word}ñ`, subjects: ['Latin'] });
    expect(ids(await search({ q: `zoe ${word}n` }))).toContain(accented.id);
  });

  test('q matches subjects and stems words of the bio', async () => {
    const subject = `Xylo${randomWord()}`;
    const tutor = await approvedTutor({ subjects: [subject], bio: `Teaching ${word} carvings since 1999` });
    expect(ids(await search({ q: subject }))).toEqual([tutor.id]);
    expect(ids(await search({ q: `${word} carving` }))).toContain(tutor.id);
  });

  test('q combines with filters and other sorts', async () => {
    expect(ids(await search({ q: word, subject: 'latin', sort: 'price_asc' })).length).toBeGreaterThanOrEqual(3);
    expect(ids(await search({ q: randomWord() }))).toEqual([]);
  });
});

describe('sorting and pagination', () => {
  test('rating (default), price ascending and descending', async () => {
    const subject = uniqueTag('Sorting');
    const [cheap, mid, dear] = await Promise.all([
      approvedTutor({ subjects: [subject], rate: 1000, rating: { sum: 8, count: 2 } }),
      approvedTutor({ subjects: [subject], rate: 2000, rating: { sum: 5, count: 1 } }),
      approvedTutor({ subjects: [subject], rate: 3000 }),
    ]);
    expect(ids(await search({ subject }))).toEqual([mid.id, cheap.id, dear.id]);
    expect(ids(await search({ subject, sort: 'rating' }))).toEqual([mid.id, cheap.id, dear.id]);
    expect(ids(await search({ subject, sort: 'price_asc' }))).toEqual([cheap.id, mid.id, dear.id]);
    expect(ids(await search({ subject, sort: 'price_desc' }))).toEqual([dear.id, mid.id, cheap.id]);
  });

  test('cursors never repeat or skip a tutor, even when every sort key is equal', async () => {
    const subject = `Paging ${randomWord()}`;
    const tutors = await Promise.all(Array.from({ length: 23 }, () => approvedTutor({ subjects: [subject], rate: 2500, rating: { sum: 9, count: 2 }, availability: null })));
    const everyone = tutors.map((tutor) => tutor.id).sort();
    for (const sort of ['rating', 'price_asc', 'price_desc'] as const) {
      const all = ids(await search({ subject, sort, limit: 100 }));
      expect([...all].sort()).toEqual(everyone);
      for (const limit of [1, 5, 7, 23]) {
        const paged = await allPages({ subject, sort }, limit);
        expect(paged).toEqual(all);
      }
    }
    const relevance = await allPages({ q: subject, sort: 'relevance' }, 4);
    expect([...relevance].sort()).toEqual(everyone);
    expect(new Set(relevance).size).toBe(23);
  }, 60_000);

  test('a cursor from another sort or query is refused (400)', async () => {
    const subject = uniqueTag('Cursor');
    await Promise.all([approvedTutor({ subjects: [subject] }), approvedTutor({ subjects: [subject] })]);
    const first = await search({ subject, limit: 1 });
    expect(first.nextCursor).toBeString();
    const api = await client();
    expectError(await api.get(`${API}/tutors?subject=${subject}&sort=price_asc&limit=1&cursor=${first.nextCursor}`), 400, 'invalid_cursor');
    expectError(await api.get(`${API}/tutors?q=${subject}&limit=1&cursor=${first.nextCursor}`), 400, 'invalid_cursor');
  }, 30_000);
});

describe('availability window', () => {
  test('only tutors with at least one free slot starting in [availableFrom, availableTo)', async () => {
    const subject = uniqueTag('Available');
    const day = utcDay(5);
    const weekday = ((day.getUTCDay() + 6) % 7) + 1;
    const [always, never, otherDay, booked, mornings] = await Promise.all([
      approvedTutor({ subjects: [subject], availability: everyDay('UTC') }),
      approvedTutor({ subjects: [subject], availability: null }),
      approvedTutor({ subjects: [subject], availability: { timezone: 'UTC', weekly: [{ weekday: (weekday % 7) + 1, start: '09:00', end: '17:00' }], exceptions: [] } }),
      approvedTutor({ subjects: [subject], availability: { timezone: 'UTC', weekly: [{ weekday, start: '10:00', end: '11:00' }], exceptions: [] } }),
      approvedTutor({ subjects: [subject], availability: { timezone: 'Asia/Tokyo', weekly: [1, 2, 3, 4, 5, 6, 7].map((w) => ({ weekday: w, start: '09:00', end: '12:00' })), exceptions: [] } }),
    ]);
    const alice = await student();
    expect((await book(alice, booked.id, utcDay(5, 10), 60)).status).toBe(201);
    const window = { availableFrom: iso(utcDay(5, 8)), availableTo: iso(utcDay(5, 16)) };
    // Tokyo 09:00-12:00 is 00:00-03:00 UTC: outside 08:00-16:00 UTC.
    expect(ids(await search({ subject, ...window })).sort()).toEqual([always.id].sort());
    expect(ids(await search({ subject, availableFrom: iso(utcDay(5)), availableTo: iso(utcDay(5, 2)) })).sort()).toEqual([always.id, mornings.id].sort());
    // A longer slot than the only free range fits nobody but the tutor free all day.
    expect(ids(await search({ subject, ...window, duration: 240 }))).toEqual([always.id]);
    // Without the window, everyone approved is listed.
    expect(ids(await search({ subject })).length).toBe(5);
    // Inside the minimum notice nobody is bookable.
    expect(ids(await search({ subject, availableFrom: iso(Date.now()), availableTo: iso(Date.now() + 6 * 3600_000) }))).toEqual([]);
    // After the booking is cancelled its tutor is free again.
    expect(otherDay.id).not.toBe(never.id);
  }, 30_000);

  test('400 for a window over 31 days or inverted', async () => {
    const api = await client();
    expectError(await api.get(`${API}/tutors?availableFrom=${iso(utcDay(1))}&availableTo=${iso(utcDay(40))}`), 400, 'invalid_parameters', ['availableTo']);
    expectError(await api.get(`${API}/tutors?availableFrom=${iso(utcDay(3))}&availableTo=${iso(utcDay(2))}`), 400, 'invalid_parameters', ['availableTo']);
    expectError(await api.get(`${API}/tutors?availableFrom=soon`), 400, 'invalid_parameters', ['availableFrom']);
  });
});

describe('GET /subjects', () => {
  test('subjects of approved tutors with counts, for autocomplete; prefix matches first; typos tolerated', async () => {
    const stem = uniqueTag('Oceanography');
    await Promise.all([
      approvedTutor({ subjects: [stem, `${stem} Advanced`] }),
      approvedTutor({ subjects: [stem.toLowerCase()] }),
      approvedTutor({ subjects: [`  ${stem}  `] }),
    ]);
    const api = await client();
    const reply = await api.get(`${API}/subjects?q=${encodeURIComponent(stem.slice(0, 10))}`);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['items']);
    const items = reply.body.items.filter((item: any) => item.name.toLowerCase().startsWith(stem.toLowerCase()));
    expect(items[0]).toEqual({ name: stem, tutorCount: 3 });
    expect(items[1]).toEqual({ name: `${stem} Advanced`, tutorCount: 1 });
    const typo = stem.slice(0, 3) + stem.slice(4);
    const fuzzy = await api.get(`${API}/subjects?q=${encodeURIComponent(typo)}`);
    expect(fuzzy.body.items.map((item: any) => item.name)).toContain(stem);
    const all = await api.get(`${API}/subjects?limit=100`);
    for (const item of all.body.items) expect(Object.keys(item).sort()).toEqual(['name', 'tutorCount']);
  });
});
