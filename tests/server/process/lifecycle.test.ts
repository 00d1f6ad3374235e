/**
 * The server as a process: graceful shutdown finishes in-flight requests, and the logs (JSON, one line per event,
 * each with a request id) never contain passwords or tokens.
 */
import { expect, test } from 'bun:test';
import { STRONG_PASSWORD, uniqueEmail } from '../../support/app.ts';
import { startServerProcess } from '../../support/processes.ts';

test('SIGTERM lets an in-flight request finish, then the process exits 0 and stops accepting', async () => {
  const server = await startServerProcess();
  const base = `http://127.0.0.1:${server.port}`;
  // forgot-password takes at least 250 ms by design: long enough to be in flight when the signal lands.
  const inFlight = fetch(`${base}/api/v1/auth/password/forgot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.77.0.1' },
    body: JSON.stringify({ email: uniqueEmail('shutdown') }),
  });
  await Bun.sleep(50);
  server.process.kill('SIGTERM');
  const response = await inFlight;
  expect(response.status).toBe(202);
  expect(await server.process.exited).toBe(0);
  const refused = await fetch(`${base}/health/live`).then(
    () => false,
    () => true,
  );
  expect(refused).toBe(true);
}, 30_000);

test('logs are JSON lines with request ids and never carry passwords or tokens', async () => {
  const server = await startServerProcess({ captureOutput: true, env: { LOG_LEVEL: 'debug' } });
  const base = `http://127.0.0.1:${server.port}/api/v1`;
  const headers = { 'content-type': 'application/json', 'x-forwarded-for': '10.77.0.2' };
  const email = uniqueEmail('logs');
  await fetch(`${base}/auth/register`, { method: 'POST', headers, body: JSON.stringify({ email, password: STRONG_PASSWORD, name: 'Logs', role: 'student' }) });
  const login = (await (await fetch(`${base}/auth/login`, { method: 'POST', headers, body: JSON.stringify({ email, password: STRONG_PASSWORD }) })).json()) as {
    accessToken: string;
    refreshToken: string;
  };
  const refreshed = (await (await fetch(`${base}/auth/refresh`, { method: 'POST', headers, body: JSON.stringify({ refreshToken: login.refreshToken }) })).json()) as {
    accessToken: string;
  };
  await fetch(`${base}/me`, { headers: { authorization: `Bearer ${refreshed.accessToken}` } });
  await fetch(`${base}/auth/login`, { method: 'POST', headers, body: '{broken' });
  await server.kill('SIGTERM');
  const output = await new Response(server.process.stdout as ReadableStream).text();
  const lines = output.trim().split('\n').filter(Boolean);
  expect(lines.length).toBeGreaterThan(4);
  const requests = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
  expect(requests.length).toBeGreaterThanOrEqual(5);
  for (const entry of requests) expect(entry.requestId).toMatch(/^[0-9a-f-]{36}$/);
  for (const secret of [STRONG_PASSWORD, login.accessToken, login.refreshToken, refreshed.accessToken]) expect(output).not.toContain(secret);
}, 30_000);
