/**
 * Tutor search: one SQL statement over the approved tutor profiles (a read model of the tutors module's table,
 * whose search columns and indexes this feature owns: see db/schema/tutors.ts and the marketplace migration).
 */
import { sql, type SQL } from 'drizzle-orm';
import { db } from '../../../db/client.ts';

export type SearchSort = 'relevance' | 'rating' | 'price_asc' | 'price_desc';

export type SearchFilter = {
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
  available?: { from: Date; to: Date; durationMinutes: number };
  sort: SearchSort;
  /** Keyset of the last row of the previous page: the sort key(s) as text, then the id. */
  after?: { keys: string[]; id: string };
  limit: number;
};

export type SearchRow = {
  id: string;
  name: string;
  photo_path: string | null;
  headline: string;
  subjects: string[];
  hourly_rate_amount: number;
  hourly_rate_currency: string;
  rating_sum: number;
  rating_count: number;
  rating_score: string;
  country: string | null;
  city: string | null;
  rank: string | null;
};

const join = (parts: SQL[], separator: SQL) => sql.join(parts, separator);

/**
 * At least one free slot of `duration` starting in [from, to), beyond the tutor's notice and within their
 * horizon: the tutor's open windows minus their active bookings, as multiranges. Windows and bookings lie on the
 * 15-minute grid and the lower bound is rounded up to it, so the start of a long enough free range is a slot.
 */
function availableCondition(available: NonNullable<SearchFilter['available']>): SQL {
  const duration = sql`make_interval(mins => ${available.durationMinutes}::int)`;
  return sql`exists (
    select 1
    from tutor_schedules ts
    cross join lateral (
      select date_bin('15 minutes', greatest(${available.from.toISOString()}::timestamptz, now() + ts.min_notice_minutes * interval '1 minute') - interval '1 microsecond', timestamptz 'epoch') + interval '15 minutes' as lo,
             least(${available.to.toISOString()}::timestamptz, now() + ts.horizon_days * interval '1 day' + interval '1 microsecond') as hi
    ) b
    cross join lateral unnest(
      (select range_agg(w.during * tstzrange(b.lo, b.hi + ${duration}, '[)'))
         from availability_windows w
        where w.tutor_id = ts.tutor_id and w.during && tstzrange(b.lo, b.hi + ${duration}, '[)'))
      - coalesce(
          (select range_agg(tstzrange(bk.starts_at, bk.ends_at, '[)'))
             from bookings bk
            where bk.tutor_id = ts.tutor_id and bk.status in ('requested', 'confirmed')
              and tstzrange(bk.starts_at, bk.ends_at, '[)') && tstzrange(b.lo, b.hi + ${duration}, '[)')),
          '{}'::tstzmultirange)
    ) as free(r)
    where ts.tutor_id = tp.user_id and b.lo < b.hi and lower(free.r) < b.hi and upper(free.r) - lower(free.r) >= ${duration}
  )`;
}

/** Typo tolerance: query words not in the vocabulary are widened to their closest vocabulary words (pg_trgm). */
export const MAX_ALTERNATIVES = 3;
const MAX_QUERY_WORDS = 8;

/**
 * Turns free text into a full-text query: words AND-ed, each unknown word (a typo, usually) OR-ed with up to three
 * similar words of the vocabulary. Returns null when the text has no words.
 */
export async function textQuery(q: string): Promise<string | null> {
  const rows = (await db.execute(sql`
    select w.word,
           exists (select 1 from search_words s where s.word = w.word) as known,
           array(select s.word from search_words s
                 where length(w.word) >= 4 and s.word % w.word
                 order by similarity(s.word, w.word) desc, s.word
                 limit ${MAX_ALTERNATIVES}) as alternatives
    from regexp_split_to_table(lower(unaccent(${q})), '[^[:alnum:]]+') with ordinality as w(word, ord)
    where w.word <> ''
    order by w.ord
    limit ${MAX_QUERY_WORDS}`)) as unknown as Array<{ word: string; known: boolean; alternatives: string[] }>;
  if (rows.length === 0) return null;
  const quote = (word: string) => `'${word.replace(/\\/g, '').replace(/'/g, "''")}'`;
  return rows.map((row) => `(${[row.word, ...(row.known ? [] : row.alternatives)].map(quote).join(' | ')})`).join(' & ');
}

