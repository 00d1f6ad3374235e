/**
 * REQUIRE_ADMIN_2FA=true, on a server process of its own (the environment is read once per process): an admin
 * without 2FA signs in, but every admin route answers 403 two_factor_required until they turn 2FA on.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Client, STRONG_PASSWORD, uniqueEmail } from '../../support/app.ts';
import { startServerProcess, type ServerProcess } from '../../support/processes.ts';
import { signIn } from '../../support/admin.ts';
import { expectError } from '../accounts/helpers.ts';
import { enableTwoFactor } from '../security/helpers.ts';

setDefaultTimeout(60_000);

let server: ServerProcess;
const adminEmail = uniqueEmail('required-2fa-admin');

beforeAll(async () => {
  server = await startServerProcess({ env: { REQUIRE_ADMIN_2FA: 'true', ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: STRONG_PASSWORD } });
});

afterAll(async () => {
  await server?.kill();
});

const api = () => new Client(`http://127.0.0.1:${server.port}`);

describe('REQUIRE_ADMIN_2FA=true', () => {
  test('an admin without 2FA signs in, gets 403 two_factor_required on admin routes, and gets through once 2FA is on', async () => {
    const admin = await signIn(api(), adminEmail, STRONG_PASSWORD);
    expect(admin.user.role).toBe('admin');
    expect((await admin.api.get('/api/v1/me', { token: admin.accessToken })).status).toBe(200);

    for (const path of ['/api/v1/admin/users', '/api/v1/admin/audit-log', '/api/v1/admin/tutors']) {
      expectError(await admin.api.get(path, { token: admin.accessToken }), 403, 'two_factor_required');
    }
    expectError(await admin.api.patch(`/api/v1/admin/users/${admin.id}`, { role: 'admin' }, { token: admin.accessToken }), 403, 'two_factor_required');
    expectError(await admin.api.get('/admin/queues/api/queues', { cookie: admin.cookie }), 403, 'two_factor_required');

    await enableTwoFactor(admin);
    // The same session, at once.
    expect((await admin.api.get('/api/v1/admin/users', { token: admin.accessToken })).status).toBe(200);
    expect((await admin.api.get('/api/v1/admin/audit-log', { token: admin.accessToken })).status).toBe(200);
    expect((await admin.api.get('/admin/queues/api/queues', { cookie: admin.cookie })).status).toBe(200);
  });

  test('students still get 403 forbidden (not two_factor_required)', async () => {
    const client = api();
    const email = uniqueEmail('student');
    expect((await client.post('/api/v1/auth/register', { email, password: STRONG_PASSWORD, name: 'S', role: 'student' })).status).toBe(201);
    const student = await signIn(client, email, STRONG_PASSWORD);
    expectError(await student.api.get('/api/v1/admin/users', { token: student.accessToken }), 403, 'forbidden');
  });
});
