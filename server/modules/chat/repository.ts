/**
 * The chat's queries. The write path (`writeBatch`) is plain SQL through postgres.js: it is the hot path of
 * the product (group commit of many messages in one transaction) and uses unnest() arrays so a batch of any
 * size is a fixed number of statements.
 */
import { and, asc, desc, eq, gt, inArray, lt, lte, sql as dsql } from 'drizzle-orm';
import { db, sql, type Executor } from '../../../db/client.ts';
import { conversationMembers, conversations, messages, tutorProfiles, users } from '../../../db/schema/index.ts';

export type MessageRow = {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string | null;
  clientId: string;
  kind: 'text' | 'system';
  body: string;
  sentAt: Date;
};

export type ConversationRow = typeof conversations.$inferSelect;

const messageColumns = {
  id: messages.id,
  conversationId: messages.conversationId,
  seq: messages.seq,
  senderId: messages.senderId,
  clientId: messages.clientId,
  kind: messages.kind,
  body: messages.body,
  sentAt: messages.sentAt,
};

// Users and relationships (read-only joins on other modules' tables, as DESIGN allows for tiny reads)

export type UserBrief = { id: string; name: string; role: 'student' | 'tutor' | 'admin'; active: boolean; email: string; emailVerified: boolean };

export async function findUser(id: string): Promise<UserBrief | undefined> {
  const [row] = await db
    .select({ id: users.id, name: users.name, role: users.role, active: users.active, email: users.email, verifiedAt: users.emailVerifiedAt })
    .from(users)
    .where(eq(users.id, id));
  return row && { id: row.id, name: row.name, role: row.role, active: row.active, email: row.email, emailVerified: row.verifiedAt !== null };
}

/** True when the user has a tutor profile approved by an admin (tutor_profiles belongs to the tutors module). */
export async function isApprovedTutor(userId: string): Promise<boolean> {
  const [row] = await db
    .select({ status: tutorProfiles.approvalStatus })
    .from(tutorProfiles)
    .innerJoin(users, eq(users.id, tutorProfiles.userId))
    .where(and(eq(tutorProfiles.userId, userId), eq(users.role, 'tutor')));
  return row?.status === 'approved';
}

// Conversations and members

export async function findDirect(directKey: string): Promise<ConversationRow | undefined> {
  const [row] = await db.select().from(conversations).where(eq(conversations.directKey, directKey));
  return row;
}

/** Creates the pair's direct conversation, or returns null when a concurrent call created it first. */
export async function insertDirect(executor: Executor, directKey: string, memberIds: [string, string]): Promise<ConversationRow | null> {
  const [row] = await executor
    .insert(conversations)
    .values({ kind: 'direct', directKey })
    .onConflictDoNothing({ target: conversations.directKey })
    .returning();
  if (!row) return null;
  await executor.insert(conversationMembers).values(memberIds.map((userId) => ({ conversationId: row.id, userId })));
  return row;
}

export async function insertGroup(executor: Executor, input: { kind: 'course'; title: string | null; memberIds: string[]; ownerId?: string }): Promise<ConversationRow> {
  const [row] = await executor.insert(conversations).values({ kind: input.kind, title: input.title }).returning();
  if (input.memberIds.length > 0) {
    await executor
      .insert(conversationMembers)
      .values(input.memberIds.map((userId) => ({ conversationId: row!.id, userId, role: userId === input.ownerId ? 'owner' : 'member' })))
      .onConflictDoNothing();
  }
  return row!;
}

export async function insertMembers(executor: Executor, conversationId: string, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  await executor
    .insert(conversationMembers)
    .values(userIds.map((userId) => ({ conversationId, userId })))
    .onConflictDoNothing();
}

export async function deleteMember(executor: Executor, conversationId: string, userId: string): Promise<void> {
  await executor.delete(conversationMembers).where(and(eq(conversationMembers.conversationId, conversationId), eq(conversationMembers.userId, userId)));
}

export type Membership = { conversationId: string; kind: 'direct' | 'course'; lastSeq: number; lastReadSeq: number };

/** The caller's membership and the conversation's newest seq in one lookup; undefined for non-members. */
export async function findMembership(conversationId: string, userId: string): Promise<Membership | undefined> {
  const [row] = await db
    .select({ conversationId: conversations.id, kind: conversations.kind, lastSeq: conversations.lastSeq, lastReadSeq: conversationMembers.lastReadSeq })
    .from(conversationMembers)
    .innerJoin(conversations, eq(conversations.id, conversationMembers.conversationId))
    .where(and(eq(conversationMembers.conversationId, conversationId), eq(conversationMembers.userId, userId)));
  return row;
}

