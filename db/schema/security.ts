import { index, inet, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './accounts.ts';
import { id } from './ids.ts';

/** One-time 2FA recovery codes; only their SHA-256 is stored. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull().unique(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('recovery_codes_user_idx').on(table.userId)],
);

/** Who did what, when, from where. Written in the same transaction as the change it records. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    /** Null for anonymous actions (a failed sign-in for an unknown email). */
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    ip: inet('ip'),
    userAgent: text('user_agent'),
    metadata: jsonb('metadata').notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    // Ids are UUIDv7 (time-ordered): "newest first" is id order, and the id is the cursor.
    index('audit_log_actor_idx').on(table.actorId, table.id.desc()),
    index('audit_log_action_idx').on(table.action, table.id.desc()),
  ],
);
