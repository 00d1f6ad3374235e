import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  API,
  APP_URL,
  client,
  expectError,
  expireEmailTokens,
  login,
  mailsOf,
  me,
  nextMail,
  register,
  resetToken,
  uniqueEmail,
  userRow,
} from './helpers.ts';
import { linkToken } from '../../support/mailbox.ts';

// bunfig's [test] timeout is not a Bun setting: the default is 5 s, too short for mail round trips under load.
setDefaultTimeout(20_000);

const NEW_PASSWORD = 'a completely new passphrase';

async function forgot(email: string) {
  const reply = await (await client()).post(`${API}/auth/password/forgot`, { email });
  return reply;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const startedAt = performance.now();
  const result = await work();
  return { ms: performance.now() - startedAt, result };
}

describe('POST /auth/password/forgot', () => {
  test('202 with the same body for an existing and an unknown email, in about the same time', async () => {
    const { email } = await register();
    const known = await timed(() => forgot(email));
    const unknown = await timed(() => forgot(uniqueEmail('nobody')));
    expect(known.result.status).toBe(202);
    expect(unknown.result.status).toBe(202);
    expect(unknown.result.text).toBe(known.result.text);
    expect(unknown.result.headers.get('content-type')).toBe(known.result.headers.get('content-type'));
    expect(known.ms).toBeGreaterThanOrEqual(200);
    expect(unknown.ms).toBeGreaterThanOrEqual(200);
    expect(Math.abs(known.ms - unknown.ms)).toBeLessThan(200);
  });

  test('sends an email with the reset link; the token is URL-safe', async () => {
    const { email } = await register();
    expect((await forgot(email.toUpperCase())).status).toBe(202);
    const mail = await nextMail('reset', email);
    expect(mail.text).toContain(`${APP_URL}/reset-password?token=`);
    const token = linkToken(mail, '/reset-password');
    expect(token).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(mail.html).toContain(`${APP_URL}/reset-password?token=${token}`);
  });

  test('no email for an unknown address', async () => {
    const email = uniqueEmail('ghost');
    expect((await forgot(email)).status).toBe(202);
    await Bun.sleep(600);
    expect(mailsOf('reset', email)).toHaveLength(0);
  });

  test('422 for an invalid email', async () => {
    expectError(await forgot('not an email'), 422, 'validation_failed', ['email']);
  });
});

describe('POST /auth/password/reset', () => {
  test('204: every session is revoked at once, the new password works, the old does not, a "password changed" email is sent', async () => {
    const { email, password } = await register();
    const first = await login(email, password);
    const second = await login(email, password);
    const api = await client();
    // Warm the cache of both sessions.
    expect((await me(api, { token: first.accessToken })).status).toBe(200);
    expect((await me(api, { cookie: second.cookie })).status).toBe(200);

    expect((await forgot(email)).status).toBe(202);
    const token = await resetToken(email);
    const reply = await api.post(`${API}/auth/password/reset`, { token, password: NEW_PASSWORD });
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');

    expectError(await me(api, { token: first.accessToken }), 401, 'unauthorized');
    expectError(await me(api, { cookie: first.cookie }), 401, 'unauthorized');
    expectError(await me(api, { token: second.accessToken }), 401, 'unauthorized');
    expectError(await me(api, { cookie: second.cookie }), 401, 'unauthorized');
    expectError(await api.post(`${API}/auth/refresh`, { refreshToken: first.refreshToken }), 401, 'invalid_token');

    expectError(await api.post(`${API}/auth/login`, { email, password }), 401, 'invalid_credentials');
    expect((await api.post(`${API}/auth/login`, { email, password: NEW_PASSWORD })).status).toBe(200);

    const changed = await nextMail('changed', email);
    expect(changed.subject).toContain('password was changed');

    const { password_hash } = await userRow(email);
    expect(password_hash.startsWith('$argon2id$')).toBe(true);
    expect(password_hash).not.toContain(NEW_PASSWORD);
  });

  test('a used token answers 400 invalid_token', async () => {
    const { email } = await register();
    await forgot(email);
    const token = await resetToken(email);
    const api = await client();
    expect((await api.post(`${API}/auth/password/reset`, { token, password: NEW_PASSWORD })).status).toBe(204);
    expectError(await api.post(`${API}/auth/password/reset`, { token, password: 'yet another passphrase' }), 400, 'invalid_token');
    // The password is still the one set by the first reset.
    expect((await api.post(`${API}/auth/login`, { email, password: NEW_PASSWORD })).status).toBe(200);
  });

  test('an unknown or empty token answers 400 invalid_token', async () => {
    const api = await client();
    expectError(await api.post(`${API}/auth/password/reset`, { token: 'unknown-token-xyz', password: NEW_PASSWORD }), 400, 'invalid_token');
    expectError(await api.post(`${API}/auth/password/reset`, { token: '', password: NEW_PASSWORD }), 400, 'invalid_token');
  });

  test('a verification token is refused by password reset (400)', async () => {
    const { email, password } = await register();
    const verifyMail = await nextMail('verify', email);
    const foreign = linkToken(verifyMail, '/verify-email');
    const api = await client();
    expectError(await api.post(`${API}/auth/password/reset`, { token: foreign, password: NEW_PASSWORD }), 400, 'invalid_token');
    expect((await api.post(`${API}/auth/login`, { email, password })).status).toBe(200);
  });

  test('an expired token answers 410 token_expired and the password is unchanged', async () => {
    const { email, password } = await register();
    await forgot(email);
    const token = await resetToken(email);
    await expireEmailTokens(email, 'reset_password');
    const api = await client();
    expectError(await api.post(`${API}/auth/password/reset`, { token, password: NEW_PASSWORD }), 410, 'token_expired');
    expect((await api.post(`${API}/auth/login`, { email, password })).status).toBe(200);
  });

  test('only the newest reset link works', async () => {
    const { email } = await register();
    await forgot(email);
    const older = await resetToken(email);
    const seen = mailsOf('reset', email);
    await forgot(email);
    const newer = await resetToken(email, seen);
    expect(newer).not.toBe(older);
    const api = await client();
    expectError(await api.post(`${API}/auth/password/reset`, { token: older, password: NEW_PASSWORD }), 400, 'invalid_token');
    expect((await api.post(`${API}/auth/password/reset`, { token: newer, password: NEW_PASSWORD })).status).toBe(204);
  });

  test.each([
    ['too short', 'short1!'],
    ['common', 'password123'],
  ])('422 weak_password for a %s new password, and the token is not consumed', async (_label, weak) => {
    const { email, password } = await register();
    const session = await login(email, password);
    await forgot(email);
    const token = await resetToken(email);
    const api = await client();
    expectError(await api.post(`${API}/auth/password/reset`, { token, password: weak }), 422, 'weak_password', ['password']);
    // Nothing happened: the session lives, the old password works, and the same token still works.
    expect((await me(api, { token: session.accessToken })).status).toBe(200);
    expect((await api.post(`${API}/auth/login`, { email, password })).status).toBe(200);
    expect((await api.post(`${API}/auth/password/reset`, { token, password: NEW_PASSWORD })).status).toBe(204);
  });

  test('422 naming missing fields', async () => {
    const api = await client();
    expectError(await api.post(`${API}/auth/password/reset`, {}), 422, 'validation_failed', ['token', 'password']);
  });
});

