// Browser test of the booking flow: a student finds a tutor through search, books a free slot on the tutor's
// profile, the tutor confirms it on their bookings page, and both see the confirmed lesson in their bookings.
// Drives the built web app served by real server and worker processes (tests/support/stack.ts).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { STRONG_PASSWORD } from '../support/app.ts';
import { approvedTutor, everyDay, randomWord, student, type Person } from '../support/marketplace.ts';
import { startStack, type Stack } from '../support/stack.ts';

const STEP_TIMEOUT = 15_000;

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
	stack = await startStack();
	browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
	});
}, 120_000);

afterAll(async () => {
	for (const context of contexts) await context.close().catch(() => {});
	await browser?.close().catch(() => {});
	await stack?.stop();
}, 60_000);

async function signedInPage(person: Person): Promise<Page> {
	const context = await browser.newContext({ baseURL: stack.baseUrl, viewport: { width: 1280, height: 1000 }, timezoneId: person.timezone });
	contexts.push(context);
	const page = await context.newPage();
	page.setDefaultTimeout(STEP_TIMEOUT);
	page.setDefaultNavigationTimeout(STEP_TIMEOUT);
	await page.goto('/login');
	await page.getByLabel('Email').fill(person.email);
	await page.getByLabel('Password', { exact: true }).fill(STRONG_PASSWORD);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bookings' }).waitFor();
	return page;
}

describe('booking in the browser', () => {
	test(
		'a student finds a tutor, books a slot, the tutor confirms, and both see it in their bookings',
		async () => {
			const subject = `Harp${randomWord(8)}`;
			const tutor = await approvedTutor({
				name: 'Helena Harper',
				timezone: 'America/New_York',
				subjects: [subject, 'Music Theory'],
				headline: `Concert harpist teaching ${subject}`,
				rate: 4500,
				availability: everyDay('America/New_York', '08:00', '20:00')
			});
			const learner = await student({ name: 'Lukas Lerner', timezone: 'Europe/Berlin' });

			// The student searches, opens the tutor's profile and books the first free slot.
			const studentPage = await signedInPage(learner);
			await studentPage.goto('/tutors');
			await studentPage.getByLabel('Search', { exact: true }).fill(subject);
			await studentPage.getByRole('button', { name: 'Search', exact: true }).click();
			const card = studentPage.getByTestId('tutor-card').filter({ hasText: 'Helena Harper' });
			await card.waitFor();
			await expect(card.textContent()).resolves.toContain('$45.00');
			await card.getByRole('link', { name: 'Helena Harper' }).click();
			await studentPage.getByRole('heading', { name: 'Helena Harper', level: 1 }).waitFor();

			const slot = studentPage.locator('[data-testid="slot-week"] button[data-slot]').first();
			await slot.waitFor();
			const startsAt = await slot.getAttribute('data-slot');
			expect(startsAt).toMatch(/Z$/);
			await slot.click();
			await studentPage.getByTestId('booking-summary').waitFor();
			await studentPage.getByRole('button', { name: 'Request this lesson' }).click();
			await studentPage.getByText('Lesson requested').waitFor();

			await studentPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bookings' }).click();
			const requested = studentPage.locator('[data-testid="booking"][data-status="requested"]').filter({ hasText: subject });
			await requested.waitFor();
			await expect(requested.textContent()).resolves.toContain('Helena Harper');

			// The tutor confirms it from their bookings page.
			const tutorPage = await signedInPage(tutor);
			await tutorPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bookings' }).click();
			const request = tutorPage.locator('[data-testid="booking"]').filter({ hasText: 'Lukas Lerner' });
			await request.waitFor();
			await request.getByRole('button', { name: 'Confirm' }).click();
			await tutorPage.locator('[data-testid="booking"][data-status="confirmed"]').filter({ hasText: 'Lukas Lerner' }).waitFor();

			// Both see the confirmed lesson.
			await studentPage.reload();
			const confirmed = studentPage.locator('[data-testid="booking"][data-status="confirmed"]').filter({ hasText: subject });
			await confirmed.waitFor();
			await expect(confirmed.textContent()).resolves.toContain('Confirmed');
			await tutorPage.reload();
			await tutorPage.locator('[data-testid="booking"][data-status="confirmed"]').filter({ hasText: 'Lukas Lerner' }).waitFor();

			// The history shows who did what.
			await confirmed.getByRole('button', { name: 'History' }).click();
			const history = confirmed.getByRole('list', { name: 'History' });
			await history.waitFor();
			await expect(history.textContent()).resolves.toContain('by Helena Harper');
		},
		90_000
	);
});
