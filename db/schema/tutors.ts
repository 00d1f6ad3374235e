import { sql } from 'drizzle-orm';
import { boolean, check, customType, index, integer, numeric, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './accounts.ts';
import { id } from './ids.ts';

/** Postgres full-text document (search columns below are kept by triggers in the marketplace migration). */
const tsvector = customType<{ data: string; driverData: string }>({ dataType: () => 'tsvector' });

export const approvalStatus = pgEnum('tutor_approval_status', ['draft', 'pending', 'approved', 'rejected']);

/** A tutor's public profile; its id is the tutor's user id. */
export const tutorProfiles = pgTable(
  'tutor_profiles',
  {
    userId: uuid('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    headline: text('headline').notNull().default(''),
    bio: text('bio').notNull().default(''),
    /** Free-form subject names as the tutor typed them (trimmed); compared case-insensitively. */
    subjects: text('subjects').array().notNull().default(sql`'{}'::text[]`),
    /** Minor units of `hourly_rate_currency`; null until the tutor sets a rate. */
    hourlyRateAmount: integer('hourly_rate_amount'),
    hourlyRateCurrency: text('hourly_rate_currency'),
    /** ISO 639-1 codes. */
    languages: text('languages').array().notNull().default(sql`'{}'::text[]`),
    /** ISO 3166-1 alpha-2. */
    country: text('country'),
    city: text('city'),
    online: boolean('online').notNull().default(true),
    inPerson: boolean('in_person').notNull().default(false),
    approvalStatus: approvalStatus('approval_status').notNull().default('draft'),
    rejectionReason: text('rejection_reason'),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    reviewedBy: uuid('reviewed_by').references(() => users.id, { onDelete: 'set null' }),
    /** Review aggregates, updated in the same transaction as each review. */
    ratingSum: integer('rating_sum').notNull().default(0),
    ratingCount: integer('rating_count').notNull().default(0),
    // Search (marketplace search owns these; filled by the trigger `tutor_profiles_search`, never written by the app).
    /** Mean rating rounded to 4 places, 0 without reviews: the rating sort key (stable, indexable). */
    ratingScore: numeric('rating_score', { precision: 6, scale: 4 })
      .notNull()
      .generatedAlwaysAs(sql`case when rating_count > 0 then round(rating_sum::numeric / rating_count, 4) else 0 end`),
    /** Lower-cased, trimmed subjects for exact case-insensitive matching (GIN). */
    subjectKeys: text('subject_keys').array().notNull().default(sql`'{}'::text[]`),
    /** Weighted document of name, subjects, headline and bio (GIN). */
    searchVector: tsvector('search_vector'),
    /** Unaccented lower-case name, headline and subjects for typo-tolerant trigram matching (GIN gin_trgm_ops). */
    searchText: text('search_text').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check('tutor_rate_positive', sql`${table.hourlyRateAmount} is null or ${table.hourlyRateAmount} > 0`),
    check('tutor_rate_currency', sql`(${table.hourlyRateAmount} is null) = (${table.hourlyRateCurrency} is null)`),
    check('tutor_country_code', sql`${table.country} is null or ${table.country} ~ '^[A-Z]{2}$'`),
    check('tutor_rating_count', sql`${table.ratingCount} >= 0 and ${table.ratingSum} >= 0`),
    index('tutor_profiles_status_idx').on(table.approvalStatus),
    index('tutor_profiles_rating_sort_idx')
      .on(table.ratingScore.desc(), table.ratingCount.desc(), table.userId.desc())
      .where(sql`${table.approvalStatus} = 'approved'`),
    index('tutor_profiles_price_sort_idx').on(table.hourlyRateAmount, table.userId).where(sql`${table.approvalStatus} = 'approved'`),
    index('tutor_profiles_city_idx').on(sql`lower(${table.city})`).where(sql`${table.approvalStatus} = 'approved'`),
  ],
);

export const documentKind = pgEnum('tutor_document_kind', ['cv', 'certificate']);

/** CVs and certificates, stored privately under UPLOAD_DIR with server-generated names. */
export const tutorDocuments = pgTable(
  'tutor_documents',
  {
    id: id(),
    tutorId: uuid('tutor_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: documentKind('kind').notNull(),
    /** The uploader's file name, sanitised, shown to admins and used in Content-Disposition. */
    filename: text('filename').notNull(),
    /** Server-generated path relative to UPLOAD_DIR. */
    storagePath: text('storage_path').notNull().unique(),
    mimeType: text('mime_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('tutor_documents_tutor_idx').on(table.tutorId)],
);
