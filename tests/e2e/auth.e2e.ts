// Browser tests for the account pages: sign-up with email verification, profile editing, sign-out,
// and password reset. They drive the built web app served by the real server (see tests/support/stack.ts).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startStack } from '../support/stack.ts';

type Stack = Awaited<ReturnType<typeof startStack>>;
type Mail = { to: string[]; subject: string; text: string; html: string };

const TEST_TIMEOUT = 30_000;
const STEP_TIMEOUT = 10_000;
// Mail goes through the outbox, the job queue and SMTP: allow it a little longer than a page step.
const MAIL_TIMEOUT = 15_000;

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
	stack = await startStack();
	browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync'
		]
	});
}, 120_000);

afterAll(async () => {
	for (const context of contexts) await context.close().catch(() => {});
	await browser?.close().catch(() => {});
	await stack?.stop();
}, 60_000);

async function newPage(): Promise<Page> {
	const context = await browser.newContext({ baseURL: stack.baseUrl, viewport: { width: 1280, height: 900 } });
	contexts.push(context);
	const page = await context.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT);
	page.setDefaultNavigationTimeout(STEP_TIMEOUT);
	return page;
}

function uniqueEmail(tag: string): string {
	return `e2e-${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.test`;
}

function escapeRegExp(s: string): string {
	return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function sentTo(mail: Mail, email: string): boolean {
	return mail.to.some((to) => to.toLowerCase().includes(email.toLowerCase()));
}

/** The first `${baseUrl}${path}?token=...` link in a mail's text. */
function linkIn(mail: Mail, path: string): string {
	const pattern = new RegExp(`${escapeRegExp(stack.baseUrl)}${escapeRegExp(path)}\\?token=[A-Za-z0-9._~%-]+`);
	const match = pattern.exec(mail.text);
	if (!match) throw new Error(`no ${path} link in mail "${mail.subject}":\n${mail.text}`);
	return match[0];
}

async function waitForMail(email: string, path: string): Promise<string> {
	const mail = await stack.mailbox.waitFor((m) => sentTo(m, email) && m.text.includes(`${path}?token=`), MAIL_TIMEOUT);
	return linkIn(mail, path);
}

/** Form values load asynchronously (GET /me); poll until the control shows the expected value. */
async function expectValue(locator: Locator, expected: string): Promise<void> {
	const deadline = Date.now() + STEP_TIMEOUT;
	let actual = '';
	while (Date.now() < deadline) {
		actual = await locator.inputValue().catch(() => '');
		if (actual === expected) return;
		await Bun.sleep(100);
	}
	expect(actual).toBe(expected);
}

function nav(page: Page): Locator {
	return page.getByRole('navigation', { name: 'Main' });
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

describe('accounts in the browser', () => {
	test(
		'a student signs up, verifies the email, edits the profile and signs out',
		async () => {
			const page = await newPage();
			const email = uniqueEmail('student');
			const password = 'violet-harbour-lantern-42';

			// Sign up as a student.
			await page.goto('/register?role=student');
			await page.getByRole('radio', { name: 'Student' }).check();
			await page.getByLabel('Name', { exact: true }).fill('Erin Student');
			await page.getByLabel('Email').fill(email);
			await page.getByLabel('Password', { exact: true }).fill(password);
			await page.getByRole('button', { name: 'Create account' }).click();
			await page.getByRole('heading', { name: 'Check your email' }).waitFor();
			await page.getByRole('main').getByText(email).first().waitFor();

			// Open the verification link from the email.
			const verifyLink = await waitForMail(email, '/verify-email');
			await page.goto(verifyLink);
			await page.getByText('Your email is verified').waitFor();

			// Sign in from the success page.
			await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
			await page.waitForURL(/\/login(\?|$)/);
			await signIn(page, email, password);
			await page.waitForURL(/\/profile$/);
			await page.getByRole('heading', { name: 'Your profile' }).waitFor();
			await page.getByRole('main').getByText(email).first().waitFor();
			await page.getByText('Verified', { exact: true }).waitFor();
			await expectValue(page.getByLabel('Name', { exact: true }), 'Erin Student');

			// Edit name and time zone.
			await page.getByLabel('Name', { exact: true }).fill('Erin Renamed');
			await page.getByLabel('Time zone').selectOption('Asia/Tokyo');
			await page.getByRole('button', { name: 'Save changes' }).click();
			await page.getByText('Changes saved').waitFor();

			// A reload fetches the profile again from the server.
			await page.reload();
			await page.getByRole('heading', { name: 'Your profile' }).waitFor();
			await expectValue(page.getByLabel('Name', { exact: true }), 'Erin Renamed');
			await expectValue(page.getByLabel('Time zone'), 'Asia/Tokyo');

			// Sign out from the nav.
			await nav(page).getByRole('button', { name: 'Sign out' }).click();
			await page.waitForURL((url) => url.pathname === '/');
			await nav(page).getByRole('link', { name: 'Sign in' }).waitFor();
			expect(await nav(page).getByRole('button', { name: 'Sign out' }).count()).toBe(0);

			// The session is really gone: the profile sends us to sign in.
			await page.goto('/profile');
			await page.waitForURL(/\/login\?next=%2Fprofile$/);
		},
		TEST_TIMEOUT
	);

	test(
		'a user resets a forgotten password and signs in with the new one',
		async () => {
			const page = await newPage();
			const email = uniqueEmail('reset');
			const oldPassword = 'amber-meadow-compass-17';
			const newPassword = 'quiet-river-telescope-93';

			const res = await fetch(`${stack.baseUrl}/api/v1/auth/register`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ email, password: oldPassword, name: 'Rita Reset', role: 'student', timezone: 'Europe/Paris' })
			});
			expect(res.status).toBe(201);

			// From the sign-in page, follow "Forgot password?".
			await page.goto('/login');
			await page.getByRole('link', { name: 'Forgot password?' }).click();
			await page.waitForURL(/\/forgot-password$/);
			await page.getByLabel('Email').fill(email);
			await page.getByRole('button', { name: 'Send reset link' }).click();
			await page.getByText('Check your email').waitFor();

			// Open the reset link and choose a new password.
			const resetLink = await waitForMail(email, '/reset-password');
			await page.goto(resetLink);
			await page.getByLabel('New password', { exact: true }).fill(newPassword);
			await page.getByLabel('Confirm new password').fill(newPassword);
			await page.getByRole('button', { name: 'Set new password' }).click();
			await page.getByText('Your password has been changed').waitFor();

			// The old password no longer works: an error shows in the form and we stay on /login.
			await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
			await page.waitForURL(/\/login(\?|$)/);
			await signIn(page, email, oldPassword);
			const alert = page.getByRole('main').getByRole('alert');
			await alert.waitFor();
			expect((await alert.textContent())?.toLowerCase()).toContain('incorrect');
			expect(new URL(page.url()).pathname).toBe('/login');

			// The new one does.
			await page.getByLabel('Password', { exact: true }).fill(newPassword);
			await page.getByRole('button', { name: 'Sign in', exact: true }).click();
			await page.waitForURL(/\/profile$/);
			await page.getByRole('main').getByText(email).first().waitFor();
			await nav(page).getByRole('button', { name: 'Sign out' }).waitFor();
		},
		TEST_TIMEOUT
	);
});
