import { sql } from 'drizzle-orm';
import { bigint, check, index, pgEnum, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { users } from './accounts.ts';
import { id } from './ids.ts';

export const conversationKind = pgEnum('conversation_kind', ['direct', 'course']);
export const messageKind = pgEnum('message_kind', ['text', 'system']);

/**
 * A conversation. `last_seq` is the seq of its newest message: writers bump it with
 * `update ... set last_seq = last_seq + n returning last_seq` in the transaction that inserts the messages,
 * so the row lock serialises writers of one conversation across instances and seqs have no gaps
 * (a rolled-back transaction rolls its bump back too).
 */
export const conversations = pgTable(
  'conversations',
  {
    id: id(),
    kind: conversationKind('kind').notNull(),
    title: text('title'),
    /** For `direct` only: the two member ids sorted and joined with ':', so a pair has one direct conversation. */
    directKey: text('direct_key').unique(),
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
    lastMessageAt: timestamp('last_message_at', { withTimezone: true }),
    /** Sort key of inboxes: creation, then the newest message. */
    activityAt: timestamp('activity_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check('conversations_direct_key', sql`(${table.kind} = 'direct') = (${table.directKey} is not null)`),
    check('conversations_last_seq', sql`${table.lastSeq} >= 0`),
    index('conversations_activity_idx').on(table.activityAt.desc(), table.id.desc()),
  ],
);

export const conversationMembers = pgTable(
  'conversation_members',
  {
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull().default('member'),
    /** Read cursor: every message with seq <= this is read by the member (their own are read when sent). */
    lastReadSeq: bigint('last_read_seq', { mode: 'number' }).notNull().default(0),
    /** Highest seq the member was notified about while offline (in-app notification); the chat-notify job's cursor. */
    notifiedSeq: bigint('notified_seq', { mode: 'number' }).notNull().default(0),
    /** When the last email digest of this conversation went to the member: at most one per CHAT_DIGEST_MINUTES. */
    lastEmailedAt: timestamp('last_emailed_at', { withTimezone: true }),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.conversationId, table.userId] }),
    check('conversation_members_role', sql`${table.role} in ('member', 'owner')`),
    index('conversation_members_user_idx').on(table.userId),
  ],
);

/**
 * Messages. (conversation_id, seq) is the order; (conversation_id, sender_id, client_id) makes a resend
 * (same client idempotency key) impossible to store twice, whichever instance or transport it came through.
 */
export const messages = pgTable(
  'messages',
  {
    id: id(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    /** Null for system messages (and when the sender's account is deleted). */
    senderId: uuid('sender_id').references(() => users.id, { onDelete: 'set null' }),
    clientId: text('client_id').notNull(),
    kind: messageKind('kind').notNull().default('text'),
    body: text('body').notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    unique('messages_conversation_seq').on(table.conversationId, table.seq),
    unique('messages_conversation_sender_client').on(table.conversationId, table.senderId, table.clientId),
    check('messages_seq_positive', sql`${table.seq} >= 1`),
    check('messages_body_length', sql`char_length(${table.body}) between 1 and 4000`),
    check('messages_client_id_length', sql`char_length(${table.clientId}) between 1 and 64`),
  ],
);
