// Marketplace API types (search, slots, bookings, reviews, availability) and time formatting in a given zone.
import type { Money, Rating } from './tutors.ts';

export interface TutorSummary {
	id: string;
	name: string;
	headline: string;
	subjects: string[];
	hourlyRate: Money;
	rating: Rating;
	country: string | null;
	city: string | null;
	photoUrl: string | null;
}

export interface Slot {
	startsAt: string;
	endsAt: string;
}

export interface Slots {
	timezone: string;
	slots: Slot[];
}

export type BookingStatus = 'requested' | 'confirmed' | 'declined' | 'cancelled' | 'completed';

export interface HistoryEntry {
	at: string;
	actorId: string | null;
	from: BookingStatus | null;
	to: BookingStatus;
	reason: string | null;
}

export interface Participant {
	id: string;
	name: string;
	photoUrl: string | null;
	timezone: string;
}

export interface Booking {
	id: string;
	tutorId: string;
	studentId: string;
	status: BookingStatus;
	startsAt: string;
	endsAt: string;
	durationMinutes: number;
	subject: string;
	note: string | null;
	price: Money;
	platformFee: Money;
	tutorEarnings: Money;
	refundEligible: boolean | null;
	conversationId: string | null;
	history: HistoryEntry[];
	createdAt: string;
	tutor?: Participant;
	student?: Participant;
}

export interface Review {
	id: string;
	rating: number;
	comment: string;
	studentName: string;
	createdAt: string;
}

export interface WeeklyRange {
	weekday: number;
	start: string;
	end: string;
}

export interface DateException {
	date: string;
	start?: string;
	end?: string;
}

export interface Availability {
	timezone: string;
	weekly: WeeklyRange[];
	exceptions: DateException[];
}

export const STATUS_LABELS: Record<BookingStatus, string> = {
	requested: 'Awaiting confirmation',
	confirmed: 'Confirmed',
	declined: 'Declined',
	cancelled: 'Cancelled',
	completed: 'Completed'
};

export const STATUS_TONES: Record<BookingStatus, 'neutral' | 'brand' | 'success' | 'warning'> = {
	requested: 'warning',
	confirmed: 'success',
	declined: 'neutral',
	cancelled: 'neutral',
	completed: 'brand'
};

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** The viewer's zone: their saved zone when signed in, else the browser's. */
export function viewerZone(saved: string | null | undefined): string {
	if (saved) return saved;
	try {
		return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
	} catch {
		return 'UTC';
	}
}

/** YYYY-MM-DD of an instant in a zone. */
export function localDate(instant: string | Date, timeZone: string): string {
	return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
}

export function formatTime(instant: string | Date, timeZone: string): string {
	return new Intl.DateTimeFormat(undefined, { timeZone, hour: 'numeric', minute: '2-digit' }).format(new Date(instant));
}

export function formatDay(date: string): string {
	// A calendar date (no zone): format it at noon UTC so no zone shifts it to another day.
	return new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', weekday: 'short', month: 'short', day: 'numeric' }).format(new Date(`${date}T12:00:00Z`));
}

export function formatDateTime(instant: string | Date, timeZone: string): string {
	return new Intl.DateTimeFormat(undefined, {
		timeZone,
		weekday: 'short',
		month: 'short',
		day: 'numeric',
		hour: 'numeric',
		minute: '2-digit',
		timeZoneName: 'short'
	}).format(new Date(instant));
}

/** The calendar date `days` after a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
	const at = new Date(`${date}T12:00:00Z`);
	at.setUTCDate(at.getUTCDate() + days);
	return at.toISOString().slice(0, 10);
}

/** 15-minute wall-clock times "00:00".."24:00" for pickers. */
export function clockOptions(includeMidnightEnd: boolean): { value: string; label: string }[] {
	const options: { value: string; label: string }[] = [];
	for (let minutes = 0; minutes <= (includeMidnightEnd ? 1440 : 1425); minutes += 15) {
		const value = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
		options.push({ value, label: minutes === 1440 ? '24:00 (midnight)' : value });
	}
	return options;
}
