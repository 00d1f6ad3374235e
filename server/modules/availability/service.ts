/**
 * Tutors' availability: weekly hours and date exceptions in their own IANA zone, the free slots computed from
 * them (DST-correct, see slots.ts), and the search index of open hours kept in step with every change.
 */
import { db, type Executor } from '../../../db/client.ts';
import { forbidden, invalid, notFound, DomainError, type FieldErrors } from '../../errors.ts';
import { isValidTimeZone } from '../../lib/time.ts';
import type { Actor } from '../accounts/sessions.ts';
import { activeIntervals } from '../bookings/service.ts';
import * as repository from './repository.ts';
import type { StoredAvailability } from './repository.ts';
import { DAY, GRID_MS, computeSlots, formatClock, isOpenSlot, openIntervals, parseClock, windowsForIndex, type Interval, type Rules } from './slots.ts';

/** Defaults of a new schedule (the columns' defaults; a tutor's row may differ). */
export const DEFAULT_POLICY = { minNoticeMinutes: 12 * 60, horizonDays: 90, cancellationCutoffHours: 24 } as const;
export const MAX_SLOT_WINDOW_DAYS = 31;
/** Search windows reach this many days past the horizon, so a missed daily refresh costs nothing. */
const WINDOW_SLACK_DAYS = 8;

export type Schedule = {
  rules: Rules;
  minNoticeMinutes: number;
  horizonDays: number;
  cancellationCutoffHours: number;
};

export type AvailabilityDto = {
  timezone: string;
  weekly: Array<{ weekday: number; start: string; end: string }>;
  exceptions: Array<{ date: string; start?: string; end?: string }>;
};

export type AvailabilityInput = AvailabilityDto;

function toSchedule(stored: StoredAvailability): Schedule {
  return {
    rules: {
      timezone: stored.schedule.timezone,
      weekly: stored.weekly.map((row) => ({ weekday: row.weekday, start: row.startMinute, end: row.endMinute })),
      exceptions: stored.exceptions.map((row) => ({ date: row.date, start: row.startMinute, end: row.endMinute })),
    },
    minNoticeMinutes: stored.schedule.minNoticeMinutes,
    horizonDays: stored.schedule.horizonDays,
    cancellationCutoffHours: stored.schedule.cancellationCutoffHours,
  };
}

function toDto(rules: Rules): AvailabilityDto {
  return {
    timezone: rules.timezone,
    weekly: rules.weekly.map((range) => ({ weekday: range.weekday, start: formatClock(range.start), end: formatClock(range.end) })),
    exceptions: rules.exceptions.map((exception) =>
      exception.start === null || exception.end === null
        ? { date: exception.date }
        : { date: exception.date, start: formatClock(exception.start), end: formatClock(exception.end) },
    ),
  };
}

export async function loadSchedule(tutorId: string, executor: Executor = db): Promise<Schedule | null> {
  const stored = await repository.findAvailability(tutorId, executor);
  return stored ? toSchedule(stored) : null;
}

/** The instants a booking made at `nowMs` may start between. */
export function bookingBounds(schedule: Pick<Schedule, 'minNoticeMinutes' | 'horizonDays'>, nowMs: number) {
  return { earliestStartMs: nowMs + schedule.minNoticeMinutes * 60_000, latestStartMs: nowMs + schedule.horizonDays * DAY };
}

/** True when a lesson at startMs fits the tutor's hours, notice and horizon (bookings are the exclusion constraint's business). */
export function fitsSchedule(schedule: Schedule, startMs: number, durationMinutes: number, nowMs: number): boolean {
  return isOpenSlot(schedule.rules, startMs, durationMinutes, bookingBounds(schedule, nowMs));
}

// Validation

function isRealDate(value: string): boolean {
  try {
    return Temporal.PlainDate.from(value, { overflow: 'reject' }).toString() === value;
  } catch {
    return false;
  }
}

function overlapping<T extends { start: number; end: number }>(ranges: Array<T & { path: string }>, fields: FieldErrors): void {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (let index = 1; index < sorted.length; index++) {
    const previous = sorted[index - 1]!;
    const current = sorted[index]!;
    if (current.start < previous.end) fields[current.path] ??= `overlaps ${previous.path}`;
  }
}

