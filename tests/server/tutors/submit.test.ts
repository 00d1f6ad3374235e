import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from '../../../db/client.ts';
import { expectError } from '../accounts/helpers.ts';
import { client } from '../../support/app.ts';
import { API, PDF, PNG, admin, completeTutor, pendingTutor, profileBody, student, tutor, upload } from '../../support/factories.ts';

// Each test signs several users in (argon2 hashing): allow for a busy machine.
setDefaultTimeout(60_000);

describe('POST /tutors/me/submit', () => {
  test('409 profile_incomplete naming everything missing on a fresh, unverified profile', async () => {
    const me = await tutor({ verified: false });
    const reply = await me.api.post(`${API}/tutors/me/submit`, undefined, { token: me.token });
    expectError(reply, 409, 'profile_incomplete', ['email', 'headline', 'subjects', 'hourlyRate', 'cv', 'certificate']);
    expect(Object.keys(reply.body.error.fields).sort()).toEqual(['certificate', 'cv', 'email', 'headline', 'hourlyRate', 'subjects']);
    expect((await me.api.get(`${API}/tutors/me`, { token: me.token })).body.approvalStatus).toBe('draft');
  });

  test('lists only what is still missing', async () => {
    const me = await tutor();
    expect((await me.api.put(`${API}/tutors/me`, profileBody({ headline: '   ', subjects: [] }), { token: me.token })).status).toBe(200);
    expect((await upload(me, { bytes: PDF, name: 'cv.pdf' }, 'cv')).status).toBe(201);
    const reply = await me.api.post(`${API}/tutors/me/submit`, undefined, { token: me.token });
    expectError(reply, 409, 'profile_incomplete', ['headline', 'subjects', 'certificate']);
    expect(Object.keys(reply.body.error.fields).sort()).toEqual(['certificate', 'headline', 'subjects']);
  });

  test('a CV alone is not a certificate, nor the other way round', async () => {
    const me = await tutor();
    await me.api.put(`${API}/tutors/me`, profileBody(), { token: me.token });
    await upload(me, { bytes: PNG, name: 'a.png' }, 'certificate');
    await upload(me, { bytes: PNG, name: 'b.png' }, 'certificate');
    const reply = await me.api.post(`${API}/tutors/me/submit`, undefined, { token: me.token });
    expectError(reply, 409, 'profile_incomplete', ['cv']);
    expect(Object.keys(reply.body.error.fields)).toEqual(['cv']);
  });

  test('200 {approvalStatus: "pending"} for a complete profile, audited; 409 conflict when submitted again', async () => {
    const me = await completeTutor();
    const reply = await me.api.post(`${API}/tutors/me/submit`, undefined, { token: me.token, headers: { 'user-agent': 'submit-test/1.0' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ approvalStatus: 'pending' });
    const profile = await me.api.get(`${API}/tutors/me`, { token: me.token });
    expect(profile.body.approvalStatus).toBe('pending');
    expect(profile.body.submittedAt).not.toBeNull();

    const [audit] = await sql<{ actor_id: string; target_type: string; target_id: string; ip: string; user_agent: string }[]>`
      select actor_id, target_type, target_id, host(ip) as ip, user_agent from audit_log where action = 'tutor.submitted' and target_id = ${me.id}`;
    expect(audit).toEqual({ actor_id: me.id, target_type: 'tutor', target_id: me.id, ip: me.api.ip, user_agent: 'submit-test/1.0' });

    expectError(await me.api.post(`${API}/tutors/me/submit`, undefined, { token: me.token }), 409, 'conflict');
  });

  test('editing a pending profile keeps it pending', async () => {
    const me = await pendingTutor();
    const edited = await me.api.put(`${API}/tutors/me`, profileBody({ headline: 'A better headline' }), { token: me.token });
    expect(edited.status).toBe(200);
    expect(edited.body.approvalStatus).toBe('pending');
    expect(edited.body.headline).toBe('A better headline');
  });

  test('409 conflict once approved; editing keeps it approved', async () => {
    const me = await pendingTutor();
    const boss = await admin();
    expect((await boss.api.post(`${API}/admin/tutors/${me.id}/approve`, undefined, { token: boss.token })).status).toBe(200);
    expectError(await me.api.post(`${API}/tutors/me/submit`, undefined, { token: me.token }), 409, 'conflict');
    const edited = await me.api.put(`${API}/tutors/me`, profileBody({ bio: 'Changed after approval' }), { token: me.token });
    expect(edited.body.approvalStatus).toBe('approved');
  });

  test('after a rejection the tutor sees the reason, may fix documents and submit again', async () => {
    const me = await pendingTutor();
    const boss = await admin();
    const reason = 'The certificate is unreadable; please upload a clearer scan.';
    expect((await boss.api.post(`${API}/admin/tutors/${me.id}/reject`, { reason }, { token: boss.token })).status).toBe(200);

    const rejected = await me.api.get(`${API}/tutors/me`, { token: me.token });
    expect(rejected.body).toMatchObject({ approvalStatus: 'rejected', rejectionReason: reason });
    expect(rejected.body.reviewedAt).not.toBeNull();

    const certificate = me.documents.find((document) => document.kind === 'certificate');
    expect((await me.api.delete(`${API}/tutors/me/documents/${certificate.id}`, { token: me.token })).status).toBe(204);
    expectError(await me.api.post(`${API}/tutors/me/submit`, undefined, { token: me.token }), 409, 'profile_incomplete', ['certificate']);
    expect((await upload(me, { bytes: PNG, name: 'clear.png' }, 'certificate')).status).toBe(201);

    const again = await me.api.post(`${API}/tutors/me/submit`, undefined, { token: me.token });
    expect(again.status).toBe(200);
    const pending = await me.api.get(`${API}/tutors/me`, { token: me.token });
    expect(pending.body).toMatchObject({ approvalStatus: 'pending', rejectionReason: null });
  });

  test('403 for students, 401 anonymous', async () => {
    const someone = await student();
    expectError(await someone.api.post(`${API}/tutors/me/submit`, undefined, { token: someone.token }), 403, 'forbidden');
    expectError(await (await client()).post(`${API}/tutors/me/submit`), 401, 'unauthorized');
  });
});