export async function search(filter: SearchFilter): Promise<SearchRow[]> {
  // Literal 'approved' (not a parameter) so the planner can use the partial indexes.
  const conditions: SQL[] = [sql`tp.approval_status = 'approved'`, sql`u.role = 'tutor'`, sql`u.active`, sql`tp.hourly_rate_amount is not null`];
  const q = filter.q?.trim();
  let rank: SQL = sql`null::numeric`;
  if (q) {
    const text = await textQuery(q);
    if (text === null) return [];
    // A scalar subquery: parsed once, usable as the GIN index key.
    const tsQuery = sql`(select to_tsquery('english', ${text}))`;
    conditions.push(sql`tp.search_vector @@ ${tsQuery}`);
    // Name and subjects weigh most, then the headline, then the bio.
    rank = sql`round(ts_rank(tp.search_vector, ${tsQuery}, 32)::numeric, 6)`;
  }
  if (filter.subject) conditions.push(sql`tp.subject_keys @> array[${filter.subject}]::text[]`);
  if (filter.currency) conditions.push(sql`tp.hourly_rate_currency = ${filter.currency}`);
  if (filter.minRate !== undefined) conditions.push(sql`tp.hourly_rate_amount >= ${filter.minRate}`);
  if (filter.maxRate !== undefined) conditions.push(sql`tp.hourly_rate_amount <= ${filter.maxRate}`);
  if (filter.country) conditions.push(sql`tp.country = ${filter.country}`);
  if (filter.city) conditions.push(sql`lower(tp.city) = lower(${filter.city})`);
  if (filter.language) conditions.push(sql`tp.languages @> array[${filter.language}]::text[]`);
  if (filter.minRating !== undefined && filter.minRating > 0) conditions.push(sql`tp.rating_count > 0 and tp.rating_score >= ${filter.minRating}`);
  if (filter.online !== undefined) conditions.push(filter.online ? sql`tp.online` : sql`not tp.online`);
  if (filter.inPerson !== undefined) conditions.push(filter.inPerson ? sql`tp.in_person` : sql`not tp.in_person`);
  if (filter.available) conditions.push(availableCondition(filter.available));

  let order: SQL;
  const after = filter.after;
  // DESC NULLS LAST matches the sort indexes (the columns are never null, but the planner needs the same order).
  switch (filter.sort) {
    case 'relevance':
      order = sql`${rank} desc, tp.user_id desc`;
      if (after) conditions.push(sql`(${rank}, tp.user_id) < (${after.keys[0]}::numeric, ${after.id}::uuid)`);
      break;
    case 'rating':
      order = sql`tp.rating_score desc nulls last, tp.rating_count desc nulls last, tp.user_id desc nulls last`;
      if (after) conditions.push(sql`(tp.rating_score, tp.rating_count, tp.user_id) < (${after.keys[0]}::numeric, ${after.keys[1]}::int, ${after.id}::uuid)`);
      break;
    case 'price_asc':
      order = sql`tp.hourly_rate_amount asc, tp.user_id asc`;
      if (after) conditions.push(sql`(tp.hourly_rate_amount, tp.user_id) > (${after.keys[0]}::int, ${after.id}::uuid)`);
      break;
    case 'price_desc':
      order = sql`tp.hourly_rate_amount desc, tp.user_id desc`;
      if (after) conditions.push(sql`(tp.hourly_rate_amount, tp.user_id) < (${after.keys[0]}::int, ${after.id}::uuid)`);
      break;
  }

  const query = sql`
    select tp.user_id as id, u.name, u.photo_path, tp.headline, tp.subjects, tp.hourly_rate_amount, tp.hourly_rate_currency,
           tp.rating_sum, tp.rating_count, tp.rating_score::text as rating_score, tp.country, tp.city, ${rank}::text as rank
    from tutor_profiles tp
    join users u on u.id = tp.user_id
    where ${join(conditions, sql` and `)}
    order by ${order}
    limit ${filter.limit + 1}`;
  return (await db.execute(query)) as unknown as SearchRow[];
}

/** Subjects of approved tutors with how many teach each; the most common spelling names a subject. */
export async function subjects(filter: { q?: string; limit: number }): Promise<Array<{ name: string; tutor_count: number }>> {
  const q = filter.q?.trim().toLowerCase().replace(/\s+/g, ' ');
  const conditions: SQL[] = [sql`tp.approval_status = 'approved'`, sql`u.role = 'tutor'`, sql`u.active`];
  let order = sql`tutor_count desc, name asc`;
  if (q) {
    const pattern = `%${q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    conditions.push(sql`(key like ${pattern} or similarity(key, ${q}) >= 0.4)`);
    order = sql`bool_or(key like ${`${q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`}) desc, max(similarity(key, ${q})) desc, tutor_count desc, name asc`;
  }
  const rows = await db.execute(sql`
    select mode() within group (order by btrim(s)) as name, count(distinct tp.user_id)::int as tutor_count
    from tutor_profiles tp
    join users u on u.id = tp.user_id
    cross join lateral unnest(tp.subjects) as s
    cross join lateral (select lower(btrim(s)) as key) k
    where ${join(conditions, sql` and `)} and k.key <> ''
    group by k.key
    order by ${order}
    limit ${filter.limit}`);
  return rows as unknown as Array<{ name: string; tutor_count: number }>;
}

/** True for an approved, active tutor (whose reviews and slots are public). */
export async function isPublicTutor(tutorId: string): Promise<boolean> {
  const rows = await db.execute(sql`
    select 1 from tutor_profiles tp join users u on u.id = tp.user_id
    where tp.user_id = ${tutorId}::uuid and tp.approval_status = 'approved' and u.role = 'tutor' and u.active`);
  return (rows as unknown as unknown[]).length > 0;
}
