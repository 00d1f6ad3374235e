import { expect, test } from 'bun:test';
import { buildApp } from '../../../server/app.ts';

test('an unexpected exception answers 500 in the contract format with the request id and no internals', async () => {
  const app = buildApp().get('/api/v1/__boom', () => {
    throw new Error('connection string postgres://secret@db');
  });
  const response = await app.handle(new Request('http://localhost/api/v1/__boom', { headers: { 'x-request-id': 'req-test-12345' } }));
  expect(response.status).toBe(500);
  expect(response.headers.get('x-request-id')).toBe('req-test-12345');
  const text = await response.text();
  expect(text).not.toContain('secret');
  expect(text).not.toContain('at ');
  const body = JSON.parse(text);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.code).toBe('internal_error');
  expect(body.error.message).toContain('req-test-12345');
});

test('a request id is generated when none (or a malformed one) is sent', async () => {
  const app = buildApp();
  const response = await app.handle(new Request('http://localhost/health/live', { headers: { 'x-request-id': 'bad id with spaces' } }));
  const id = response.headers.get('x-request-id');
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
});
