import { t } from 'elysia';

const Clock = (what: string) =>
  t.String({ pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$', description: `${what}, wall-clock "HH:MM" in the schedule's zone (end may be 24:00)`, examples: ['09:00'], 'x-error': 'must be a time "HH:MM"' });

export const WeeklyRange = t.Object(
  {
    weekday: t.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday, Monday = 1', 'x-error': 'must be 1 (Monday) to 7 (Sunday)' }),
    start: Clock('Start'),
    end: Clock('End'),
  },
  { title: 'WeeklyRange' },
);

export const DateException = t.Object(
  {
    date: t.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Local date YYYY-MM-DD', examples: ['2026-12-24'], 'x-error': 'must be a date YYYY-MM-DD' }),
    start: t.Optional(Clock('Start (with end: these hours replace the weekly hours of that date; without: the whole date is off)')),
    end: t.Optional(Clock('End')),
  },
  { title: 'DateException' },
);

export const MAX_WEEKLY = 70;
export const MAX_EXCEPTIONS = 500;

export const Availability = t.Object(
  {
    timezone: t.String({ minLength: 1, maxLength: 64, description: 'IANA time zone the times are written in', examples: ['America/New_York'] }),
    weekly: t.Array(WeeklyRange, { maxItems: MAX_WEEKLY, 'x-error': `must be a list of at most ${MAX_WEEKLY} ranges` }),
    exceptions: t.Array(DateException, { maxItems: MAX_EXCEPTIONS, 'x-error': `must be a list of at most ${MAX_EXCEPTIONS} exceptions` }),
  },
  { title: 'Availability' },
);

export const TutorIdParams = t.Object({ id: t.String({ format: 'uuid', 'x-error': 'must be a tutor id' }) });

export const SlotsQuery = t.Object({
  from: t.Optional(t.String({ maxLength: 40, description: 'ISO 8601 instant (default: now)', examples: ['2026-03-02T00:00:00Z'] })),
  to: t.Optional(t.String({ maxLength: 40, description: 'ISO 8601 instant, at most 31 days after `from` (default: `from` + 7 days)' })),
  duration: t.Optional(
    t.Integer({ minimum: 30, maximum: 240, multipleOf: 15, default: 60, description: 'Lesson length in minutes: 30..240, a multiple of 15 (default 60)', 'x-error': 'must be 30..240 minutes, a multiple of 15' }),
  ),
});

export const Slot = t.Object({ startsAt: t.String({ format: 'date-time' }), endsAt: t.String({ format: 'date-time' }) }, { title: 'Slot' });

export const Slots = t.Object(
  {
    timezone: t.String({ description: "The tutor's zone, to show their local time alongside" }),
    slots: t.Array(Slot),
  },
  { title: 'Slots' },
);
