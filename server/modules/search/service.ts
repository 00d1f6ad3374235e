/**
 * Tutor search and subject autocomplete. Filters narrow, `q` ranks; keyset cursors carry the sort key(s) and the
 * tutor id, so paging never repeats or skips a tutor, even among equal sort keys.
 */
import { DomainError, type FieldErrors } from '../../errors.ts';
import { decodeCursor, encodeCursor } from '../../lib/pagination.ts';
import { photoUrl } from '../accounts/service.ts';
import { MAX_SLOT_WINDOW_DAYS, parseInstant } from '../availability/service.ts';
import { ratingOf, type TutorSummaryDto } from '../tutors/service.ts';
import * as repository from './repository.ts';
import type { SearchRow, SearchSort } from './repository.ts';

const DAY = 24 * 3600_000;

export type SearchInput = {
  subject?: string;
  q?: string;
  minRate?: number;
  maxRate?: number;
  currency?: string;
  country?: string;
  city?: string;
  language?: string;
  minRating?: number;
  online?: boolean;
  inPerson?: boolean;
  availableFrom?: string;
  availableTo?: string;
  duration?: number;
  sort?: SearchSort;
  limit: number;
  cursor?: string;
};

function toSummary(row: SearchRow): TutorSummaryDto {
  return {
    id: row.id,
    name: row.name,
    headline: row.headline,
    subjects: row.subjects,
    hourlyRate: { amount: row.hourly_rate_amount, currency: row.hourly_rate_currency },
    rating: ratingOf(row.rating_sum, row.rating_count),
    country: row.country,
    city: row.city,
    photoUrl: photoUrl(row.id, row.photo_path),
  };
}

/** The sort keys a cursor carries besides the id (as text, so numerics round-trip exactly). */
function cursorKeys(sort: SearchSort, row: SearchRow): string[] {
  switch (sort) {
    case 'relevance':
      return [row.rank ?? '0'];
    case 'rating':
      return [row.rating_score, String(row.rating_count)];
    default:
      return [String(row.hourly_rate_amount)];
  }
}

const badCursor = () => new DomainError('invalid_cursor', 'The cursor is not valid for this list', { cursor: 'is unknown or malformed' });
const NUMERIC = /^-?\d+(\.\d+)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A cursor names its sort and query, so one issued for another search is refused rather than misread. */
function readCursor(cursor: string | undefined, sort: SearchSort, q: string): { keys: string[]; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const keyCount = sort === 'rating' ? 2 : 1;
  const values = decodeCursor(cursor, ['string', 'string', ...Array<'string'>(keyCount).fill('string'), 'string']);
  const [cursorSort, cursorQ, ...rest] = values as string[];
  const id = rest.pop()!;
  if (cursorSort !== sort || cursorQ !== q || !UUID.test(id) || !rest.every((key) => NUMERIC.test(key))) throw badCursor();
  return { keys: rest, id };
}

export async function searchTutors(input: SearchInput): Promise<{ items: TutorSummaryDto[]; nextCursor: string | null }> {
  const fields: FieldErrors = {};
  const q = input.q?.trim().replace(/\s+/g, ' ') ?? '';
  const sort: SearchSort = input.sort === 'relevance' && !q ? 'rating' : (input.sort ?? (q ? 'relevance' : 'rating'));
  if (input.minRate !== undefined && input.maxRate !== undefined && input.minRate > input.maxRate) fields.maxRate = 'must be at least minRate';
  const rateBound = input.minRate !== undefined || input.maxRate !== undefined;
  const currency = input.currency?.toUpperCase() ?? (rateBound ? 'USD' : undefined);

  let available: { from: Date; to: Date; durationMinutes: number } | undefined;
  if (input.availableFrom !== undefined || input.availableTo !== undefined) {
    const fromMs = input.availableFrom === undefined ? Date.now() : parseInstant(input.availableFrom);
    if (fromMs === null) fields.availableFrom = 'must be an ISO 8601 instant';
    const toMs = input.availableTo === undefined ? (fromMs ?? Date.now()) + 7 * DAY : parseInstant(input.availableTo);
    if (toMs === null) fields.availableTo = 'must be an ISO 8601 instant';
    if (fromMs !== null && toMs !== null) {
      if (toMs <= fromMs) fields.availableTo = 'must be after availableFrom';
      else if (toMs - fromMs > MAX_SLOT_WINDOW_DAYS * DAY) fields.availableTo = `must be at most ${MAX_SLOT_WINDOW_DAYS} days after availableFrom`;
      else available = { from: new Date(fromMs), to: new Date(toMs), durationMinutes: input.duration ?? 30 };
    }
  }
  if (Object.keys(fields).length > 0) throw new DomainError('invalid_parameters', 'The request query is invalid', fields);

  const rows = await repository.search({
    subject: input.subject?.trim().replace(/\s+/g, ' ').toLowerCase() || undefined,
    q: q || undefined,
    minRate: input.minRate,
    maxRate: input.maxRate,
    currency,
    country: input.country?.toUpperCase(),
    city: input.city?.trim() || undefined,
    language: input.language?.toLowerCase(),
    minRating: input.minRating,
    online: input.online,
    inPerson: input.inPerson,
    available,
    sort,
    after: readCursor(input.cursor, sort, q),
    limit: input.limit,
  });
  const items = rows.slice(0, input.limit);
  const last = items[items.length - 1];
  const nextCursor = rows.length > input.limit && last ? encodeCursor([sort, q, ...cursorKeys(sort, last), last.id]) : null;
  return { items: items.map(toSummary), nextCursor };
}

export async function listSubjects(input: { q?: string; limit?: number }): Promise<{ items: Array<{ name: string; tutorCount: number }> }> {
  const rows = await repository.subjects({ q: input.q, limit: input.limit ?? 20 });
  return { items: rows.map((row) => ({ name: row.name, tutorCount: row.tutor_count })) };
}

export const isPublicTutor = repository.isPublicTutor;