export async function findConversation(id: string): Promise<ConversationRow | undefined> {
  const [row] = await db.select().from(conversations).where(eq(conversations.id, id));
  return row;
}

export async function readCursors(conversationId: string): Promise<Array<{ userId: string; lastReadSeq: number }>> {
  return db
    .select({ userId: conversationMembers.userId, lastReadSeq: conversationMembers.lastReadSeq })
    .from(conversationMembers)
    .where(eq(conversationMembers.conversationId, conversationId));
}

export async function memberIds(conversationId: string): Promise<string[]> {
  const rows = await db.select({ userId: conversationMembers.userId }).from(conversationMembers).where(eq(conversationMembers.conversationId, conversationId));
  return rows.map((row) => row.userId);
}

export type Participant = { conversationId: string; id: string; name: string; role: 'student' | 'tutor' | 'admin' };

export async function participants(conversationIds: string[]): Promise<Participant[]> {
  if (conversationIds.length === 0) return [];
  return db
    .select({ conversationId: conversationMembers.conversationId, id: users.id, name: users.name, role: users.role })
    .from(conversationMembers)
    .innerJoin(users, eq(users.id, conversationMembers.userId))
    .where(inArray(conversationMembers.conversationId, conversationIds))
    .orderBy(asc(conversationMembers.joinedAt), asc(users.id));
}

export type InboxRow = {
  id: string;
  kind: 'direct' | 'course';
  title: string | null;
  lastSeq: number;
  lastReadSeq: number;
  activityAt: Date;
};

