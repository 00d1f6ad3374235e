import { sql } from 'drizzle-orm';
import { boolean, check, index, inet, integer, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { id } from './ids.ts';

export const userRole = pgEnum('user_role', ['student', 'tutor', 'admin']);

export const users = pgTable(
  'users',
  {
    id: id(),
    /** Stored lower-cased and trimmed; unique. */
    email: text('email').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    name: text('name').notNull(),
    role: userRole('role').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    photoPath: text('photo_path'),
    /** TOTP secret, AES-GCM encrypted with a key derived from SECRET_KEY (see server/modules/security/totp.ts). */
    totpSecret: text('totp_secret'),
    /** The last 30-second TOTP step accepted: a code is never accepted twice (RFC 6238 section 5.2). */
    totpLastStep: integer('totp_last_step'),
    twoFactorEnabledAt: timestamp('two_factor_enabled_at', { withTimezone: true }),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [check('users_email_lowercase', sql`${table.email} = lower(${table.email})`), index('users_role_idx').on(table.role)],
);

/**
 * Sessions after Lucia's design: the client holds a random token, the database holds only its SHA-256 (the id).
 * One session backs both the web cookie and an API client's access/refresh tokens.
 */
export const sessions = pgTable(
  'sessions',
  {
    /** Hex SHA-256 of the session token. */
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
    ip: inet('ip'),
    userAgent: text('user_agent'),
  },
  (table) => [index('sessions_user_idx').on(table.userId)],
);

/**
 * Rotating refresh tokens. A token is used once; presenting a used one again means it leaked,
 * so the whole session is revoked.
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    /** Hex SHA-256 of the refresh token. */
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (table) => [index('refresh_tokens_session_idx').on(table.sessionId)],
);

export const emailTokenPurpose = pgEnum('email_token_purpose', ['verify_email', 'reset_password']);

/** Single-use tokens sent by email; only their SHA-256 is stored. */
export const emailTokens = pgTable(
  'email_tokens',
  {
    /** Hex SHA-256 of the token. */
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: emailTokenPurpose('purpose').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (table) => [index('email_tokens_user_purpose_idx').on(table.userId, table.purpose)],
);
