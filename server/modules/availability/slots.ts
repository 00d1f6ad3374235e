/**
 * The slot engine: weekly hours and date exceptions, written as wall-clock times in the tutor's IANA zone, turned
 * into UTC instants with Temporal, day by day, so daylight-saving changes are handled by the zone rules (a
 * 01:00-03:00 range is one real hour on a spring-forward night and three on a fall-back night).
 * Pure functions: no clock, no database. Times are epoch milliseconds.
 */

/** Slots start on a 15-minute grid. Every UTC offset in use is a multiple of 15 minutes, so the epoch grid is also every zone's local quarter-hour grid. */
export const GRID_MINUTES = 15;
export const GRID_MS = GRID_MINUTES * 60_000;
/** The shortest bookable lesson: what "at least one free slot" means in search. */
export const MIN_DURATION_MINUTES = 30;

export type MinuteRange = { start: number; end: number };
export type WeeklyRange = MinuteRange & { weekday: number };
export type ExceptionRange = { date: string; start: number | null; end: number | null };
export type Rules = { timezone: string; weekly: WeeklyRange[]; exceptions: ExceptionRange[] };
/** Half-open [start, end) in epoch ms. */
export type Interval = [number, number];

const DAY_MS = 24 * 3600_000;

export const ceilToGrid = (ms: number) => Math.ceil(ms / GRID_MS) * GRID_MS;
export const floorToGrid = (ms: number) => Math.floor(ms / GRID_MS) * GRID_MS;

function instantOf(date: Temporal.PlainDate, minute: number, timeZone: string): number {
  // 24:00 is midnight of the next day. Times in a spring-forward gap move forward by the gap ("compatible"),
  // ambiguous fall-back times take the earlier of the two instants.
  const day = minute >= 1440 ? date.add({ days: 1 }) : date;
  const rest = minute >= 1440 ? 0 : minute;
  const plainTime = new Temporal.PlainTime(Math.floor(rest / 60), rest % 60);
  return day.toZonedDateTime({ timeZone, plainTime }).epochMilliseconds;
}

function localDate(ms: number, timeZone: string): Temporal.PlainDate {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone).toPlainDate();
}

/** Sorts and merges overlapping or touching intervals. */
export function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged: Interval[] = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/**
 * The tutor's open hours as merged UTC intervals overlapping [fromMs, toMs). An exception date replaces that
 * date's weekly hours (no times: the whole local date is off).
 */
export function openIntervals(rules: Rules, fromMs: number, toMs: number): Interval[] {
  if (toMs <= fromMs) return [];
  const { timezone } = rules;
  const weekly = new Map<number, MinuteRange[]>();
  for (const range of rules.weekly) weekly.set(range.weekday, [...(weekly.get(range.weekday) ?? []), range]);
  const exceptions = new Map<string, MinuteRange[]>();
  for (const exception of rules.exceptions) {
    const list = exceptions.get(exception.date) ?? [];
    if (exception.start !== null && exception.end !== null) list.push({ start: exception.start, end: exception.end });
    exceptions.set(exception.date, list);
  }
  // One local day either side: a local day may start before `from` in UTC and still reach into the window.
  let date = localDate(fromMs, timezone).subtract({ days: 1 });
  const last = localDate(toMs, timezone).add({ days: 1 });
  const raw: Interval[] = [];
  while (Temporal.PlainDate.compare(date, last) <= 0) {
    const ranges = exceptions.get(date.toString()) ?? weekly.get(date.dayOfWeek) ?? [];
    for (const range of ranges) {
      raw.push([instantOf(date, range.start, timezone), instantOf(date, range.end, timezone)]);
    }
    date = date.add({ days: 1 });
  }
  return mergeIntervals(raw).filter(([start, end]) => end > fromMs && start < toMs);
}

export type SlotWindow = {
  fromMs: number;
  toMs: number;
  durationMinutes: number;
  /** now + minimum notice: no slot starts earlier. */
  earliestStartMs: number;
  /** now + horizon: no slot starts later. */
  latestStartMs: number;
};

/**
 * Bookable slots: grid-aligned starts in [from, to) whose whole lesson fits in an open interval, respecting
 * notice and horizon, and overlapping none of `busy` (the tutor's active bookings).
 */
export function computeSlots(open: Interval[], window: SlotWindow, busy: Interval[] = []): Interval[] {
  const durationMs = window.durationMinutes * 60_000;
  const taken = mergeIntervals(busy.map(([a, b]) => [a, b] as Interval));
  const slots: Interval[] = [];
  let cursor = 0;
  const firstStart = Math.max(window.fromMs, window.earliestStartMs);
  for (const [openStart, openEnd] of open) {
    for (let start = ceilToGrid(Math.max(openStart, firstStart)); start + durationMs <= openEnd; start += GRID_MS) {
      if (start >= window.toMs || start > window.latestStartMs) return slots;
      const end = start + durationMs;
      while (cursor < taken.length && taken[cursor]![1] <= start) cursor++;
      // `taken` is merged and sorted: the first interval ending after `start` is the only one that can overlap.
      const next = taken[cursor];
      if (next && next[0] < end) {
        start = ceilToGrid(next[1]) - GRID_MS;
        continue;
      }
      slots.push([start, end]);
    }
  }
  return slots;
}

/** True when [startMs, startMs + duration) is a slot of the rules (ignoring bookings). */
export function isOpenSlot(rules: Rules, startMs: number, durationMinutes: number, bounds: { earliestStartMs: number; latestStartMs: number }): boolean {
  if (startMs % GRID_MS !== 0) return false;
  const endMs = startMs + durationMinutes * 60_000;
  const open = openIntervals(rules, startMs, endMs);
  const slots = computeSlots(open, { fromMs: startMs, toMs: startMs + 1, durationMinutes, ...bounds });
  return slots.length === 1 && slots[0]![0] === startMs;
}

/**
 * The search index of open hours: merged intervals from `fromMs` to `toMs`, shrunk to the grid, dropping
 * pieces too short for any lesson.
 */
export function windowsForIndex(rules: Rules, fromMs: number, toMs: number): Interval[] {
  return openIntervals(rules, fromMs, toMs)
    .map(([a, b]) => [ceilToGrid(a), floorToGrid(b)] as Interval)
    .filter(([a, b]) => b - a >= MIN_DURATION_MINUTES * 60_000);
}

export const DAY = DAY_MS;

/** "HH:MM" (00:00..24:00) -> minutes, or null. */
export function parseClock(value: string): number | null {
  const match = /^(\d{2}):(\d{2})$/.exec(value);
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) return null;
  return hours * 60 + minutes;
}

export function formatClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
