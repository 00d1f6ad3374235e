import { t } from 'elysia';
import { ListQuery } from '../../lib/pagination.ts';
import { TutorSummaryList } from '../tutors/model.ts';

export { TutorSummaryList };

const Instant = (description: string) => t.String({ maxLength: 40, description, examples: ['2026-03-02T09:00:00Z'] });

export const SearchQuery = t.Object({
  ...ListQuery,
  subject: t.Optional(t.String({ minLength: 1, maxLength: 60, description: 'Matches one of the subjects exactly, case-insensitively' })),
  q: t.Optional(
    t.String({ maxLength: 200, description: 'Free text over name, headline, bio and subjects; tolerates typos (trigram similarity) and ranks by full-text relevance' }),
  ),
  minRate: t.Optional(t.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Minimum hourly rate in minor units of `currency`' })),
  maxRate: t.Optional(t.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Maximum hourly rate in minor units of `currency`' })),
  currency: t.Optional(t.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217; default USD when a rate bound is given (tutors priced in another currency are excluded)', 'x-error': 'must be an ISO 4217 code such as USD' })),
  country: t.Optional(t.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2', 'x-error': 'must be an ISO 3166-1 alpha-2 code' })),
  city: t.Optional(t.String({ minLength: 1, maxLength: 100, description: 'Exact city, case-insensitively' })),
  language: t.Optional(t.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 639-1', 'x-error': 'must be an ISO 639-1 code such as en' })),
  minRating: t.Optional(t.Number({ minimum: 0, maximum: 5, description: 'Minimum average rating (tutors without reviews are excluded when > 0)' })),
  online: t.Optional(t.Boolean({ description: 'true: teaches online; false: does not' })),
  inPerson: t.Optional(t.Boolean({ description: 'true: teaches in person; false: does not' })),
  availableFrom: t.Optional(Instant('With availableTo: only tutors with at least one free slot starting in this window (default now)')),
  availableTo: t.Optional(Instant('End of the availability window, at most 31 days after availableFrom (default availableFrom + 7 days)')),
  duration: t.Optional(t.Integer({ minimum: 30, maximum: 240, multipleOf: 15, description: 'Slot length for the availability filter, minutes (default 30)', 'x-error': 'must be 30..240 minutes, a multiple of 15' })),
  sort: t.Optional(
    t.Union([t.Literal('relevance'), t.Literal('rating'), t.Literal('price_asc'), t.Literal('price_desc')], {
      description: 'Default: relevance with `q`, otherwise rating. Ties are broken by tutor id, so pages never repeat or skip.',
      'x-error': 'must be relevance, rating, price_asc or price_desc',
    }),
  ),
});

export const SubjectsQuery = t.Object({
  q: t.Optional(t.String({ maxLength: 60, description: 'Prefix or part of a subject name (typos tolerated)' })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, default: 20, description: '1..100, default 20' })),
});

export const SubjectList = t.Object(
  { items: t.Array(t.Object({ name: t.String(), tutorCount: t.Integer({ minimum: 0 }) }, { title: 'Subject' })) },
  { title: 'SubjectList' },
);
