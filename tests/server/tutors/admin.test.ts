import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from '../../../db/client.ts';
import { expectError } from '../accounts/helpers.ts';
import { client, mailbox, useWorkers } from '../../support/app.ts';
import { API, JPEG, PDF, PNG, admin, completeTutor, pendingTutor, student, tutor, upload, type Account } from '../../support/factories.ts';

// Each test signs several users in (argon2 hashing): allow for a busy machine.
setDefaultTimeout(60_000);

const UUID = '0190a3c4-0000-7000-8000-000000000000';

/** Every admin route, with what it needs. */
function adminRoutes(tutorId: string, documentId: string): Array<{ method: string; path: string; body?: unknown }> {
  return [
    { method: 'GET', path: `${API}/admin/tutors` },
    { method: 'GET', path: `${API}/admin/tutors?status=pending` },
    { method: 'GET', path: `${API}/admin/tutors/${tutorId}/documents/${documentId}` },
    { method: 'POST', path: `${API}/admin/tutors/${tutorId}/approve` },
    { method: 'POST', path: `${API}/admin/tutors/${tutorId}/reject`, body: { reason: 'No.' } },
  ];
}

async function listAll(boss: Account, query: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const reply: any = await boss.api.get(`${API}/admin/tutors?${query}&limit=100${cursor ? `&cursor=${cursor}` : ''}`, { token: boss.token });
    expect(reply.status).toBe(200);
    items.push(...reply.body.items);
    cursor = reply.body.nextCursor;
  } while (cursor);
  return items;
}

describe('admin routes refuse everyone but admins', () => {
  test('401 anonymous; 403 for students, tutors (even the tutor concerned), and nothing changes', async () => {
    const candidate = await pendingTutor();
    const routes = adminRoutes(candidate.id, candidate.documents[0].id);
    const anonymous = await client();
    for (const route of routes) {
      expectError(await anonymous.request(route.method, route.path, { body: route.body }), 401, 'unauthorized');
    }
    const callers = [await student(), await student({ verified: true }), await tutor(), candidate];
    for (const caller of callers) {
      for (const route of routes) {
        expectError(await caller.api.request(route.method, route.path, { body: route.body, token: caller.token }), 403, 'forbidden');
        expectError(await caller.api.request(route.method, route.path, { body: route.body, cookie: caller.cookie }), 403, 'forbidden');
      }
    }
    expect((await candidate.api.get(`${API}/tutors/me`, { token: candidate.token })).body.approvalStatus).toBe('pending');
  });
});

