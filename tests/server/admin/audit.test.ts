import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { signedInAdmin, signIn, type SignedInAccount } from '../../support/admin.ts';
import { Client, STRONG_PASSWORD, client, uniqueEmail, type Reply, type RequestOptions } from '../../support/app.ts';
import { expectError, ISO_UTC, resetToken } from '../accounts/helpers.ts';
import { enableTwoFactor, totp } from '../security/helpers.ts';

const API = '/api/v1';
setDefaultTimeout(30_000);

async function auditOf(admin: SignedInAccount, query: string): Promise<any[]> {
  const reply = await admin.api.get(`${API}/admin/audit-log?limit=100&${query}`, { token: admin.accessToken });
  expect(reply.status).toBe(200);
  return reply.body.items;
}

describe('audit log', () => {
  test('each account action writes a row with the request IP and user agent', async () => {
    const admin = await signedInAdmin();
    const agent = `AuditAgent/${Math.random().toString(36).slice(2, 8)}`;
    const api = new AgentClient(await client(), agent);
    const email = uniqueEmail('audited');

    // Registration, a failed and a successful sign-in.
    const registered = await api.post(`${API}/auth/register`, { email, password: STRONG_PASSWORD, name: 'Audited', role: 'student' });
    expect(registered.status).toBe(201);
    const userId = registered.body.user.id as string;
    expectError(await api.post(`${API}/auth/login`, { email, password: 'not the password' }), 401, 'invalid_credentials');
    const user = await signIn(api, email, STRONG_PASSWORD);

    // 2FA on, a sign-in with a code, a wrong code, 2FA off.
    const { secret, usedStep } = await enableTwoFactor(user);
    const second = await api.post(`${API}/auth/login`, { email, password: STRONG_PASSWORD, totp: totp(secret, usedStep + 1) });
    expect(second.status).toBe(200);
    expectError(await api.post(`${API}/auth/login`, { email, password: STRONG_PASSWORD, totp: totp(secret, usedStep + 1) }), 401, 'invalid_credentials', ['totp']);
    expect((await api.post(`${API}/auth/2fa/disable`, { code: totp(secret, usedStep + 2) }, { token: user.accessToken })).status).toBe(204);

    // Sign out the second session from the first, change the password, log out, reset the password.
    const sessions = await api.get(`${API}/me/sessions`, { token: user.accessToken });
    const other = sessions.body.items.find((item: any) => !item.current);
    expect((await api.delete(`${API}/me/sessions/${other.id}`, { token: user.accessToken })).status).toBe(204);
    const newPassword = 'another long passphrase 42';
    expect((await api.post(`${API}/auth/password/change`, { currentPassword: STRONG_PASSWORD, newPassword }, { token: user.accessToken })).status).toBe(204);
    expect((await api.post(`${API}/auth/logout`, undefined, { token: user.accessToken })).status).toBe(204);
    expect((await api.post(`${API}/auth/password/forgot`, { email })).status).toBe(202);
    const token = await resetToken(email);
    expect((await api.post(`${API}/auth/password/reset`, { token, password: 'a third long passphrase 7' })).status).toBe(204);

    const rows = await auditOf(admin, `actorId=${userId}`);
    const actions = rows.map((row) => row.action);
    // Newest first.
    expect(actions).toEqual([
      'auth.password_reset',
      'auth.logout',
      'auth.password_changed',
      'session.revoked',
      'auth.2fa_disabled',
      'auth.login_failed',
      'auth.login',
      'auth.2fa_enabled',
      'auth.login',
      'auth.login_failed',
      'user.registered',
    ]);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['action', 'actorId', 'createdAt', 'id', 'ip', 'metadata', 'targetId', 'targetType', 'userAgent']);
      expect(row).toMatchObject({ actorId: userId, ip: api.ip, userAgent: agent });
      expect(row.createdAt).toMatch(ISO_UTC);
    }
    const byAction = (action: string) => rows.filter((row) => row.action === action);
    expect(byAction('user.registered')[0]).toMatchObject({ targetType: 'user', targetId: userId, metadata: { role: 'student' } });
    expect(byAction('auth.login_failed').map((row) => row.metadata)).toEqual([
      { email, reason: 'invalid_totp' },
      { email, reason: 'invalid_credentials' },
    ]);
    expect(byAction('auth.login')[0]).toMatchObject({ targetType: 'session', metadata: { secondFactor: 'totp' } });
    expect(byAction('session.revoked')[0]).toMatchObject({ targetType: 'session', targetId: other.id });
    expect(byAction('auth.2fa_disabled')[0]!.metadata).toEqual({ method: 'totp' });
  });

  test('a failed sign-in for an unknown email has no actor and records the email', async () => {
    const admin = await signedInAdmin();
    const api = await client();
    const email = uniqueEmail('nobody');
    expectError(await api.post(`${API}/auth/login`, { email, password: 'whatever it is' }, { headers: { 'user-agent': 'Probe/1' } }), 401, 'invalid_credentials');
    const rows = (await auditOf(admin, 'action=auth.login_failed')).filter((row) => row.metadata.email === email);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorId: null, ip: api.ip, userAgent: 'Probe/1', metadata: { email, reason: 'invalid_credentials' } });
  });

  test('role changes, deactivation and reactivation are recorded with the admin as actor and the user as target', async () => {
    const admin = await signedInAdmin({ headers: { 'user-agent': 'AdminConsole/1' } });
    const target = await signIn(await client(), ...(await registered()));
    const headers = { 'user-agent': 'AdminConsole/1' };
    await admin.api.patch(`${API}/admin/users/${target.id}`, { role: 'tutor' }, { token: admin.accessToken, headers });
    await admin.api.patch(`${API}/admin/users/${target.id}`, { active: false }, { token: admin.accessToken, headers });
    // A refused sign-in of the deactivated account is recorded too.
    expectError(await target.api.post(`${API}/auth/login`, { email: target.email, password: target.password }), 401, 'account_inactive');
    const refused = (await auditOf(admin, `actorId=${target.id}&action=auth.login_failed`))[0];
    expect(refused).toMatchObject({ actorId: target.id, ip: target.api.ip, metadata: { email: target.email, reason: 'account_inactive' } });
    await admin.api.patch(`${API}/admin/users/${target.id}`, { active: true }, { token: admin.accessToken, headers });
    const rows = (await auditOf(admin, `actorId=${admin.id}`)).filter((row) => row.targetId === target.id);
    expect(rows.map((row) => [row.action, row.metadata])).toEqual([
      ['user.reactivated', {}],
      ['user.deactivated', { sessionsRevoked: 1 }],
      ['user.role_changed', { from: 'student', to: 'tutor' }],
    ]);
    for (const row of rows) expect(row).toMatchObject({ actorId: admin.id, targetType: 'user', ip: admin.api.ip, userAgent: 'AdminConsole/1' });
  });

  test('filters by action and pages with a cursor; bad filters are 400', async () => {
    const admin = await signedInAdmin();
    const first = await admin.api.get(`${API}/admin/audit-log?action=user.registered&limit=2`, { token: admin.accessToken });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items.every((row: any) => row.action === 'user.registered')).toBe(true);
    expect(typeof first.body.nextCursor).toBe('string');
    const next: Reply = await admin.api.get(`${API}/admin/audit-log?action=user.registered&limit=2&cursor=${first.body.nextCursor}`, { token: admin.accessToken });
    expect(next.status).toBe(200);
    const firstIds = first.body.items.map((row: any) => row.id);
    for (const row of next.body.items) expect(firstIds).not.toContain(row.id);
    expect(next.body.items[0].id < first.body.items[1].id).toBe(true);
    expectError(await admin.api.get(`${API}/admin/audit-log?actorId=not-a-uuid`, { token: admin.accessToken }), 400, 'invalid_parameters');
    expectError(await admin.api.get(`${API}/admin/audit-log?cursor=zzz`, { token: admin.accessToken }), 400, 'invalid_cursor');
    // Well-formed (base64 JSON of the right shape) but forged: the id is not a UUID.
    const forged = Buffer.from(JSON.stringify(["1' or '1'='1"])).toString('base64url');
    expectError(await admin.api.get(`${API}/admin/audit-log?cursor=${forged}`, { token: admin.accessToken }), 400, 'invalid_cursor');
  });
});

async function registered(): Promise<[string, string]> {
  const api: Client = await client();
  const email = uniqueEmail('target');
  const reply = await api.post(`${API}/auth/register`, { email, password: STRONG_PASSWORD, name: 'Target', role: 'student' });
  if (reply.status !== 201) throw new Error(reply.text);
  return [email, STRONG_PASSWORD];
}

/** A test client that sends the same User-Agent with every request. */
class AgentClient extends Client {
  constructor(
    base: Client,
    readonly agent: string,
  ) {
    super(base.baseUrl, base.ip);
  }

  override request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    return super.request<T>(method, path, { ...options, headers: { 'user-agent': this.agent, ...options.headers } });
  }
}
