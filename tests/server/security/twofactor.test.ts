import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { sql } from '../../../db/client.ts';
import { account, cookieFrom } from '../../support/admin.ts';
import { client } from '../../support/app.ts';
import { expectError } from '../accounts/helpers.ts';
import { awayFromStepEdge, enableTwoFactor, stepNow, totp } from './helpers.ts';

const API = '/api/v1';
// Some tests wait up to 6 s for a safe point in the 30-second TOTP step.
setDefaultTimeout(30_000);

async function attemptLogin(email: string, password: string, totpCode?: string) {
  const api = await client();
  return api.post(`${API}/auth/login`, totpCode === undefined ? { email, password } : { email, password, totp: totpCode });
}

describe('POST /auth/2fa/setup', () => {
  test('200 {secret, otpauthUri}: base32 secret, SHA1, 6 digits, 30 s; 2FA stays off until enabled', async () => {
    const user = await account('student');
    const reply = await user.api.post(`${API}/auth/2fa/setup`, undefined, { token: user.accessToken });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body).sort()).toEqual(['otpauthUri', 'secret']);
    expect(reply.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(reply.body.otpauthUri);
    expect(reply.body.otpauthUri.startsWith(`otpauth://totp/Lyceum:${user.email}?`)).toBe(true);
    expect(uri.searchParams.get('secret')).toBe(reply.body.secret);
    expect(uri.searchParams.get('issuer')).toBe('Lyceum');
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');

    const me = await user.api.get(`${API}/me`, { token: user.accessToken });
    expect(me.body.twoFactorEnabled).toBe(false);
    // Still signs in without a code: nothing is enforced before enable.
    expect((await attemptLogin(user.email, user.password)).status).toBe(200);
  });

  test('the secret is stored encrypted, not as the base32 text', async () => {
    const user = await account('student');
    const reply = await user.api.post(`${API}/auth/2fa/setup`, undefined, { token: user.accessToken });
    const [row] = await sql<{ totp_secret: string }[]>`select totp_secret from users where id = ${user.id}`;
    expect(row!.totp_secret).not.toContain(reply.body.secret);
    expect(row!.totp_secret.startsWith('v1.')).toBe(true);
  });

  test('401 without authentication', async () => {
    expectError(await (await client()).post(`${API}/auth/2fa/setup`), 401, 'unauthorized');
  });
});

