// Browser test for tutor onboarding: a tutor signs up, verifies the email, fills in the profile, uploads a CV and a
// certificate and submits; the admin (ensured from ADMIN_EMAIL/ADMIN_PASSWORD) approves it from /admin/tutors; the
// tutor sees the notification in the bell and opens the public profile. Drives the built web app on the real server.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startStack } from '../support/stack.ts';

type Stack = Awaited<ReturnType<typeof startStack>>;
type Mail = { to: string[]; subject: string; text: string };

const TEST_TIMEOUT = 90_000;
const STEP_TIMEOUT = 15_000;

const run = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
const ADMIN_EMAIL = `e2e-admin-${run}@example.test`;
const ADMIN_PASSWORD = 'granite-orchard-beacon-58';

let stack: Stack;
let browser: Browser;
let files: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
	stack = await startStack({ ADMIN_EMAIL, ADMIN_PASSWORD });
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
	// Small but real files: the server decides the type by the content.
	files = mkdtempSync(join(tmpdir(), 'lyceum-onboarding-'));
	writeFileSync(join(files, 'cv.pdf'), '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
	writeFileSync(
		join(files, 'teaching-certificate.png'),
		Buffer.from(
			'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
			'base64'
		)
	);
}, 120_000);

afterAll(async () => {
	for (const context of contexts) await context.close().catch(() => {});
	await browser?.close().catch(() => {});
	await stack?.stop();
	if (files) rmSync(files, { recursive: true, force: true });
}, 60_000);

async function newPage(): Promise<Page> {
	const context = await browser.newContext({ baseURL: stack.baseUrl, viewport: { width: 1280, height: 900 } });
	contexts.push(context);
	const page = await context.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT);
	page.setDefaultNavigationTimeout(STEP_TIMEOUT);
	return page;
}

function nav(page: Page): Locator {
	return page.getByRole('navigation', { name: 'Main' });
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
	await page.goto('/login');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await page.waitForURL(/\/profile$/);
}

async function verificationLink(email: string): Promise<string> {
	const mail: Mail = await stack.mailbox.waitFor(
		(m) => m.to.some((to) => to.toLowerCase() === email.toLowerCase()) && m.text.includes('/verify-email?token='),
		STEP_TIMEOUT
	);
	const match = /https?:\/\/\S+\/verify-email\?token=[A-Za-z0-9_-]+/.exec(mail.text);
	if (!match) throw new Error(`no verification link in:\n${mail.text}`);
	return match[0];
}