/** Checks the whole input and reports every problem with its dotted path (422). */
export function normaliseAvailability(input: AvailabilityInput): Rules {
  const fields: FieldErrors = {};
  const timezone = input.timezone.trim();
  if (!isValidTimeZone(timezone)) fields.timezone = 'must be an IANA time zone such as Europe/Berlin';

  const weekly: Rules['weekly'] = [];
  const byWeekday = new Map<number, Array<{ start: number; end: number; path: string }>>();
  input.weekly.forEach((range, index) => {
    const start = parseClock(range.start);
    const end = parseClock(range.end);
    if (start === null || start >= 1440) fields[`weekly.${index}.start`] = 'must be a time from 00:00 to 23:59';
    if (end === null) fields[`weekly.${index}.end`] = 'must be a time from 00:00 to 24:00';
    if (start === null || end === null || start >= 1440) return;
    if (end <= start) {
      fields[`weekly.${index}.end`] = 'must be after start';
      return;
    }
    weekly.push({ weekday: range.weekday, start, end });
    byWeekday.set(range.weekday, [...(byWeekday.get(range.weekday) ?? []), { start, end, path: `weekly.${index}` }]);
  });
  for (const ranges of byWeekday.values()) overlapping(ranges, fields);

  const exceptions: Rules['exceptions'] = [];
  const byDate = new Map<string, { whole: string | null; ranges: Array<{ start: number; end: number; path: string }> }>();
  input.exceptions.forEach((exception, index) => {
    const path = `exceptions.${index}`;
    if (!isRealDate(exception.date)) {
      fields[`${path}.date`] = 'must be a real date YYYY-MM-DD';
      return;
    }
    const entry = byDate.get(exception.date) ?? { whole: null, ranges: [] };
    byDate.set(exception.date, entry);
    if (exception.start === undefined && exception.end === undefined) {
      if (entry.whole || entry.ranges.length > 0) fields[path] = `repeats the date of ${entry.whole ?? entry.ranges[0]!.path}`;
      entry.whole = path;
      exceptions.push({ date: exception.date, start: null, end: null });
      return;
    }
    if (exception.start === undefined || exception.end === undefined) {
      fields[`${path}.${exception.start === undefined ? 'start' : 'end'}`] = 'is required with the other time (omit both to take the whole date off)';
      return;
    }
    const start = parseClock(exception.start);
    const end = parseClock(exception.end);
    if (start === null || start >= 1440) fields[`${path}.start`] = 'must be a time from 00:00 to 23:59';
    if (end === null) fields[`${path}.end`] = 'must be a time from 00:00 to 24:00';
    if (start === null || end === null || start >= 1440) return;
    if (end <= start) {
      fields[`${path}.end`] = 'must be after start';
      return;
    }
    if (entry.whole) fields[path] = `conflicts with ${entry.whole}, which takes the whole date off`;
    entry.ranges.push({ start, end, path });
    exceptions.push({ date: exception.date, start, end });
  });
  for (const entry of byDate.values()) overlapping(entry.ranges, fields);

  if (Object.keys(fields).length > 0) throw invalid(fields, 'The availability is invalid');
  weekly.sort((a, b) => a.weekday - b.weekday || a.start - b.start);
  exceptions.sort((a, b) => a.date.localeCompare(b.date) || (a.start ?? -1) - (b.start ?? -1));
  return { timezone, weekly, exceptions };
}

// Search windows

/** Rewrites the tutor's search windows from the rules, from yesterday to past the horizon. */
export async function refreshWindows(executor: Executor, tutorId: string, schedule: Schedule, nowMs: number): Promise<void> {
  const fromMs = nowMs - DAY;
  const untilMs = nowMs + (schedule.horizonDays + WINDOW_SLACK_DAYS) * DAY;
  const windows = windowsForIndex(schedule.rules, fromMs, untilMs).map(([a, b]) => [new Date(a).toISOString(), new Date(b).toISOString()] as [string, string]);
  await repository.replaceWindows(executor, tutorId, windows, new Date(untilMs));
}

