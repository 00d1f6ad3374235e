/**
 * Rate limits of the account routes (server/modules/accounts/service.ts LIMITS): 5 emails per address per 15 min
 * for resend-verification and forgot-password; per IP (configurable, env.ipLimits; small in tests, see
 * tests/support/preload.ts): email requests per 15 min, registrations per hour, failed sign-ins per 15 min.
 * Login failures per account are in login.test.ts.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { env } from '../../../server/env.ts';
import { API, STRONG_PASSWORD, client, expectError, expectRateLimited, mailsOf, nextMail, register, uniqueEmail } from './helpers.ts';

// bunfig's [test] timeout is not a Bun setting: the default is 5 s, too short for mail round trips under load.
setDefaultTimeout(20_000);

const PER_ACCOUNT = 5;
const EMAIL_PER_IP = env.ipLimits.emailsPer15Min;
const REGISTER_PER_IP = env.ipLimits.registrationsPerHour;
const FAILED_SIGNINS_PER_IP = env.ipLimits.failedSignInsPer15Min;

describe.each([
  ['resend-verification', '/auth/resend-verification'],
  ['password/forgot', '/auth/password/forgot'],
])('POST %s', (_name, path) => {
  test(`429 with Retry-After after ${PER_ACCOUNT} calls for one existing email, even from different IPs`, async () => {
    const { email } = await register();
    for (let index = 0; index < PER_ACCOUNT; index++) {
      expect((await (await client()).post(`${API}${path}`, { email })).status).toBe(202);
    }
    const limited = await (await client()).post(`${API}${path}`, { email });
    expectRateLimited(limited);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);
    // The same email in another case is the same account.
    expectRateLimited(await (await client()).post(`${API}${path}`, { email: email.toUpperCase() }));
  });

  test('the same limit applies to an unknown email, so the answers do not reveal which accounts exist', async () => {
    const email = uniqueEmail('ghost');
    for (let index = 0; index < PER_ACCOUNT; index++) {
      expect((await (await client()).post(`${API}${path}`, { email })).status).toBe(202);
    }
    expectRateLimited(await (await client()).post(`${API}${path}`, { email }));
  });

  test('a limited email does not limit another email', async () => {
    const limitedEmail = uniqueEmail('limited');
    for (let index = 0; index <= PER_ACCOUNT; index++) await (await client()).post(`${API}${path}`, { email: limitedEmail });
    expect((await (await client()).post(`${API}${path}`, { email: uniqueEmail('free') })).status).toBe(202);
  });

  test(`429 after ${EMAIL_PER_IP} calls from one IP, for any emails`, async () => {
    const api = await client();
    const replies = await Promise.all(
      Array.from({ length: EMAIL_PER_IP }, () => api.post(`${API}${path}`, { email: uniqueEmail('ip') })),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(EMAIL_PER_IP).fill(202));
    expectRateLimited(await api.post(`${API}${path}`, { email: uniqueEmail('ip') }));
    // Another IP is not affected.
    expect((await (await client()).post(`${API}${path}`, { email: uniqueEmail('ip') })).status).toBe(202);
  });
});

test('resend-verification: the limited call sends no email', async () => {
  const { email } = await register();
  await nextMail('verify', email);
  for (let index = 0; index < PER_ACCOUNT; index++) {
    expect((await (await client()).post(`${API}/auth/resend-verification`, { email })).status).toBe(202);
  }
  // 1 on registration + 5 resends.
  const deadline = Date.now() + 15_000;
  while (mailsOf('verify', email).length < PER_ACCOUNT + 1 && Date.now() < deadline) await Bun.sleep(25);
  expect(mailsOf('verify', email)).toHaveLength(PER_ACCOUNT + 1);
  expectRateLimited(await (await client()).post(`${API}/auth/resend-verification`, { email }));
  await Bun.sleep(600);
  expect(mailsOf('verify', email)).toHaveLength(PER_ACCOUNT + 1);
});

test(`register: 429 with Retry-After after ${REGISTER_PER_IP} registrations from one IP; no account is created`, async () => {
  const api = await client();
  for (let batch = 0; batch < REGISTER_PER_IP; batch += 5) {
    const size = Math.min(5, REGISTER_PER_IP - batch);
    const replies = await Promise.all(
      Array.from({ length: size }, () =>
        api.post(`${API}/auth/register`, { email: uniqueEmail('bulk'), password: STRONG_PASSWORD, name: 'Bulk', role: 'student' }),
      ),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(size).fill(201));
  }
  const email = uniqueEmail('bulk');
  const limited = await api.post(`${API}/auth/register`, { email, password: STRONG_PASSWORD, name: 'Bulk', role: 'student' });
  expectRateLimited(limited);
  expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
  // The account was not created: from a fresh IP the same email registers fine.
  expect((await (await client()).post(`${API}/auth/register`, { email, password: STRONG_PASSWORD, name: 'Bulk', role: 'student' })).status).toBe(201);
});

test(`login: 429 with Retry-After after ${FAILED_SIGNINS_PER_IP} failed sign-ins from one IP, for any accounts; successful sign-ins do not count`, async () => {
  const api = await client();
  const member = await register();
  // Unknown emails, so no account's own limit (10 in a row) is reached.
  for (let index = 1; index < FAILED_SIGNINS_PER_IP; index++) {
    expectError(await api.post(`${API}/auth/login`, { email: uniqueEmail('stuffing'), password: 'not the password' }), 401, 'invalid_credentials');
  }
  // One failure short of the limit: successful sign-ins from the same address go through and are not counted.
  for (let index = 0; index < 3; index++) {
    expect((await api.post(`${API}/auth/login`, { email: member.email, password: member.password })).status).toBe(200);
  }
  expectError(await api.post(`${API}/auth/login`, { email: uniqueEmail('stuffing'), password: 'not the password' }), 401, 'invalid_credentials');
  // The limit is reached: even the right password of a real account is refused from this address.
  const limited = await api.post(`${API}/auth/login`, { email: member.email, password: member.password });
  expectRateLimited(limited);
  expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(15 * 60);
  // Another IP is not affected.
  expect((await (await client()).post(`${API}/auth/login`, { email: member.email, password: member.password })).status).toBe(200);
});
