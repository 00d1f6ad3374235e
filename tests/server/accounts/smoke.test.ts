import { expect, test } from 'bun:test';
import { client, signedInUser } from '../../support/app.ts';

test('a registered user can sign in and read /me', async () => {
  const { api, accessToken, email } = await signedInUser();
  const me = await api.get('/api/v1/me', { token: accessToken });
  expect(me.status).toBe(200);
  expect(me.body.email).toBe(email);
});

test('health', async () => {
  const api = await client();
  expect((await api.get('/health/ready')).status).toBe(200);
});