/** Extends the search windows of tutors whose windows end within two days of their horizon (a daily job). */
export async function refreshStaleWindows(input: { now?: Date; limit?: number } = {}): Promise<number> {
  const nowMs = (input.now ?? new Date()).getTime();
  const before = new Date(nowMs + (DEFAULT_POLICY.horizonDays + 2) * DAY);
  const tutorIds = await repository.findStaleWindowTutors(before, input.limit ?? 1000);
  for (const tutorId of tutorIds) {
    await db.transaction(async (tx) => {
      const schedule = await loadSchedule(tutorId, tx);
      if (schedule) await refreshWindows(tx, tutorId, schedule, nowMs);
    });
  }
  return tutorIds.length;
}

// Routes

function assertTutor(actor: Actor): void {
  if (actor.role !== 'tutor') throw forbidden('Only tutors have availability');
}

export async function getMine(input: { actor: Actor }): Promise<AvailabilityDto> {
  assertTutor(input.actor);
  const schedule = await loadSchedule(input.actor.id);
  return schedule ? toDto(schedule.rules) : { timezone: input.actor.timezone, weekly: [], exceptions: [] };
}

export async function putMine(input: { actor: Actor; availability: AvailabilityInput; now?: Date }): Promise<AvailabilityDto> {
  assertTutor(input.actor);
  const rules = normaliseAvailability(input.availability);
  const nowMs = (input.now ?? new Date()).getTime();
  await db.transaction(async (tx) => {
    await repository.replaceAvailability(tx, input.actor.id, rules);
    const schedule = await loadSchedule(input.actor.id, tx);
    await refreshWindows(tx, input.actor.id, schedule!, nowMs);
  });
  return toDto(rules);
}

const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

/** Parses an ISO 8601 instant (or a date, read as UTC midnight); null when it is not one. */
export function parseInstant(value: string): number | null {
  // A "+" in an unencoded query string arrives as a space.
  const text = value.trim().replace(/ (\d{2}:?\d{2})$/, '+$1');
  if (!INSTANT.test(text)) return null;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? null : ms;
}

export type SlotsDto = { timezone: string; slots: Array<{ startsAt: string; endsAt: string }> };

export async function slots(input: { tutorId: string; from?: string; to?: string; durationMinutes?: number; now?: Date }): Promise<SlotsDto> {
  const nowMs = (input.now ?? new Date()).getTime();
  const fields: FieldErrors = {};
  const fromMs = input.from === undefined ? nowMs : parseInstant(input.from);
  if (fromMs === null) fields.from = 'must be an ISO 8601 instant such as 2026-03-02T09:00:00Z';
  let toMs = input.to === undefined ? (fromMs ?? nowMs) + 7 * DAY : parseInstant(input.to);
  if (toMs === null) fields.to = 'must be an ISO 8601 instant such as 2026-03-09T09:00:00Z';
  if (fromMs !== null && toMs !== null) {
    if (toMs <= fromMs) fields.to = 'must be after from';
    else if (toMs - fromMs > MAX_SLOT_WINDOW_DAYS * DAY) fields.to = `must be at most ${MAX_SLOT_WINDOW_DAYS} days after from`;
  }
  const durationMinutes = input.durationMinutes ?? 60;
  if (durationMinutes < 30 || durationMinutes > 240 || durationMinutes % 15 !== 0) fields.duration = 'must be 30..240 minutes, a multiple of 15';
  if (Object.keys(fields).length > 0) throw new DomainError('invalid_parameters', 'The request query is invalid', fields);

  const tutor = await repository.findBookableTutor(input.tutorId);
  if (!tutor) throw notFound('Tutor');
  const schedule = await loadSchedule(input.tutorId);
  if (!schedule) return { timezone: tutor.userTimezone, slots: [] };
  toMs = toMs!;
  const open = openIntervals(schedule.rules, fromMs!, toMs + durationMinutes * 60_000);
  const busy = await activeIntervals(input.tutorId, fromMs! - GRID_MS, toMs + durationMinutes * 60_000);
  const found: Interval[] = computeSlots(open, { fromMs: fromMs!, toMs, durationMinutes, ...bookingBounds(schedule, nowMs) }, busy);
  return {
    timezone: schedule.rules.timezone,
    slots: found.map(([start, end]) => ({ startsAt: new Date(start).toISOString(), endsAt: new Date(end).toISOString() })),
  };
}

/** A tutor who may be booked now (approved, active, priced), or undefined. */
export function bookableTutor(tutorId: string, executor: Executor = db): Promise<repository.BookableTutor | undefined> {
  return repository.findBookableTutor(tutorId, executor);
}
