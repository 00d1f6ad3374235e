import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { account, signedInAdmin } from '../../support/admin.ts';
import { client } from '../../support/app.ts';
import { expectError } from '../accounts/helpers.ts';

// Each test signs several accounts in (argon2 hashing): generous under a loaded machine.
setDefaultTimeout(30_000);

const HTML = { accept: 'text/html,application/xhtml+xml' };

describe('/admin/queues (bull-board)', () => {
  test('anonymous: a browser navigation is redirected to sign-in; anything else is 401', async () => {
    const api = await client();
    const page = await api.get('/admin/queues', { headers: HTML });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/login?next=/admin/queues');
    expectError(await api.get('/admin/queues/api/queues'), 401, 'unauthorized');
    expectError(await api.get('/admin/queues'), 401, 'unauthorized');
  });

  test('students and tutors: 403', async () => {
    for (const role of ['student', 'tutor'] as const) {
      const user = await account(role);
      expectError(await user.api.get('/admin/queues', { cookie: user.cookie, headers: HTML }), 403, 'forbidden');
      expectError(await user.api.get('/admin/queues/api/queues', { cookie: user.cookie }), 403, 'forbidden');
    }
  });

  test('admins: 200, the page and its assets come from this server (no external links), the API lists the queues', async () => {
    const admin = await signedInAdmin();
    const page = await admin.api.get('/admin/queues', { cookie: admin.cookie, headers: HTML });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toContain('no-store');
    expect(page.text).toContain('<base href="/admin/queues/"');
    expect(page.text).not.toMatch(/https?:\/\//);
    const scripts = [...page.text.matchAll(/src="(static\/js\/[^"]+)"/g)].map((match) => match[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      const asset = await admin.api.get(`/admin/queues/${script}`, { cookie: admin.cookie });
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toContain('javascript');
    }
    // Deep links of the UI render the page too.
    expect((await admin.api.get('/admin/queues/queue/email', { cookie: admin.cookie, headers: HTML })).status).toBe(200);

    const queues = await admin.api.get('/admin/queues/api/queues', { cookie: admin.cookie });
    expect(queues.status).toBe(200);
    expect(queues.body.queues.map((queue: any) => queue.name)).toContain('email');
    // A Bearer token works as well.
    expect((await admin.api.get('/admin/queues/api/queues', { token: admin.accessToken })).status).toBe(200);
  });

  test('state-changing calls from another origin are refused', async () => {
    const admin = await signedInAdmin();
    const reply = await admin.api.request('PUT', '/admin/queues/api/queues/pause', {
      cookie: admin.cookie,
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expectError(reply, 403, 'forbidden');
  });
});