/** The user's conversations, newest activity first; `after` is the (activityAt, id) of the previous page's last row. */
export async function listForUser(userId: string, after: { activityAt: Date; id: string } | null, limit: number): Promise<InboxRow[]> {
  const rows = await db
    .select({
      id: conversations.id,
      kind: conversations.kind,
      title: conversations.title,
      lastSeq: conversations.lastSeq,
      lastReadSeq: conversationMembers.lastReadSeq,
      activityAt: conversations.activityAt,
    })
    .from(conversationMembers)
    .innerJoin(conversations, eq(conversations.id, conversationMembers.conversationId))
    .where(
      and(
        eq(conversationMembers.userId, userId),
        after ? dsql`(${conversations.activityAt}, ${conversations.id}) < (${after.activityAt.toISOString()}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(conversations.activityAt), desc(conversations.id))
    .limit(limit + 1);
  return rows;
}

/** The newest message of each conversation (by its last_seq). */
export async function lastMessages(pairs: Array<{ conversationId: string; seq: number }>): Promise<MessageRow[]> {
  const wanted = pairs.filter((pair) => pair.seq > 0);
  if (wanted.length === 0) return [];
  const rows = await sql<RawMessage[]>`
    select ${sql.unsafe(RAW_COLUMNS)} from messages m
    join unnest(${wanted.map((pair) => pair.conversationId)}::uuid[], ${wanted.map((pair) => pair.seq)}::bigint[]) as k(c, s)
      on m.conversation_id = k.c and m.seq = k.s`;
  return rows.map(fromRaw);
}

// Messages

/** Messages with fromSeq < seq <= toSeq, ascending (at most `limit`). */
export async function messagesBetween(conversationId: string, fromSeq: number, toSeq: number, limit: number): Promise<MessageRow[]> {
  return db
    .select(messageColumns)
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), gt(messages.seq, fromSeq), lte(messages.seq, toSeq)))
    .orderBy(asc(messages.seq))
    .limit(limit) as Promise<MessageRow[]>;
}

/** The `limit` messages just before `beforeSeq` (or the newest), returned ascending. */
export async function messagesBefore(conversationId: string, beforeSeq: number | null, limit: number): Promise<MessageRow[]> {
  const rows = (await db
    .select(messageColumns)
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), beforeSeq === null ? undefined : lt(messages.seq, beforeSeq)))
    .orderBy(desc(messages.seq))
    .limit(limit)) as MessageRow[];
  return rows.reverse();
}

/** Moves the member's read cursor forward (never back, never past the newest message); returns the new cursor. */
export async function markRead(conversationId: string, userId: string, seq: number): Promise<number | null> {
  const rows = await sql<{ last_read_seq: string }[]>`
    update conversation_members m
       set last_read_seq = greatest(m.last_read_seq, least(${seq}::bigint, c.last_seq))
      from conversations c
     where c.id = m.conversation_id and m.conversation_id = ${conversationId} and m.user_id = ${userId}
     returning m.last_read_seq`;
  return rows[0] ? Number(rows[0].last_read_seq) : null;
}

export async function lastSeqs(conversationIds: string[]): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  if (conversationIds.length === 0) return result;
  const rows = await sql<{ id: string; last_seq: string }[]>`select id, last_seq from conversations where id = any(${conversationIds}::uuid[])`;
  for (const row of rows) result.set(row.id, Number(row.last_seq));
  return result;
}

// The write path: group commit

export type DraftMessage = { conversationId: string; senderId: string; clientId: string; body: string; kind: 'text' | 'system' };
export type DraftOutcome =
  | { kind: 'created'; message: MessageRow }
  | { kind: 'existing'; message: MessageRow }
  | { kind: 'not_member' }
  /** The conversation's row was locked by another transaction (another instance): try again in the next batch. */
  | { kind: 'busy' };

/**
 * Raw rows. Drizzle's postgres-js driver makes the shared client return timestamps as text, so raw queries read
 * sent_at as epoch milliseconds (messages are stored at millisecond precision: every path shows the same sentAt).
 */
const RAW_COLUMNS = 'm.id, m.conversation_id, m.seq, m.sender_id, m.client_id, m.kind, m.body, (extract(epoch from m.sent_at) * 1000)::float8 as sent_ms';

type RawMessage = {
  id: string;
  conversation_id: string;
  seq: string | number;
  sender_id: string | null;
  client_id: string;
  kind: 'text' | 'system';
  body: string;
  sent_ms: number;
};

function fromRaw(row: RawMessage): MessageRow {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: Number(row.seq),
    senderId: row.sender_id,
    clientId: row.client_id,
    kind: row.kind,
    body: row.body,
    sentAt: new Date(Math.round(row.sent_ms)),
  };
}

const idempotencyKey = (conversationId: string, senderId: string, clientId: string) => `${conversationId}\u0000${senderId}\u0000${clientId}`;

/**
 * Stores a batch of messages in one transaction and returns one outcome per draft, in order.
 * 1. Lock the batch's conversation rows (sorted ids: no deadlock between concurrent batches). Every insert into a
 *    conversation happens under this lock, so what step 2 reads cannot change before commit, on any instance.
 *    With `wait: false` rows locked by another transaction are skipped (SKIP LOCKED) and their drafts come back
 *    `busy`: a batch never queues behind another instance's batch (lock convoys), it defers those few messages.
 * 2. Read membership and the messages already stored under the drafts' (conversation, sender, clientId).
 * 3. Give each new message the next seq (duplicates inside the batch share one), bump last_seq once per
 *    conversation, insert all rows with one statement, move the senders' read cursors.
 * The unique constraints stay the last word: if one ever fired, the whole batch rolls back and is retried.
 */
export async function writeBatch(drafts: DraftMessage[], options: { wait: boolean } = { wait: true }): Promise<DraftOutcome[]> {
  // A reserved connection instead of sql.begin: BEGIN travels with the reads and COMMIT with the writes, so a batch
  // costs two round trips instead of five (the event loop of a busy server is slow to answer each one).
  const tx = await sql.reserve();
  let inTransaction = true;
  try {
    const conversationIds = [...new Set(drafts.map((draft) => draft.conversationId))].sort();
    const senderIds = [...new Set(drafts.map((draft) => draft.senderId))];
    // Postgres runs pipelined statements in order on this connection, so the membership and idempotency reads start
    // after the row locks are held and see everything committed before them.
    const [, locked, members, existing] = await Promise.all([
      tx.unsafe('begin'),
      tx<{ id: string; last_seq: string; now_ms: number }[]>`
        select id, last_seq, (extract(epoch from date_trunc('milliseconds', now())) * 1000)::float8 as now_ms
          from conversations where id = any(${conversationIds}::uuid[]) order by id for update ${options.wait ? sql.unsafe('') : sql.unsafe('skip locked')}`,
      tx<{ conversation_id: string; user_id: string }[]>`
        select conversation_id, user_id from conversation_members
         where conversation_id = any(${conversationIds}::uuid[]) and user_id = any(${senderIds}::uuid[])`,
      tx<RawMessage[]>`
        select ${sql.unsafe(RAW_COLUMNS)} from messages m
        join unnest(${drafts.map((d) => d.conversationId)}::uuid[], ${drafts.map((d) => d.senderId)}::uuid[], ${drafts.map((d) => d.clientId)}::text[]) as k(c, s, cl)
          on m.conversation_id = k.c and m.sender_id = k.s and m.client_id = k.cl`,
    ]);
    const now = new Date(Math.round(locked[0]?.now_ms ?? Date.now()));
    const nowIso = now.toISOString();
    const nextSeq = new Map(locked.map((row) => [row.id, Number(row.last_seq)]));
    const isMember = new Set(members.map((row) => `${row.conversation_id}\u0000${row.user_id}`));
    const known = new Map<string, DraftOutcome>();
    for (const row of existing) {
      const message = fromRaw(row);
      known.set(idempotencyKey(message.conversationId, message.senderId!, message.clientId), { kind: 'existing', message });
    }
    const created: MessageRow[] = [];
    const outcomes: DraftOutcome[] = drafts.map((draft) => {
      if (!isMember.has(`${draft.conversationId}\u0000${draft.senderId}`)) return { kind: 'not_member' };
      // A member's conversation exists: not locked means another transaction holds it (skip locked).
      if (!nextSeq.has(draft.conversationId)) return { kind: 'busy' };
      const key = idempotencyKey(draft.conversationId, draft.senderId, draft.clientId);
      const seen = known.get(key);
      if (seen) return seen.kind === 'created' ? { kind: 'existing', message: seen.message } : seen;
      const seq = nextSeq.get(draft.conversationId)! + 1;
      nextSeq.set(draft.conversationId, seq);
      const message: MessageRow = { id: Bun.randomUUIDv7(), conversationId: draft.conversationId, seq, senderId: draft.senderId, clientId: draft.clientId, kind: draft.kind, body: draft.body, sentAt: now };
      created.push(message);
      const outcome: DraftOutcome = { kind: 'created', message };
      known.set(key, outcome);
      return outcome;
    });
    const writes: Array<Promise<unknown>> = [];
    if (created.length > 0) {
      const bumped = [...new Set(created.map((message) => message.conversationId))];
      const readBySender = new Map<string, { c: string; u: string; seq: number }>();
      for (const message of created) readBySender.set(`${message.conversationId}\u0000${message.senderId}`, { c: message.conversationId, u: message.senderId!, seq: message.seq });
      const reads = [...readBySender.values()];
      writes.push(
        tx`update conversations c set last_seq = v.last_seq, last_message_at = ${nowIso}::timestamptz, activity_at = ${nowIso}::timestamptz
             from unnest(${bumped}::uuid[], ${bumped.map((id) => nextSeq.get(id)!)}::bigint[]) as v(id, last_seq)
            where c.id = v.id`,
        tx`insert into messages (id, conversation_id, seq, sender_id, client_id, kind, body, sent_at)
           select id, conversation_id, seq, sender_id, client_id, kind::message_kind, body, ${nowIso}::timestamptz from unnest(
             ${created.map((m) => m.id)}::uuid[], ${created.map((m) => m.conversationId)}::uuid[], ${created.map((m) => m.seq)}::bigint[],
             ${created.map((m) => m.senderId!)}::uuid[], ${created.map((m) => m.clientId)}::text[], ${created.map((m) => m.kind)}::text[],
             ${created.map((m) => m.body)}::text[]) as v(id, conversation_id, seq, sender_id, client_id, kind, body)`,
        tx`update conversation_members m set last_read_seq = greatest(m.last_read_seq, v.seq)
             from unnest(${reads.map((r) => r.c)}::uuid[], ${reads.map((r) => r.u)}::uuid[], ${reads.map((r) => r.seq)}::bigint[]) as v(c, u, seq)
            where m.conversation_id = v.c and m.user_id = v.u`,
      );
    }
    // COMMIT pipelined behind the writes: if one of them failed, Postgres answers this COMMIT with ROLLBACK.
    const results = await Promise.all([...writes, tx.unsafe('commit')]);
    inTransaction = false;
    const commit = results[results.length - 1] as { command?: string };
    if (commit.command !== 'COMMIT') throw new Error(`message batch not committed (${commit.command})`);
    return outcomes;
  } finally {
    if (inTransaction) await tx.unsafe('rollback').catch(() => {});
    tx.release();
  }
}

// Offline notifications (the chat-notify job)

export type NotifyState = {
  userId: string;
  name: string;
  email: string;
  emailVerified: boolean;
  active: boolean;
  lastSeq: number;
  lastReadSeq: number;
  notifiedSeq: number;
  lastEmailedAt: Date | null;
  kind: 'direct' | 'course';
  title: string | null;
};

export async function notifyState(conversationId: string, userId: string): Promise<NotifyState | undefined> {
  const [row] = await db
    .select({
      userId: users.id,
      name: users.name,
      email: users.email,
      verifiedAt: users.emailVerifiedAt,
      active: users.active,
      lastSeq: conversations.lastSeq,
      lastReadSeq: conversationMembers.lastReadSeq,
      notifiedSeq: conversationMembers.notifiedSeq,
      lastEmailedAt: conversationMembers.lastEmailedAt,
      kind: conversations.kind,
      title: conversations.title,
    })
    .from(conversationMembers)
    .innerJoin(conversations, eq(conversations.id, conversationMembers.conversationId))
    .innerJoin(users, eq(users.id, conversationMembers.userId))
    .where(and(eq(conversationMembers.conversationId, conversationId), eq(conversationMembers.userId, userId)));
  if (!row) return undefined;
  const { verifiedAt, ...rest } = row;
  return { ...rest, emailVerified: verifiedAt !== null };
}

/** Unread messages from others, oldest first, after the member's read and notified cursors. */
export async function unreadFromOthers(conversationId: string, userId: string, afterSeq: number, limit: number): Promise<Array<MessageRow & { senderName: string | null }>> {
  const rows = await db
    .select({ ...messageColumns, senderName: users.name })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.senderId))
    .where(and(eq(messages.conversationId, conversationId), gt(messages.seq, afterSeq), dsql`${messages.senderId} is distinct from ${userId}`))
    .orderBy(asc(messages.seq))
    .limit(limit);
  return rows as Array<MessageRow & { senderName: string | null }>;
}

/** Advances the notified cursor; returns false when another run already got at least this far. */
export async function advanceNotified(executor: Executor, conversationId: string, userId: string, seq: number): Promise<boolean> {
  const rows = await executor
    .update(conversationMembers)
    .set({ notifiedSeq: seq })
    .where(and(eq(conversationMembers.conversationId, conversationId), eq(conversationMembers.userId, userId), lt(conversationMembers.notifiedSeq, seq)))
    .returning({ userId: conversationMembers.userId });
  return rows.length > 0;
}

/** Claims the digest slot: true (and stamps now) when no digest went out within `minutes`. */
export async function claimDigest(executor: Executor, conversationId: string, userId: string, minutes: number): Promise<boolean> {
  const rows = await executor
    .update(conversationMembers)
    .set({ lastEmailedAt: dsql`now()` })
    .where(
      and(
        eq(conversationMembers.conversationId, conversationId),
        eq(conversationMembers.userId, userId),
        dsql`(${conversationMembers.lastEmailedAt} is null or ${conversationMembers.lastEmailedAt} <= now() - make_interval(mins => ${minutes}))`,
      ),
    )
    .returning({ userId: conversationMembers.userId });
  return rows.length > 0;
}

/**
 * Members owed a notification: unread messages from others newer than their notified cursor, the newest one at
 * least `olderThanSeconds` old (the live path had its chance). The sweep's source of truth after a Redis flush.
 */
export async function owedNotifications(olderThanSeconds: number, limit: number): Promise<Array<{ conversationId: string; userId: string }>> {
  const rows = await sql<{ conversation_id: string; user_id: string }[]>`
    select m.conversation_id, m.user_id
      from conversation_members m
      join conversations c on c.id = m.conversation_id
     where c.last_seq > greatest(m.last_read_seq, m.notified_seq)
       and c.last_message_at <= now() - make_interval(secs => ${olderThanSeconds})
       and c.last_message_at >= now() - interval '7 days'
       and exists (select 1 from messages x where x.conversation_id = m.conversation_id and x.seq = c.last_seq and x.sender_id is distinct from m.user_id)
     limit ${limit}`;
  return rows.map((row) => ({ conversationId: row.conversation_id, userId: row.user_id }));
}
