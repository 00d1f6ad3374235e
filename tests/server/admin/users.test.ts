import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { account, signIn, signedInAdmin } from '../../support/admin.ts';
import { client } from '../../support/app.ts';
import { expectError, expectUserShape } from '../accounts/helpers.ts';

// Each test signs several accounts in (argon2 hashing): generous under a loaded machine.
setDefaultTimeout(30_000);

const API = '/api/v1';

describe('GET /admin/users', () => {
  test('lists users newest first in the User shape; filters by role and by name or email (case-insensitive)', async () => {
    const admin = await signedInAdmin();
    const marker = `zq${Math.random().toString(36).slice(2, 8)}`;
    const tutor = await account('tutor', { name: `Tutor ${marker.toUpperCase()} One` });
    const student = await account('student', { name: `Student ${marker} Two` });

    const byName = await admin.api.get(`${API}/admin/users?q=${marker}`, { token: admin.accessToken });
    expect(byName.status).toBe(200);
    expect(Object.keys(byName.body).sort()).toEqual(['items', 'nextCursor']);
    expect(byName.body.items.map((user: any) => user.id)).toEqual([student.id, tutor.id]);
    for (const user of byName.body.items) expectUserShape(user);

    const tutorsOnly = await admin.api.get(`${API}/admin/users?q=${marker}&role=tutor`, { token: admin.accessToken });
    expect(tutorsOnly.body.items.map((user: any) => user.id)).toEqual([tutor.id]);

    const byEmail = await admin.api.get(`${API}/admin/users?q=${encodeURIComponent(student.email.toUpperCase())}`, { token: admin.accessToken });
    expect(byEmail.body.items.map((user: any) => user.id)).toEqual([student.id]);

    // LIKE wildcards in q are literal.
    const wildcard = await admin.api.get(`${API}/admin/users?q=${encodeURIComponent('%')}&role=tutor&limit=100`, { token: admin.accessToken });
    expect(wildcard.status).toBe(200);
    expect(wildcard.body.items.map((user: any) => user.id)).not.toContain(tutor.id);
  });

  test('pages with limit and cursor; an unknown cursor and a bad role are 400', async () => {
    const admin = await signedInAdmin();
    const marker = `pg${Math.random().toString(36).slice(2, 8)}`;
    const created = [];
    for (let index = 0; index < 5; index++) created.push(await account('student', { name: `Paged ${marker} ${index}` }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await admin.api.get(`${API}/admin/users?q=${marker}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.accessToken });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((user: any) => user.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(created.map((user) => user.id).reverse());
    expectError(await admin.api.get(`${API}/admin/users?cursor=nope`, { token: admin.accessToken }), 400, 'invalid_cursor');
    // Well-formed (base64 JSON of the right shape) but forged: the id is not a UUID.
    const forged = Buffer.from(JSON.stringify(['not-a-uuid'])).toString('base64url');
    expectError(await admin.api.get(`${API}/admin/users?cursor=${forged}`, { token: admin.accessToken }), 400, 'invalid_cursor');
    expectError(await admin.api.get(`${API}/admin/users?role=superuser`, { token: admin.accessToken }), 400, 'invalid_parameters');
    expectError(await admin.api.get(`${API}/admin/users?limit=101`, { token: admin.accessToken }), 400, 'invalid_parameters');
  });

  test('active=false lists deactivated users only', async () => {
    const admin = await signedInAdmin();
    const marker = `ac${Math.random().toString(36).slice(2, 8)}`;
    const stays = await account('student', { name: `Active ${marker}` });
    const leaves = await account('student', { name: `Leaving ${marker}` });
    expect((await admin.api.patch(`${API}/admin/users/${leaves.id}`, { active: false }, { token: admin.accessToken })).status).toBe(200);
    const inactive = await admin.api.get(`${API}/admin/users?q=${marker}&active=false`, { token: admin.accessToken });
    expect(inactive.body.items.map((user: any) => user.id)).toEqual([leaves.id]);
    const active = await admin.api.get(`${API}/admin/users?q=${marker}&active=true`, { token: admin.accessToken });
    expect(active.body.items.map((user: any) => user.id)).toEqual([stays.id]);
  });
});

describe('PATCH /admin/users/{id}', () => {
  test('promote: 200 user with the new role, effective at once on the promoted user’s existing session; demote likewise', async () => {
    const admin = await signedInAdmin();
    const promoted = await account('tutor');
    // Warm the promoted user's session cache with the old role.
    expectError(await promoted.api.get(`${API}/admin/users`, { token: promoted.accessToken }), 403, 'forbidden');

    const reply = await admin.api.patch(`${API}/admin/users/${promoted.id}`, { role: 'admin' }, { token: admin.accessToken });
    expect(reply.status).toBe(200);
    expectUserShape(reply.body);
    expect(reply.body).toMatchObject({ id: promoted.id, role: 'admin', email: promoted.email });
    expect((await promoted.api.get(`${API}/me`, { token: promoted.accessToken })).body.role).toBe('admin');
    expect((await promoted.api.get(`${API}/admin/users`, { token: promoted.accessToken })).status).toBe(200);

    const demoted = await admin.api.patch(`${API}/admin/users/${promoted.id}`, { role: 'student' }, { token: admin.accessToken });
    expect(demoted.body.role).toBe('student');
    expectError(await promoted.api.get(`${API}/admin/users`, { token: promoted.accessToken }), 403, 'forbidden');
  });

  test('deactivate: the access token, cookie and refresh token stop at once; sign-in is refused; reactivate restores sign-in', async () => {
    const admin = await signedInAdmin();
    const user = await account('student');
    expect((await user.api.get(`${API}/me`, { token: user.accessToken })).status).toBe(200);
    expect((await user.api.get(`${API}/me`, { cookie: user.cookie })).status).toBe(200);

    const reply = await admin.api.patch(`${API}/admin/users/${user.id}`, { active: false }, { token: admin.accessToken });
    expect(reply.status).toBe(200);
    expectUserShape(reply.body);

    expectError(await user.api.get(`${API}/me`, { token: user.accessToken }), 401, 'unauthorized');
    expectError(await user.api.get(`${API}/me`, { cookie: user.cookie }), 401, 'unauthorized');
    expectError(await user.api.post(`${API}/auth/refresh`, { refreshToken: user.refreshToken }), 401, 'invalid_token');
    expectError(await (await client()).post(`${API}/auth/login`, { email: user.email, password: user.password }), 401, 'account_inactive');
    // A wrong password still says invalid_credentials (no account-state oracle without the password).
    expectError(await (await client()).post(`${API}/auth/login`, { email: user.email, password: 'wrong password here' }), 401, 'invalid_credentials');

    const back = await admin.api.patch(`${API}/admin/users/${user.id}`, { active: true }, { token: admin.accessToken });
    expect(back.status).toBe(200);
    const again = await signIn(await client(), user.email, user.password);
    expect((await again.api.get(`${API}/me`, { token: again.accessToken })).status).toBe(200);
    // The old session stays ended.
    expectError(await user.api.get(`${API}/me`, { token: user.accessToken }), 401, 'unauthorized');
  });

  test('an admin cannot demote or deactivate themselves (409); a no-op on themselves is fine', async () => {
    const admin = await signedInAdmin();
    expectError(await admin.api.patch(`${API}/admin/users/${admin.id}`, { role: 'student' }, { token: admin.accessToken }), 409, 'cannot_modify_self');
    expectError(await admin.api.patch(`${API}/admin/users/${admin.id}`, { active: false }, { token: admin.accessToken }), 409, 'cannot_modify_self');
    const same = await admin.api.patch(`${API}/admin/users/${admin.id}`, { role: 'admin', active: true }, { token: admin.accessToken });
    expect(same.status).toBe(200);
    expect(same.body.role).toBe('admin');
    expect((await admin.api.get(`${API}/me`, { token: admin.accessToken })).body.role).toBe('admin');
  });

  test('another admin can be deactivated, and then can no longer act', async () => {
    const admin = await signedInAdmin();
    const other = await signedInAdmin();
    expect((await admin.api.patch(`${API}/admin/users/${other.id}`, { active: false }, { token: admin.accessToken })).status).toBe(200);
    expectError(await other.api.patch(`${API}/admin/users/${admin.id}`, { active: false }, { token: other.accessToken }), 401, 'unauthorized');
  });

  test('404 for an unknown user and for a malformed id, 422 for a bad role', async () => {
    const admin = await signedInAdmin();
    expectError(await admin.api.patch(`${API}/admin/users/${crypto.randomUUID()}`, { role: 'tutor' }, { token: admin.accessToken }), 404, 'not_found');
    expectError(await admin.api.patch(`${API}/admin/users/nope`, { role: 'tutor' }, { token: admin.accessToken }), 404, 'not_found');
    const target = await account('student');
    expectError(await admin.api.patch(`${API}/admin/users/${target.id}`, { role: 'root' }, { token: admin.accessToken }), 422, 'validation_failed', ['role']);
  });
});
