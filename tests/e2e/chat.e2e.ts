// Chat in two browsers: a student messages an approved tutor from the tutor's profile, they chat live (typing,
// read receipt), the student goes offline while messages arrive and while writing one, comes back, and both
// browsers end up showing the same conversation as the stored history, with nothing missing or shown twice.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { sql } from '../../db/client.ts';
import { hashPassword } from '../../server/modules/accounts/passwords.ts';
import { startStack, type Stack } from '../support/stack.ts';

const PASSWORD = 'correct horse battery staple';
const STEP = 15_000;

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  stack = await startStack();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close().catch(() => {});
  await stack?.stop();
}, 60_000);

async function user(role: 'student' | 'tutor', name: string): Promise<{ id: string; email: string }> {
  const email = `chat-e2e-${role}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}@example.test`;
  const [row] = await sql<{ id: string }[]>`
    insert into users (id, email, password_hash, name, role, email_verified_at)
    values (${Bun.randomUUIDv7()}, ${email}, ${await hashPassword(PASSWORD)}, ${name}, ${role}, now())
    returning id`;
  if (role === 'tutor') {
    await sql`
      insert into tutor_profiles (user_id, headline, bio, subjects, hourly_rate_amount, hourly_rate_currency, languages, country, approval_status)
      values (${row!.id}, 'Patient maths tutor', 'I teach maths.', ${['Mathematics']}, 4000, 'USD', ${['en']}, 'DE', 'approved')`;
  }
  return { id: row!.id, email };
}

async function signedInPage(email: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: stack.baseUrl, viewport: { width: 1100, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP);
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  return { context, page };
}

const bodies = (page: Page) => page.getByTestId('message-body').allTextContents();

async function waitForBodies(page: Page, expected: string[]): Promise<void> {
  const deadline = Date.now() + STEP;
  let seen: string[] = [];
  while (Date.now() < deadline) {
    seen = await bodies(page);
    if (JSON.stringify(seen) === JSON.stringify(expected)) return;
    await Bun.sleep(100);
  }
  throw new Error(`expected messages ${JSON.stringify(expected)}, page shows ${JSON.stringify(seen)}`);
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByTestId('message-input').fill(text);
  await page.getByTestId('message-input').press('Enter');
}

test('a student and a tutor chat; one goes offline and comes back; both see the same conversation', async () => {
  const tutor = await user('tutor', 'Tina Tutor');
  const student = await user('student', 'Sam Student');
  const studentSide = await signedInPage(student.email);
  const tutorSide = await signedInPage(tutor.email);
  const s = studentSide.page;
  const t = tutorSide.page;

  // The student opens the conversation from the tutor's public profile.
  await s.goto(`/tutors/${tutor.id}`);
  await s.getByRole('button', { name: 'Message' }).click();
  await s.waitForURL(/\/messages\/[0-9a-f-]{36}$/);
  const conversationId = new URL(s.url()).pathname.split('/').pop()!;
  await s.getByTestId('conversation-name').getByText('Tina Tutor').waitFor();

  // The tutor's inbox updates live when the first message arrives (with an unread count).
  await t.goto('/messages');
  await t.getByTestId('inbox-name').getByText('Sam Student').waitFor();
  // Markup in a message is shown as text, never rendered.
  await send(s, 'Hello <b>Tina</b>, can you help with algebra?');
  await t.getByTestId('inbox-last').getByText('Hello <b>Tina</b>, can you help with algebra?').waitFor();
  await t.getByTestId('inbox-unread').getByText('1').waitFor();
  await t.getByTestId('inbox-item').click();
  await t.waitForURL(`**/messages/${conversationId}`);
  await waitForBodies(t, ['Hello <b>Tina</b>, can you help with algebra?']);
  expect(await t.locator('[data-testid="message-body"] b').count()).toBe(0);

  // Typing indicator and a live reply; the student's read receipt reaches the tutor.
  await t.getByTestId('message-input').pressSequentially('Sure');
  await s.getByTestId('typing').getByText('Tina Tutor is typing…').waitFor();
  await t.getByTestId('message-input').press('Enter');
  await waitForBodies(s, ['Hello <b>Tina</b>, can you help with algebra?', 'Sure']);
  await send(t, 'When would you like to start?');
  await waitForBodies(s, ['Hello <b>Tina</b>, can you help with algebra?', 'Sure', 'When would you like to start?']);
  await t.getByTestId('seen').waitFor();

  // The student goes offline: messages arrive meanwhile, and the student writes one that waits.
  await studentSide.context.setOffline(true);
  await s.getByTestId('connection-state').waitFor();
  await send(t, 'Are you there?');
  await send(t, 'I have time on Tuesday.');
  await send(s, 'Tuesday works (written offline)');
  await s.getByTestId('pending-message').getByText('Tuesday works (written offline)').waitFor();
  await Bun.sleep(500);
  await studentSide.context.setOffline(false);

  const expected = [
    'Hello <b>Tina</b>, can you help with algebra?',
    'Sure',
    'When would you like to start?',
    'Are you there?',
    'I have time on Tuesday.',
    'Tuesday works (written offline)',
  ];
  await waitForBodies(s, expected);
  await waitForBodies(t, expected);
  expect(await s.getByTestId('pending-message').count()).toBe(0);

  // Both browsers show exactly the stored history, in seq order, once each.
  const stored = await sql<{ seq: string; body: string }[]>`select seq, body from messages where conversation_id = ${conversationId} order by seq`;
  expect(stored.map((row) => row.body)).toEqual(expected);
  expect(stored.map((row) => Number(row.seq))).toEqual([1, 2, 3, 4, 5, 6]);
  const seqsOn = (page: Page) => page.getByTestId('message').evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-seq'))));
  expect(await seqsOn(s)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(await seqsOn(t)).toEqual([1, 2, 3, 4, 5, 6]);

  // A reload shows the same conversation (history from the server).
  await s.reload();
  await waitForBodies(s, expected);
}, 120_000);