describe('tutor onboarding in the browser', () => {
	test(
		'a tutor onboards, an admin approves, the tutor is notified and public',
		async () => {
			const tutorEmail = `e2e-tutor-${run}@example.test`;
			const tutorPassword = 'maple-lighthouse-violin-31';
			const tutorName = `Tessa Tutor ${run.slice(-4)}`;
			const tutor = await newPage();

			// Sign up as a tutor and verify the email.
			await tutor.goto('/register?role=tutor');
			await tutor.getByRole('radio', { name: 'Tutor' }).check();
			await tutor.getByLabel('Name', { exact: true }).fill(tutorName);
			await tutor.getByLabel('Email').fill(tutorEmail);
			await tutor.getByLabel('Password', { exact: true }).fill(tutorPassword);
			await tutor.getByRole('button', { name: 'Create account' }).click();
			await tutor.getByRole('heading', { name: 'Check your email' }).waitFor();
			await tutor.goto(await verificationLink(tutorEmail));
			await tutor.getByText('Your email is verified').waitFor();
			await signIn(tutor, tutorEmail, tutorPassword);

			// Onboarding from the nav: a draft to start with.
			await nav(tutor).getByRole('link', { name: 'Onboarding' }).click();
			await tutor.waitForURL(/\/tutor\/onboarding$/);
			await tutor.getByRole('heading', { name: 'Tutor onboarding' }).waitFor();
			await tutor.getByTestId('approval-status').getByText('Draft').waitFor();

			// The profile.
			await tutor.getByLabel('Headline').fill('Friendly physics tutor for curious minds');
			await tutor.getByLabel('About you').fill('Ten years of teaching mechanics and optics.');
			const subject = tutor.getByRole('textbox', { name: 'Add a subject' });
			await subject.fill('Physics');
			await subject.press('Enter');
			await subject.fill('Astronomy');
			await tutor.getByRole('button', { name: 'Add subject' }).click();
			await tutor.getByRole('list', { name: 'Your subjects' }).getByText('Astronomy').waitFor();
			await tutor.getByLabel('Hourly rate').fill('45.50');
			await tutor.getByLabel('Currency').selectOption('USD');
			await tutor.getByLabel('Language', { exact: true }).selectOption('en');
			await tutor.getByLabel('Language', { exact: true }).selectOption('de');
			await tutor.getByRole('button', { name: 'Remove German' }).waitFor();
			await tutor.getByLabel('Country').selectOption('DE');
			await tutor.getByLabel('City').fill('Berlin');
			await tutor.getByLabel('In-person lessons').check();
			await tutor.getByRole('button', { name: 'Save profile' }).click();
			await tutor.getByText('Profile saved').waitFor();

			// The documents.
			await tutor.getByLabel('Upload CV').setInputFiles(join(files, 'cv.pdf'));
			await tutor.getByRole('region', { name: 'CV' }).getByText('cv.pdf').waitFor();
			await tutor.getByLabel('Upload certificate').setInputFiles(join(files, 'teaching-certificate.png'));
			await tutor.getByRole('region', { name: 'Certificates' }).getByText('teaching-certificate.png').waitFor();

			// Submit: now pending.
			await tutor.getByRole('button', { name: 'Submit for review' }).click();
			await tutor.getByTestId('approval-status').getByText('Pending review').waitFor();
			await tutor.getByText('Waiting for review').first().waitFor();

			// The admin approves it from /admin/tutors (pending tutors are the default view).
			const admin = await newPage();
			await signIn(admin, ADMIN_EMAIL, ADMIN_PASSWORD);
			await nav(admin).getByRole('link', { name: 'Tutors' }).click();
			await admin.waitForURL(/\/admin\/tutors$/);
			const card = admin.getByRole('listitem', { name: tutorName });
			await admin.getByRole('list', { name: 'Tutor profiles' }).waitFor();
			// Oldest submissions come first: page on until this tutor shows up (a shared test database may hold others).
			while ((await card.count()) === 0) {
				const more = admin.getByRole('button', { name: 'Load more' });
				if ((await more.count()) === 0) break;
				await more.click();
				await admin.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
			}
			await card.waitFor();
			const cvLink = card.getByRole('link', { name: /CV: cv\.pdf/ });
			await cvLink.waitFor();
			expect(await cvLink.getAttribute('href')).toMatch(/^\/api\/v1\/admin\/tutors\/[0-9a-f-]+\/documents\/[0-9a-f-]+$/);
			await card.getByRole('link', { name: /Certificate: teaching-certificate\.png/ }).waitFor();
			// The admin's session downloads the document; it arrives as an attachment.
			const download = await admin.request.get(stack.baseUrl + (await cvLink.getAttribute('href')));
			expect(download.status()).toBe(200);
			expect(download.headers()['content-disposition']).toStartWith('attachment');
			await card.getByRole('button', { name: `Approve ${tutorName}` }).click();
			await admin.getByText(`${tutorName} is approved`).waitFor();
			expect(await admin.getByRole('listitem', { name: tutorName }).count()).toBe(0);

			// The tutor's bell shows it (it refreshes on focus and every 30 s; a reload is the quickest refresh).
			await tutor.reload();
			const bell = nav(tutor).getByRole('button', { name: /Notifications/ });
			await nav(tutor).getByRole('button', { name: 'Notifications (1 unread)' }).waitFor();
			await bell.click();
			const approved = tutor.getByRole('link', { name: 'Your tutor profile is approved' });
			await approved.waitFor();
			await tutor.getByRole('button', { name: 'Mark all read' }).click();
			await nav(tutor).getByRole('button', { name: 'Notifications', exact: true }).waitFor();
			await approved.click();
			await tutor.waitForURL(/\/tutor\/onboarding$/);
			await tutor.getByTestId('approval-status').getByText('Approved').waitFor();

			// The public profile.
			await tutor.getByRole('link', { name: 'View your public profile' }).click();
			await tutor.waitForURL(/\/tutors\/[0-9a-f-]+$/);
			await tutor.getByRole('heading', { name: tutorName, exact: true }).waitFor();
			await tutor.getByTestId('tutor-headline').getByText('Friendly physics tutor for curious minds').waitFor();
			expect(await tutor.getByTestId('tutor-rate').textContent()).toContain('45.50');
			await tutor.getByRole('list', { name: 'Subjects' }).getByText('Physics').waitFor();
			await tutor.getByRole('list', { name: 'Languages' }).getByText('German').waitFor();
			expect(await tutor.getByTestId('tutor-location').textContent()).toContain('Berlin');
			await tutor.getByTestId('tutor-rating').getByText('No reviews yet').waitFor();

			// Anyone can open it, signed in or not.
			const visitor = await newPage();
			await visitor.goto(new URL(tutor.url()).pathname);
			await visitor.getByRole('heading', { name: tutorName, exact: true }).waitFor();
		},
		TEST_TIMEOUT
	);
});