describe('POST /auth/2fa/enable', () => {
  test('422 invalid_code for a wrong code; 200 with 10 distinct recovery codes for a right one; GET /me says twoFactorEnabled', async () => {
    const user = await account('student');
    const setup = await user.api.post(`${API}/auth/2fa/setup`, undefined, { token: user.accessToken });
    await awayFromStepEdge();
    const right = totp(setup.body.secret);
    const wrong = right === '000000' ? '111111' : '000000';
    expectError(await user.api.post(`${API}/auth/2fa/enable`, { code: wrong }, { token: user.accessToken }), 422, 'invalid_code');
    expectError(await user.api.post(`${API}/auth/2fa/enable`, { code: 'not-a-code' }, { token: user.accessToken }), 422, 'invalid_code');

    const reply = await user.api.post(`${API}/auth/2fa/enable`, { code: right }, { token: user.accessToken });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['recoveryCodes']);
    expect(reply.body.recoveryCodes).toHaveLength(10);
    expect(new Set(reply.body.recoveryCodes).size).toBe(10);
    for (const code of reply.body.recoveryCodes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);

    // Stored as SHA-256 only.
    const stored = await sql<{ code_hash: string }[]>`select code_hash from recovery_codes where user_id = ${user.id}`;
    expect(stored).toHaveLength(10);
    for (const row of stored) {
      expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(reply.body.recoveryCodes).not.toContain(row.code_hash);
    }

    const me = await user.api.get(`${API}/me`, { token: user.accessToken });
    expect(me.body.twoFactorEnabled).toBe(true);
  });

  test('accepts one step of clock drift either way, not two', async () => {
    const user = await account('student');
    const setup = await user.api.post(`${API}/auth/2fa/setup`, undefined, { token: user.accessToken });
    await awayFromStepEdge();
    const now = stepNow();
    for (const step of [now - 2, now + 2]) {
      const code = totp(setup.body.secret, step);
      // Skip the (1 in 10^6) case where a far code equals a near one.
      if ([now - 1, now, now + 1].some((near) => totp(setup.body.secret, near) === code)) continue;
      expectError(await user.api.post(`${API}/auth/2fa/enable`, { code }, { token: user.accessToken }), 422, 'invalid_code');
    }
    expect((await user.api.post(`${API}/auth/2fa/enable`, { code: totp(setup.body.secret, now + 1) }, { token: user.accessToken })).status).toBe(200);
  });

  test('409 without a setup, and when already enabled (setup too)', async () => {
    const user = await account('student');
    expectError(await user.api.post(`${API}/auth/2fa/enable`, { code: '123456' }, { token: user.accessToken }), 409, 'two_factor_setup_required');
    await enableTwoFactor(user);
    expectError(await user.api.post(`${API}/auth/2fa/enable`, { code: '123456' }, { token: user.accessToken }), 409, 'two_factor_enabled');
    expectError(await user.api.post(`${API}/auth/2fa/setup`, undefined, { token: user.accessToken }), 409, 'two_factor_enabled');
  });

  test('422 for a missing code', async () => {
    const user = await account('student');
    expectError(await user.api.post(`${API}/auth/2fa/enable`, {}, { token: user.accessToken }), 422, 'validation_failed', ['code']);
  });

  test('wrong codes are rate limited: the 10th attempt in a row answers 429', async () => {
    const user = await account('student');
    const setup = await user.api.post(`${API}/auth/2fa/setup`, undefined, { token: user.accessToken });
    const valid = new Set([-1, 0, 1].map((offset) => totp(setup.body.secret, stepNow() + offset)));
    const wrong = ['000000', '111111', '222222', '333333'].find((code) => !valid.has(code))!;
    for (let attempt = 1; attempt <= 9; attempt++) {
      expectError(await user.api.post(`${API}/auth/2fa/enable`, { code: wrong }, { token: user.accessToken }), 422, 'invalid_code');
    }
    const limited = await user.api.post(`${API}/auth/2fa/enable`, { code: totp(setup.body.secret) }, { token: user.accessToken });
    expectError(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('POST /auth/login with 2FA', () => {
  test('401 totp_required without a code; 200 with a current code; the code cannot be used twice', async () => {
    const user = await account('student');
    const { secret, usedStep } = await enableTwoFactor(user);

    const missing = await attemptLogin(user.email, user.password);
    expectError(missing, 401, 'totp_required');
    expect(missing.headers.get('set-cookie')).toBeNull();

    const code = totp(secret, usedStep + 1);
    const ok = await attemptLogin(user.email, user.password, code);
    expect(ok.status).toBe(200);
    expect(ok.body.user.twoFactorEnabled).toBe(true);
    expect(cookieFrom(ok.headers)).toMatch(/^session=/);
    // Replaying the code that just worked is refused: a code opens at most one session.
    const replay = await attemptLogin(user.email, user.password, code);
    expectError(replay, 401, 'invalid_credentials', ['totp']);
    expect(replay.headers.get('set-cookie')).toBeNull();
  });

  test('the code used to enable 2FA also signs in (only sign-in claims a step), once', async () => {
    const user = await account('student');
    const { secret, usedStep } = await enableTwoFactor(user);
    const code = totp(secret, usedStep);
    const ok = await attemptLogin(user.email, user.password, code);
    expect(ok.status).toBe(200);
    expect(ok.body.user.twoFactorEnabled).toBe(true);
    expectError(await attemptLogin(user.email, user.password, code), 401, 'invalid_credentials', ['totp']);
  });

  test('a wrong password still answers invalid_credentials, whatever the code', async () => {
    const user = await account('student');
    const { secret, usedStep } = await enableTwoFactor(user);
    expectError(await attemptLogin(user.email, 'definitely not the password', totp(secret, usedStep + 1)), 401, 'invalid_credentials');
  });

  test('a recovery code signs in once; the second use is refused', async () => {
    const user = await account('student');
    const { recoveryCodes } = await enableTwoFactor(user);
    const code = recoveryCodes[3]!;
    expect((await attemptLogin(user.email, user.password, code)).status).toBe(200);
    expectError(await attemptLogin(user.email, user.password, code), 401, 'invalid_credentials', ['totp']);
    // Typed in capitals with spaces instead of dashes, another code still works.
    expect((await attemptLogin(user.email, user.password, recoveryCodes[4]!.toUpperCase().replaceAll('-', ' '))).status).toBe(200);
  });

  test('a wrong code is 401 invalid_credentials with fields.totp and counts as a failed sign-in: the 10th attempt in a row is 429', async () => {
    const user = await account('student');
    const { secret } = await enableTwoFactor(user);
    const valid = new Set([-1, 0, 1, 2].map((offset) => totp(secret, stepNow() + offset)));
    const wrong = ['000000', '111111', '222222', '333333', '444444'].find((code) => !valid.has(code))!;
    for (let attempt = 1; attempt <= 9; attempt++) {
      expectError(await attemptLogin(user.email, user.password, wrong), 401, 'invalid_credentials', ['totp']);
    }
    // Even the right code is refused now: the account is locked for a while.
    expectError(await attemptLogin(user.email, user.password, totp(secret, stepNow() + 1)), 429, 'rate_limited');
  });
});

describe('POST /auth/2fa/disable', () => {
  test('422 for a wrong code; 204 with a current code, even one just used to sign in; then sign-in needs no code', async () => {
    const user = await account('student');
    const { secret, usedStep } = await enableTwoFactor(user);
    const valid = new Set([-1, 0, 1, 2].map((offset) => totp(secret, usedStep + offset)));
    const wrong = ['000000', '111111', '222222', '333333', '444444'].find((code) => !valid.has(code))!;
    expectError(await user.api.post(`${API}/auth/2fa/disable`, { code: wrong }, { token: user.accessToken }), 422, 'invalid_code');
    // Signing in claims the step; disabling only proves possession, so the same code still works for it.
    const code = totp(secret, usedStep + 1);
    expect((await attemptLogin(user.email, user.password, code)).status).toBe(200);
    const reply = await user.api.post(`${API}/auth/2fa/disable`, { code }, { token: user.accessToken });
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
    expect((await user.api.get(`${API}/me`, { token: user.accessToken })).body.twoFactorEnabled).toBe(false);
    expect((await attemptLogin(user.email, user.password)).status).toBe(200);
    const [row] = await sql<{ totp_secret: string | null; count: number }[]>`
      select totp_secret, (select count(*)::int from recovery_codes where user_id = ${user.id}) as count from users where id = ${user.id}`;
    expect(row).toEqual({ totp_secret: null, count: 0 });
  });

  test('a recovery code works too', async () => {
    const user = await account('student');
    const { recoveryCodes } = await enableTwoFactor(user);
    expect((await user.api.post(`${API}/auth/2fa/disable`, { code: recoveryCodes[0] }, { token: user.accessToken })).status).toBe(204);
  });

  test('409 when 2FA is off', async () => {
    const user = await account('student');
    expectError(await user.api.post(`${API}/auth/2fa/disable`, { code: '123456' }, { token: user.accessToken }), 409, 'two_factor_not_enabled');
  });

  test('2FA can be set up again after disabling, with a new secret', async () => {
    const user = await account('student');
    const first = await enableTwoFactor(user);
    expect((await user.api.post(`${API}/auth/2fa/disable`, { code: first.recoveryCodes[0] }, { token: user.accessToken })).status).toBe(204);
    const second = await enableTwoFactor(user);
    expect(second.secret).not.toBe(first.secret);
    // The old recovery codes are gone.
    expectError(await attemptLogin(user.email, user.password, first.recoveryCodes[1]!), 401, 'invalid_credentials', ['totp']);
    expect((await attemptLogin(user.email, user.password, second.recoveryCodes[1]!)).status).toBe(200);
  });
});
