import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  API,
  client,
  expectError,
  expectNoNewMail,
  expectUserShape,
  expireEmailTokens,
  login,
  mailsOf,
  me,
  register,
  resetToken,
  uniqueEmail,
  userRow,
  verifyToken,
} from './helpers.ts';

// bunfig's [test] timeout is not a Bun setting: the default is 5 s, too short for mail round trips under load.
setDefaultTimeout(20_000);

describe('POST /auth/verify-email', () => {
  test('200 {user} with emailVerified true, stored in the database', async () => {
    const { api, email, user } = await register();
    const token = await verifyToken(email);
    const reply = await api.post(`${API}/auth/verify-email`, { token });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['user']);
    expectUserShape(reply.body.user);
    expect(reply.body.user).toMatchObject({ id: user.id, email, emailVerified: true });
    expect((await userRow(email)).email_verified_at).not.toBeNull();
  });

  test('a signed-in session sees emailVerified flip at once (no stale cache)', async () => {
    const { api, email, password } = await register();
    const session = await login(email, password, api);
    const before = await me(api, { token: session.accessToken });
    expect(before.body.emailVerified).toBe(false);
    const token = await verifyToken(email);
    expect((await api.post(`${API}/auth/verify-email`, { token })).status).toBe(200);
    const after = await me(api, { token: session.accessToken });
    expect(after.status).toBe(200);
    expect(after.body.emailVerified).toBe(true);
  });

  test('a used token answers 400 invalid_token', async () => {
    const { api, email } = await register();
    const token = await verifyToken(email);
    expect((await api.post(`${API}/auth/verify-email`, { token })).status).toBe(200);
    expectError(await api.post(`${API}/auth/verify-email`, { token }), 400, 'invalid_token');
  });

  test('an unknown token answers 400 invalid_token', async () => {
    const api = await client();
    expectError(await api.post(`${API}/auth/verify-email`, { token: 'no-such-token-AAAAAAAAAAAAAAAAAAAAAAAA' }), 400, 'invalid_token');
  });

  test('an empty token is an unknown token (400 invalid_token); a missing one is a validation error naming the field', async () => {
    const api = await client();
    expectError(await api.post(`${API}/auth/verify-email`, { token: '' }), 400, 'invalid_token');
    expectError(await api.post(`${API}/auth/verify-email`, {}), 422, 'validation_failed', ['token']);
  });

  test('an expired token answers 410 token_expired and leaves the account unverified', async () => {
    const { api, email } = await register();
    const token = await verifyToken(email);
    await expireEmailTokens(email, 'verify_email');
    expectError(await api.post(`${API}/auth/verify-email`, { token }), 410, 'token_expired');
    expect((await userRow(email)).email_verified_at).toBeNull();
  });

  test('a password-reset token is refused by verify-email (400) and stays usable for its own purpose', async () => {
    const { api, email } = await register();
    await verifyToken(email); // the registration mail, so it is not mistaken for anything else
    expect((await api.post(`${API}/auth/password/forgot`, { email })).status).toBe(202);
    const foreign = await resetToken(email);
    expectError(await api.post(`${API}/auth/verify-email`, { token: foreign }), 400, 'invalid_token');
    expect((await userRow(email)).email_verified_at).toBeNull();
    const reset = await api.post(`${API}/auth/password/reset`, { token: foreign, password: 'a brand new passphrase' });
    expect(reset.status).toBe(204);
  });
});

describe('POST /auth/resend-verification', () => {
  test('202 with the same body for an existing and an unknown email', async () => {
    const { email } = await register();
    const api = await client();
    const known = await api.post(`${API}/auth/resend-verification`, { email });
    const unknown = await api.post(`${API}/auth/resend-verification`, { email: uniqueEmail('nobody') });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.text).toBe(known.text);
    expect(unknown.headers.get('content-type')).toBe(known.headers.get('content-type'));
  });

  test('a new email arrives for an unverified account; only the newest link works', async () => {
    const { api, email } = await register();
    const first = await verifyToken(email);
    const seen = mailsOf('verify', email);
    expect((await api.post(`${API}/auth/resend-verification`, { email })).status).toBe(202);
    const second = await verifyToken(email, seen);
    expect(second).not.toBe(first);

    expectError(await api.post(`${API}/auth/verify-email`, { token: first }), 400, 'invalid_token');
    const verified = await api.post(`${API}/auth/verify-email`, { token: second });
    expect(verified.status).toBe(200);
    expect(verified.body.user.emailVerified).toBe(true);
  });

  test('the email is matched case-insensitively', async () => {
    const { api, email } = await register();
    await verifyToken(email);
    const seen = mailsOf('verify', email);
    expect((await api.post(`${API}/auth/resend-verification`, { email: email.toUpperCase() })).status).toBe(202);
    await verifyToken(email, seen);
  });

  test('no email for an unknown address', async () => {
    const api = await client();
    const email = uniqueEmail('ghost');
    expect((await api.post(`${API}/auth/resend-verification`, { email })).status).toBe(202);
    await expectNoNewMail('verify', email, []);
  });

  test('no email for an already verified account', async () => {
    const { api, email } = await register();
    const token = await verifyToken(email);
    expect((await api.post(`${API}/auth/verify-email`, { token })).status).toBe(200);
    const seen = mailsOf('verify', email);
    const reply = await api.post(`${API}/auth/resend-verification`, { email });
    expect(reply.status).toBe(202);
    await expectNoNewMail('verify', email, seen);
  });

  test('422 for an invalid email', async () => {
    const api = await client();
    expectError(await api.post(`${API}/auth/resend-verification`, { email: 'nope' }), 422, 'validation_failed', ['email']);
  });
});