describe('GET /admin/tutors', () => {
  test('profiles with their documents, filtered by status, paged with a cursor', async () => {
    const boss = await admin();
    const waiting = [await pendingTutor({ name: 'Pia Pending' }), await pendingTutor(), await pendingTutor()];
    const draft = await completeTutor({ name: 'Drew Draft' });

    const pending = await listAll(boss, 'status=pending');
    expect(pending.every((item) => item.approvalStatus === 'pending')).toBe(true);
    const ids = pending.map((item) => item.id);
    for (const account of waiting) expect(ids).toContain(account.id);
    expect(ids).not.toContain(draft.id);
    expect(new Set(ids).size).toBe(ids.length);

    const pia = pending.find((item) => item.id === waiting[0]!.id);
    expect(pia).toMatchObject({ name: 'Pia Pending', email: waiting[0]!.email, approvalStatus: 'pending', headline: expect.any(String) });
    expect(pia.documents).toEqual(waiting[0]!.documents);
    for (const document of pia.documents) expect(Object.keys(document).sort()).toEqual(['filename', 'id', 'kind']);

    // Without a status: every profile, the draft too.
    expect((await listAll(boss, '')).map((item) => item.id)).toContain(draft.id);

    // Pages of 1 walk the same list, with no repeats.
    const paged: string[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 1000; guard++) {
      const reply: any = await boss.api.get(`${API}/admin/tutors?status=pending&limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token: boss.token });
      expect(reply.status).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(1);
      paged.push(...reply.body.items.map((item: any) => item.id));
      cursor = reply.body.nextCursor;
      if (!cursor) break;
    }
    expect(paged).toEqual(ids);
  });

  test('400 for an unknown cursor, a bad status or limit', async () => {
    const boss = await admin();
    expectError(await boss.api.get(`${API}/admin/tutors?cursor=nonsense`, { token: boss.token }), 400, 'invalid_cursor');
    const forged = Buffer.from(JSON.stringify(["'; drop table users; --", 'x'])).toString('base64url');
    expectError(await boss.api.get(`${API}/admin/tutors?cursor=${forged}`, { token: boss.token }), 400, 'invalid_cursor');
    expectError(await boss.api.get(`${API}/admin/tutors?status=sleeping`, { token: boss.token }), 400, 'invalid_parameters', ['status']);
    expectError(await boss.api.get(`${API}/admin/tutors?limit=0`, { token: boss.token }), 400, 'invalid_parameters');
    expectError(await boss.api.get(`${API}/admin/tutors?limit=101`, { token: boss.token }), 400, 'invalid_parameters');
  });
});

describe('GET /admin/tutors/{id}/documents/{documentId}', () => {
  test('the file as an attachment with its sniffed type and nosniff', async () => {
    const boss = await admin();
    const me = await tutor();
    const cv = await upload(me, { bytes: PDF, name: 'Curriculum vitæ.pdf', type: 'text/html' }, 'cv');
    const photo = await upload(me, { bytes: JPEG, name: 'certificate.png', type: 'image/png' }, 'certificate');
    const pdf = await fetch(`${boss.api.baseUrl}${API}/admin/tutors/${me.id}/documents/${cv.body.id}`, {
      headers: { authorization: `Bearer ${boss.token}`, 'x-forwarded-for': boss.api.ip },
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toStartWith('application/pdf');
    expect(pdf.headers.get('x-content-type-options')).toBe('nosniff');
    const disposition = pdf.headers.get('content-disposition') ?? '';
    expect(disposition).toStartWith('attachment;');
    expect(disposition).toContain("filename*=UTF-8''Curriculum%20vit%C3%A6.pdf");
    expect(new Uint8Array(await pdf.arrayBuffer())).toEqual(PDF);

    const jpeg = await boss.api.get(`${API}/admin/tutors/${me.id}/documents/${photo.body.id}`, { cookie: boss.cookie });
    expect(jpeg.status).toBe(200);
    expect(jpeg.headers.get('content-type')).toStartWith('image/jpeg');
    expect(jpeg.headers.get('content-disposition')).toStartWith('attachment;');
  });

  test('404 for an unknown document, a malformed document id, or a document of another tutor', async () => {
    const boss = await admin();
    const one = await tutor();
    const two = await tutor();
    const cv = await upload(one, { bytes: PNG, name: 'cv.png' }, 'cv');
    expectError(await boss.api.get(`${API}/admin/tutors/${one.id}/documents/${UUID}`, { token: boss.token }), 404, 'not_found');
    expectError(await boss.api.get(`${API}/admin/tutors/${two.id}/documents/${cv.body.id}`, { token: boss.token }), 404, 'not_found');
    expectError(await boss.api.get(`${API}/admin/tutors/${one.id}/documents/nope`, { token: boss.token }), 404, 'not_found');
  });
});

describe('POST /admin/tutors/{id}/approve', () => {
  test('200 profile; notification, audit row with IP and user agent, and email, all for this decision', async () => {
    await useWorkers();
    const boss = await admin({ userAgent: 'admin-console/2.0' });
    const candidate = await pendingTutor({ name: 'Ana Approved' });
    const reply = await boss.api.post(`${API}/admin/tutors/${candidate.id}/approve`, undefined, {
      token: boss.token,
      headers: { 'user-agent': 'admin-console/2.0' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: candidate.id, approvalStatus: 'approved', rejectionReason: null, name: 'Ana Approved' });
    expect(reply.body.reviewedAt).not.toBeNull();
    expect(reply.body.documents).toEqual(candidate.documents);

    const [row] = await sql<{ reviewed_by: string; approval_status: string }[]>`select reviewed_by, approval_status from tutor_profiles where user_id = ${candidate.id}`;
    expect(row).toEqual({ reviewed_by: boss.id, approval_status: 'approved' });

    const audits = await sql<{ actor_id: string; target_type: string; ip: string; user_agent: string }[]>`
      select actor_id, target_type, host(ip) as ip, user_agent from audit_log where action = 'tutor.approved' and target_id = ${candidate.id}`;
    expect([...audits]).toEqual([{ actor_id: boss.id, target_type: 'tutor', ip: boss.api.ip, user_agent: 'admin-console/2.0' }]);

    const notifications = await candidate.api.get(`${API}/notifications`, { token: candidate.token });
    expect(notifications.status).toBe(200);
    const approval = notifications.body.items.filter((item: any) => item.category === 'tutor_approval');
    expect(approval).toHaveLength(1);
    expect(approval[0]).toMatchObject({ data: { status: 'approved' }, readAt: null });
    expect(approval[0].title.length).toBeGreaterThan(0);

    const mail = await mailbox.waitFor((m) => m.to.includes(candidate.email.toLowerCase()) && m.subject.includes('approved'));
    expect(mail.text).toContain(`/tutors/${candidate.id}`);

    // Approving again is a conflict and adds nothing.
    expectError(await boss.api.post(`${API}/admin/tutors/${candidate.id}/approve`, undefined, { token: boss.token }), 409, 'conflict');
    const [{ count }] = await sql<[{ count: number }]>`select count(*)::int as count from notifications where user_id = ${candidate.id}`;
    expect(count).toBe(1);
  });

  test('409 for drafts and rejected profiles; 404 for unknown and malformed ids and for users who are not tutors', async () => {
    const boss = await admin();
    const draft = await completeTutor();
    expectError(await boss.api.post(`${API}/admin/tutors/${draft.id}/approve`, undefined, { token: boss.token }), 409, 'conflict');
    const rejected = await pendingTutor();
    expect((await boss.api.post(`${API}/admin/tutors/${rejected.id}/reject`, { reason: 'Missing details' }, { token: boss.token })).status).toBe(200);
    expectError(await boss.api.post(`${API}/admin/tutors/${rejected.id}/approve`, undefined, { token: boss.token }), 409, 'conflict');
    expectError(await boss.api.post(`${API}/admin/tutors/${UUID}/approve`, undefined, { token: boss.token }), 404, 'not_found');
    const someone = await student();
    expectError(await boss.api.post(`${API}/admin/tutors/${someone.id}/approve`, undefined, { token: boss.token }), 404, 'not_found');
    expectError(await boss.api.post(`${API}/admin/tutors/not-an-id/approve`, undefined, { token: boss.token }), 404, 'not_found');
  });

  test('two admins approving at once: one 200, one 409, one notification', async () => {
    const [first, second] = [await admin(), await admin()];
    const candidate = await pendingTutor();
    const replies = await Promise.all(
      [first, second].map((boss) => boss.api.post(`${API}/admin/tutors/${candidate.id}/approve`, undefined, { token: boss.token })),
    );
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 409]);
    const [{ count }] = await sql<[{ count: number }]>`select count(*)::int as count from notifications where user_id = ${candidate.id}`;
    expect(count).toBe(1);
  });
});

describe('POST /admin/tutors/{id}/reject', () => {
  test('200 profile with the reason; the tutor sees it; notification, audit and email', async () => {
    await useWorkers();
    const boss = await admin();
    const candidate = await pendingTutor();
    const reason = 'Your CV does not mention any teaching experience.';
    const reply = await boss.api.post(`${API}/admin/tutors/${candidate.id}/reject`, { reason: `  ${reason}  ` }, { token: boss.token });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ approvalStatus: 'rejected', rejectionReason: reason });

    const mine = await candidate.api.get(`${API}/tutors/me`, { token: candidate.token });
    expect(mine.body).toMatchObject({ approvalStatus: 'rejected', rejectionReason: reason });

    const [audit] = await sql<{ actor_id: string; metadata: any; ip: string }[]>`
      select actor_id, metadata, host(ip) as ip from audit_log where action = 'tutor.rejected' and target_id = ${candidate.id}`;
    expect(audit).toEqual({ actor_id: boss.id, metadata: { reason }, ip: boss.api.ip });

    const notifications = await candidate.api.get(`${API}/notifications?unread=true`, { token: candidate.token });
    expect(notifications.body.items).toHaveLength(1);
    expect(notifications.body.items[0]).toMatchObject({ category: 'tutor_approval', data: { status: 'rejected', reason } });

    const mail = await mailbox.waitFor((m) => m.to.includes(candidate.email.toLowerCase()) && m.subject.includes('needs changes'));
    expect(mail.text).toContain(reason);
    expect(mail.text).toContain('/tutor/onboarding');
  });

  test('422 without a reason, with a blank one or one over 1000 characters; 409 when not pending', async () => {
    const boss = await admin();
    const candidate = await pendingTutor();
    const reject = (body: unknown) => boss.api.post(`${API}/admin/tutors/${candidate.id}/reject`, body, { token: boss.token });
    expectError(await reject({}), 422, 'validation_failed', ['reason']);
    expectError(await reject({ reason: '' }), 422, 'validation_failed', ['reason']);
    expectError(await reject({ reason: '    ' }), 422, 'validation_failed', ['reason']);
    expectError(await reject({ reason: 'x'.repeat(1001) }), 422, 'validation_failed', ['reason']);
    expect((await reject({ reason: 'x'.repeat(1000) })).status).toBe(200);
    expectError(await reject({ reason: 'Again' }), 409, 'conflict');
    const draft = await tutor();
    expect((await draft.api.get(`${API}/tutors/me`, { token: draft.token })).status).toBe(200);
    expectError(await boss.api.post(`${API}/admin/tutors/${draft.id}/reject`, { reason: 'No' }, { token: boss.token }), 409, 'conflict');
    expectError(await boss.api.post(`${API}/admin/tutors/${UUID}/reject`, { reason: 'No' }, { token: boss.token }), 404, 'not_found');
  });
});
