/**
 * Factories for the marketplace tests (search, availability, bookings, reviews): verified students and approved,
 * priced tutors with availability, created through the real API plus direct SQL for what only admins or time
 * would do (verifying an email, approving a profile, moving a booking into the past).
 */
import { sql } from '../../db/client.ts';
import { Client, STRONG_PASSWORD, client, uniqueEmail, type Reply } from './app.ts';

export const API = '/api/v1';
export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

export type Person = { api: Client; id: string; email: string; name: string; token: string; timezone: string };

/** A short unique token for names and subjects, so tests never see another test's (or engineer's) rows. */
export function uniqueTag(prefix = 't'): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}

/** Random letters: a word no other tutor's text resembles, even to a typo-tolerant search. */
export function randomWord(length = 14): string {
  const letters = 'bcdfghjklmnpqrstvwxz';
  return Array.from(crypto.getRandomValues(new Uint8Array(length)), (byte) => letters[byte % letters.length]).join('');
}

async function registerAndSignIn(role: 'student' | 'tutor', options: { name?: string; timezone?: string; verified?: boolean }): Promise<Person> {
  const api = await client();
  const email = uniqueEmail(role);
  const name = options.name ?? (role === 'tutor' ? 'Tina Tutor' : 'Sam Student');
  const body: Record<string, unknown> = { email, password: STRONG_PASSWORD, name, role };
  if (options.timezone) body.timezone = options.timezone;
  const registered = await api.post(`${API}/auth/register`, body);
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${registered.text}`);
  if (options.verified ?? true) await sql`update users set email_verified_at = now() where email = ${email}`;
  const login = await api.post(`${API}/auth/login`, { email, password: STRONG_PASSWORD });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return { api, id: login.body.user.id, email, name, token: login.body.accessToken, timezone: login.body.user.timezone };
}

export function student(options: { name?: string; timezone?: string; verified?: boolean } = {}): Promise<Person> {
  return registerAndSignIn('student', options);
}

export async function adminUser(): Promise<Person> {
  const person = await registerAndSignIn('student', { name: 'Ada Admin' });
  await sql`update users set role = 'admin' where id = ${person.id}`;
  const login = await person.api.post(`${API}/auth/login`, { email: person.email, password: STRONG_PASSWORD });
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${login.text}`);
  return { ...person, token: login.body.accessToken };
}

export type AvailabilityBody = {
  timezone: string;
  weekly: Array<{ weekday: number; start: string; end: string }>;
  exceptions: Array<{ date: string; start?: string; end?: string }>;
};

/** Every day, all day (or the given hours), in `timezone`. */
export function everyDay(timezone = 'UTC', start = '00:00', end = '24:00'): AvailabilityBody {
  return { timezone, weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start, end })), exceptions: [] };
}

export type TutorOptions = {
  name?: string;
  timezone?: string;
  headline?: string;
  bio?: string;
  subjects?: string[];
  rate?: number;
  currency?: string;
  languages?: string[];
  country?: string | null;
  city?: string | null;
  online?: boolean;
  inPerson?: boolean;
  rating?: { sum: number; count: number };
  /** Availability to PUT (default: every day, all day, UTC); null for none. */
  availability?: AvailabilityBody | null;
  policy?: { minNoticeMinutes?: number; horizonDays?: number; cancellationCutoffHours?: number };
};

