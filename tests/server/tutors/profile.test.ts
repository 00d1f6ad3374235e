import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { expectError } from '../accounts/helpers.ts';
import { client } from '../../support/app.ts';
import { API, admin, profileBody, student, tutor } from '../../support/factories.ts';

// Each test signs several users in (argon2 hashing): allow for a busy machine.
setDefaultTimeout(60_000);

const PROFILE_KEYS = [
  'approvalStatus', 'bio', 'city', 'country', 'createdAt', 'documents', 'email', 'emailVerified', 'headline', 'hourlyRate', 'id', 'inPerson',
  'languages', 'name', 'online', 'photoUrl', 'rating', 'rejectionReason', 'reviewedAt', 'subjects', 'submittedAt', 'updatedAt',
].sort();

describe('GET /tutors/me', () => {
  test('creates and returns the draft profile of a tutor', async () => {
    const me = await tutor({ name: 'Dora Draft' });
    const reply = await me.api.get(`${API}/tutors/me`, { token: me.token });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(PROFILE_KEYS);
    expect(reply.body).toMatchObject({
      id: me.id,
      name: 'Dora Draft',
      approvalStatus: 'draft',
      rejectionReason: null,
      headline: '',
      subjects: [],
      hourlyRate: null,
      documents: [],
      submittedAt: null,
      rating: { average: null, count: 0 },
    });
    // The same profile again (no second draft), also through the session cookie.
    const again = await me.api.get(`${API}/tutors/me`, { cookie: me.cookie });
    expect(again.status).toBe(200);
    expect(again.body.createdAt).toBe(reply.body.createdAt);
  });

  test('403 forbidden for students and admins, 401 anonymous', async () => {
    const someone = await student();
    expectError(await someone.api.get(`${API}/tutors/me`, { token: someone.token }), 403, 'forbidden');
    const boss = await admin();
    expectError(await boss.api.get(`${API}/tutors/me`, { token: boss.token }), 403, 'forbidden');
    expectError(await (await client()).get(`${API}/tutors/me`), 401, 'unauthorized');
  });
});

describe('PUT /tutors/me', () => {
  test('200 with the cleaned profile; subjects trimmed and de-duplicated case-insensitively', async () => {
    const me = await tutor();
    const reply = await me.api.put(
      `${API}/tutors/me`,
      profileBody({ headline: '  Maths   made simple ', subjects: ['  Calculus ', 'calculus', 'Linear  Algebra', 'CALCULUS'], languages: ['en', 'fr', 'en'], city: '  ' }),
      { token: me.token },
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      headline: 'Maths made simple',
      subjects: ['Calculus', 'Linear Algebra'],
      hourlyRate: { amount: 3500, currency: 'USD' },
      languages: ['en', 'fr'],
      country: 'DE',
      city: null,
      online: true,
      inPerson: false,
      approvalStatus: 'draft',
    });
    const read = await me.api.get(`${API}/tutors/me`, { token: me.token });
    expect(read.body).toEqual(reply.body);
  });

  test('city is optional', async () => {
    const me = await tutor();
    const body = profileBody();
    delete body.city;
    const reply = await me.api.put(`${API}/tutors/me`, body, { token: me.token });
    expect(reply.status).toBe(200);
    expect(reply.body.city).toBeNull();
  });

  test('422 with dotted field paths', async () => {
    const me = await tutor();
    const put = (overrides: Record<string, unknown>) => me.api.put(`${API}/tutors/me`, profileBody(overrides), { token: me.token });
    expectError(await put({ hourlyRate: { amount: 0, currency: 'USD' } }), 422, 'validation_failed', ['hourlyRate.amount']);
    expectError(await put({ hourlyRate: { amount: 12.5, currency: 'USD' } }), 422, 'validation_failed', ['hourlyRate.amount']);
    expectError(await put({ hourlyRate: { amount: 1000, currency: 'usd' } }), 422, 'validation_failed', ['hourlyRate.currency']);
    expectError(await put({ hourlyRate: { amount: 1000, currency: 'ABC' } }), 422, 'validation_failed', ['hourlyRate.currency']);
    expectError(await put({ subjects: ['Maths', ''] }), 422, 'validation_failed', ['subjects.1']);
    expectError(await put({ subjects: ['Maths', '   '] }), 422, 'validation_failed', ['subjects.1']);
    expectError(await put({ subjects: ['x'.repeat(61)] }), 422, 'validation_failed', ['subjects.0']);
    expectError(await put({ subjects: Array.from({ length: 21 }, (_, i) => `Subject ${i}`) }), 422, 'validation_failed', ['subjects']);
    expectError(await put({ languages: ['EN'] }), 422, 'validation_failed', ['languages.0']);
    expectError(await put({ languages: ['en', 'qq'] }), 422, 'validation_failed', ['languages.1']);
    expectError(await put({ country: 'de' }), 422, 'validation_failed', ['country']);
    expectError(await put({ country: 'ZZ' }), 422, 'validation_failed', ['country']);
    expectError(await put({ online: 'yes' }), 422, 'validation_failed', ['online']);
    const missing = await me.api.put(`${API}/tutors/me`, { bio: 'only a bio' }, { token: me.token });
    expectError(missing, 422, 'validation_failed', ['headline', 'subjects', 'hourlyRate', 'languages', 'country', 'online', 'inPerson']);
    // Nothing was saved.
    expect((await me.api.get(`${API}/tutors/me`, { token: me.token })).body.hourlyRate).toBeNull();
  });

  test('403 for students, 401 anonymous', async () => {
    const someone = await student();
    expectError(await someone.api.put(`${API}/tutors/me`, profileBody(), { token: someone.token }), 403, 'forbidden');
    expectError(await (await client()).put(`${API}/tutors/me`, profileBody()), 401, 'unauthorized');
  });
});