describe('POST /auth/password/change', () => {
  test('204: other sessions are revoked at once, the current one keeps working, the new password works', async () => {
    const { email, password } = await register();
    const current = await login(email, password);
    const other = await login(email, password);
    const api = await client();
    expect((await me(api, { token: other.accessToken })).status).toBe(200);
    expect((await me(api, { cookie: other.cookie })).status).toBe(200);

    const reply = await api.post(`${API}/auth/password/change`, { currentPassword: password, newPassword: NEW_PASSWORD }, { token: current.accessToken });
    expect(reply.status).toBe(204);

    expectError(await me(api, { token: other.accessToken }), 401, 'unauthorized');
    expectError(await me(api, { cookie: other.cookie }), 401, 'unauthorized');
    expectError(await api.post(`${API}/auth/refresh`, { refreshToken: other.refreshToken }), 401, 'invalid_token');

    expect((await me(api, { token: current.accessToken })).status).toBe(200);
    expect((await me(api, { cookie: current.cookie })).status).toBe(200);
    expect((await api.post(`${API}/auth/refresh`, { refreshToken: current.refreshToken })).status).toBe(200);

    expectError(await api.post(`${API}/auth/login`, { email, password }), 401, 'invalid_credentials');
    expect((await api.post(`${API}/auth/login`, { email, password: NEW_PASSWORD })).status).toBe(200);
    await nextMail('changed', email);
  });

  test('works with the session cookie too', async () => {
    const { email, password } = await register();
    const session = await login(email, password);
    const api = await client();
    const reply = await api.post(`${API}/auth/password/change`, { currentPassword: password, newPassword: NEW_PASSWORD }, { cookie: session.cookie });
    expect(reply.status).toBe(204);
    expect((await me(api, { cookie: session.cookie })).status).toBe(200);
  });

  test('a wrong current password answers 401 invalid_credentials and changes nothing', async () => {
    const { email, password } = await register();
    const current = await login(email, password);
    const other = await login(email, password);
    const api = await client();
    const reply = await api.post(
      `${API}/auth/password/change`,
      { currentPassword: 'definitely not it', newPassword: NEW_PASSWORD },
      { token: current.accessToken },
    );
    expectError(reply, 401, 'invalid_credentials');
    expect((await me(api, { token: current.accessToken })).status).toBe(200);
    expect((await me(api, { token: other.accessToken })).status).toBe(200);
    expect((await api.post(`${API}/auth/login`, { email, password })).status).toBe(200);
  });

  test.each([
    ['too short', 'tiny9!'],
    ['common', 'qwertyuiop'],
  ])('422 weak_password for a %s new password, and nothing changes', async (_label, weak) => {
    const { email, password } = await register();
    const current = await login(email, password);
    const other = await login(email, password);
    const api = await client();
    const reply = await api.post(`${API}/auth/password/change`, { currentPassword: password, newPassword: weak }, { token: current.accessToken });
    expectError(reply, 422, 'weak_password', ['newPassword']);
    expect((await me(api, { token: other.accessToken })).status).toBe(200);
    expect((await api.post(`${API}/auth/login`, { email, password })).status).toBe(200);
  });

  test('422 naming missing fields', async () => {
    const { email, password } = await register();
    const session = await login(email, password);
    const api = await client();
    expectError(await api.post(`${API}/auth/password/change`, {}, { token: session.accessToken }), 422, 'validation_failed', [
      'currentPassword',
      'newPassword',
    ]);
  });

  test('401 without authentication', async () => {
    const api = await client();
    expectError(
      await api.post(`${API}/auth/password/change`, { currentPassword: 'whatever it is', newPassword: NEW_PASSWORD }),
      401,
      'unauthorized',
    );
  });
});