/** An approved tutor with a profile (set in SQL, as an admin's approval would leave it) and availability (through the API). */
export async function approvedTutor(options: TutorOptions = {}): Promise<Person> {
  const person = await registerAndSignIn('tutor', { name: options.name ?? 'Tina Tutor', timezone: options.timezone });
  await sql`
    insert into tutor_profiles (user_id, headline, bio, subjects, hourly_rate_amount, hourly_rate_currency, languages, country, city, online, in_person,
                                approval_status, submitted_at, reviewed_at, rating_sum, rating_count)
    values (${person.id}, ${options.headline ?? 'Friendly tutor'}, ${options.bio ?? 'I like teaching.'}, ${options.subjects ?? ['Mathematics']},
            ${options.rate ?? 4000}, ${options.currency ?? 'USD'}, ${options.languages ?? ['en']}, ${options.country === undefined ? 'DE' : options.country},
            ${options.city === undefined ? 'Berlin' : options.city}, ${options.online ?? true}, ${options.inPerson ?? false}, 'approved', now(), now(),
            ${options.rating?.sum ?? 0}, ${options.rating?.count ?? 0})
    on conflict (user_id) do update set headline = excluded.headline, bio = excluded.bio, subjects = excluded.subjects,
      hourly_rate_amount = excluded.hourly_rate_amount, hourly_rate_currency = excluded.hourly_rate_currency, languages = excluded.languages,
      country = excluded.country, city = excluded.city, online = excluded.online, in_person = excluded.in_person, approval_status = 'approved',
      rating_sum = excluded.rating_sum, rating_count = excluded.rating_count`;
  const availability = options.availability === undefined ? everyDay('UTC') : options.availability;
  if (availability) {
    const reply = await person.api.put(`${API}/tutors/me/availability`, availability, { token: person.token });
    if (reply.status !== 200) throw new Error(`availability failed: ${reply.status} ${reply.text}`);
  }
  if (options.policy) await setPolicy(person.id, options.policy);
  return person;
}

/** Changes a tutor's booking policy (notice, horizon, cutoff) and rebuilds their search windows. */
export async function setPolicy(tutorId: string, policy: TutorOptions['policy'] & {}): Promise<void> {
  await sql`
    update tutor_schedules set
      min_notice_minutes = coalesce(${policy.minNoticeMinutes ?? null}::int, min_notice_minutes),
      horizon_days = coalesce(${policy.horizonDays ?? null}::int, horizon_days),
      cancellation_cutoff_hours = coalesce(${policy.cancellationCutoffHours ?? null}::int, cancellation_cutoff_hours)
    where tutor_id = ${tutorId}`;
  const { loadSchedule, refreshWindows } = await import('../../server/modules/availability/service.ts');
  const { db } = await import('../../db/client.ts');
  const schedule = await loadSchedule(tutorId);
  if (schedule) await db.transaction((tx) => refreshWindows(tx, tutorId, schedule, Date.now()));
}

/** Midnight UTC `days` from today, plus `hours`. */
export function utcDay(days: number, hours = 0, minutes = 0): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days, hours, minutes));
}

export const iso = (date: Date | number) => new Date(date).toISOString();

export function book(by: Person, tutorId: string, startsAt: Date | string, durationMinutes = 60, extra: Record<string, unknown> = {}): Promise<Reply> {
  return by.api.post(`${API}/bookings`, { tutorId, startsAt: typeof startsAt === 'string' ? startsAt : iso(startsAt), durationMinutes, subject: 'Mathematics', ...extra }, { token: by.token });
}

/** A booking that surely succeeds: 3 days ahead at 10:00 UTC unless told otherwise. */
export async function booked(by: Person, tutorId: string, startsAt: Date = utcDay(3, 10), durationMinutes = 60): Promise<any> {
  const reply = await book(by, tutorId, startsAt, durationMinutes);
  if (reply.status !== 201) throw new Error(`booking failed: ${reply.status} ${reply.text}`);
  return reply.body;
}

export function act(by: Person, bookingId: string, action: string, body?: unknown): Promise<Reply> {
  return by.api.post(`${API}/bookings/${bookingId}/${action}`, body, { token: by.token });
}

/** Moves a booking (and its history) into the past by `ms`, as time passing would (the state-machine trigger allows it). */
export async function shiftBooking(bookingId: string, ms: number): Promise<void> {
  await sql`update bookings set starts_at = starts_at - ${ms} * interval '1 millisecond', ends_at = ends_at - ${ms} * interval '1 millisecond' where id = ${bookingId}`;
}

/** A completed booking of `by` with `tutor` (booked, confirmed, moved into the past, completed by the tutor). */
export async function completedBooking(by: Person, tutor: Person, startsAt: Date = utcDay(3, 10)): Promise<any> {
  const booking = await booked(by, tutor.id, startsAt);
  const confirmed = await act(tutor, booking.id, 'confirm');
  if (confirmed.status !== 200) throw new Error(`confirm failed: ${confirmed.status} ${confirmed.text}`);
  await shiftBooking(booking.id, startsAt.getTime() - Date.now() + 2 * HOUR);
  const completed = await act(tutor, booking.id, 'complete');
  if (completed.status !== 200) throw new Error(`complete failed: ${completed.status} ${completed.text}`);
  return completed.body;
}

export { sql };
