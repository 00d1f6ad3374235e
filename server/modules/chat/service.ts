/**
 * Chat: conversations, members, messages, read cursors. Routes, the WebSocket hub, jobs, other modules and the
 * benchmark all call these functions.
 *
 * Write path: validate -> `writer.submit` (group commit: one transaction for many messages, seq assigned under
 * the conversation's row lock) -> the caller's ack after COMMIT -> fan-out (realtime/fanout.ts: Redis hot tail,
 * cross-instance pub/sub, this instance's sockets, offline notifications).
 */
import { db } from '../../../db/client.ts';
import { DomainError, notFound } from '../../errors.ts';
import { decodeCursor, encodeCursor } from '../../lib/pagination.ts';
import { assertVerified } from '../../plugins/auth.ts';
import { readTail } from '../../realtime/tail.ts';
import '../../realtime/fanout.ts';
import type { Actor } from '../accounts/sessions.ts';
import { MAX_BODY_CHARS } from './model.ts';
import * as repository from './repository.ts';
import type { MessageRow } from './repository.ts';
import * as writer from './writer.ts';

export type MessageDto = {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string | null;
  clientId: string;
  kind: 'text' | 'system';
  body: string;
  sentAt: string;
};
export type ParticipantDto = { id: string; name: string; role: 'student' | 'tutor' | 'admin' };
export type DirectConversationDto = { id: string; kind: 'direct'; participants: ParticipantDto[] };
export type ConversationSummaryDto = {
  id: string;
  kind: 'direct' | 'course';
  title: string | null;
  participants: ParticipantDto[];
  lastMessage: MessageDto | null;
  unreadCount: number;
};

export function toMessageDto(row: MessageRow): MessageDto {
  return {
    id: row.id,
    conversationId: row.conversationId,
    seq: row.seq,
    senderId: row.senderId,
    clientId: row.clientId,
    kind: row.kind,
    body: row.body,
    sentAt: row.sentAt.toISOString(),
  };
}

// Who may open a direct conversation

/** A relationship that allows two users to open a direct conversation (besides the built-in rules). */
export type ConversationPermission = (userA: string, userB: string) => Promise<boolean>;
const extraPermissions: ConversationPermission[] = [];

/**
 * HOOK for other modules: "any two users who share a booking (later: a bid or an enrolment)". The bookings
 * module registers its check here (`registerConversationPermission((a, b) => bookings.shareABooking(a, b))`), so
 * chat never reads their tables and there is no import cycle. Until one is registered only the rules below apply.
 */
export function registerConversationPermission(check: ConversationPermission): void {
  extraPermissions.push(check);
}

async function mayOpenDirect(actor: Actor, other: repository.UserBrief): Promise<boolean> {
  if (actor.role === 'admin') return true;
  if (actor.role === 'student' && other.role === 'tutor' && (await repository.isApprovedTutor(other.id))) return true;
  for (const check of extraPermissions) if (await check(actor.id, other.id)) return true;
  return false;
}

const directKey = (userA: string, userB: string) => [userA, userB].sort().join(':');

async function directConversationDto(conversationId: string): Promise<DirectConversationDto> {
  const people = await repository.participants([conversationId]);
  return { id: conversationId, kind: 'direct', participants: people.map(({ id, name, role }) => ({ id, name, role })) };
}

/** POST /conversations: returns the pair's direct conversation, creating it when the relationship allows. */
export async function openDirect(input: { actor: Actor; participantId: string }): Promise<{ conversation: DirectConversationDto; created: boolean }> {
  const { actor, participantId } = input;
  if (participantId === actor.id) {
    throw new DomainError('validation_failed', 'You cannot open a conversation with yourself', { participantId: 'must be someone else' });
  }
  const other = await repository.findUser(participantId);
  if (!other || !other.active) throw notFound('User');
  const existing = await repository.findDirect(directKey(actor.id, participantId));
  if (existing) return { conversation: await directConversationDto(existing.id), created: false };
  assertVerified(actor);
  if (!(await mayOpenDirect(actor, other))) {
    throw new DomainError('forbidden', 'You can message an approved tutor, or someone you share a booking with');
  }
  const { id, created } = await ensureDirectConversation(actor.id, participantId);
  return { conversation: await directConversationDto(id), created };
}

/**
 * The pair's direct conversation, created when missing. No permission check: for trusted callers (bookings set
 * `conversationId` with it). Safe under concurrency: the unique direct_key decides, the loser reads the winner's.
 */
export async function ensureDirectConversation(userA: string, userB: string): Promise<{ id: string; created: boolean }> {
  if (userA === userB) throw new DomainError('validation_failed', 'A direct conversation needs two different users');
  const key = directKey(userA, userB);
  const existing = await repository.findDirect(key);
  if (existing) return { id: existing.id, created: false };
  const created = await db.transaction((tx) => repository.insertDirect(tx, key, [userA, userB]));
  if (created) return { id: created.id, created: true };
  const winner = await repository.findDirect(key);
  if (!winner) throw new Error('direct conversation vanished after a conflict');
  return { id: winner.id, created: false };
}

/** A group conversation (courses; the benchmark). Trusted callers only. */
export async function createGroupConversation(input: { kind: 'course'; title: string | null; memberIds: string[]; ownerId?: string }): Promise<{ id: string }> {
  const row = await db.transaction((tx) => repository.insertGroup(tx, input));
  return { id: row.id };
}

export async function addMembers(input: { conversationId: string; userIds: string[] }): Promise<void> {
  await repository.insertMembers(db, input.conversationId, input.userIds);
  forgetMembers(input.conversationId);
}

export async function removeMember(input: { conversationId: string; userId: string }): Promise<void> {
  await repository.deleteMember(db, input.conversationId, input.userId);
  forgetMembers(input.conversationId);
}

// Membership (cached briefly for fan-out decisions; authorisation always reads Postgres)

const memberCache = new Map<string, { ids: string[]; at: number }>();
const MEMBER_CACHE_MS = 30_000;

function forgetMembers(conversationId: string): void {
  memberCache.delete(conversationId);
}

export async function cachedMemberIds(conversationId: string): Promise<string[]> {
  const hit = memberCache.get(conversationId);
  if (hit && Date.now() - hit.at < MEMBER_CACHE_MS) return hit.ids;
  const ids = await repository.memberIds(conversationId);
  memberCache.set(conversationId, { ids, at: Date.now() });
  if (memberCache.size > 50_000) memberCache.delete(memberCache.keys().next().value!);
  return ids;
}

/** The caller's membership, or 404 (a conversation the caller may not see does not exist for them). */
export async function requireMember(userId: string, conversationId: string): Promise<repository.Membership> {
  const membership = await repository.findMembership(conversationId, userId);
  if (!membership) throw notFound('Conversation');
  return membership;
}

export const findMembership = repository.findMembership;

// Listing

export async function listConversations(input: { actor: Actor; limit: number; cursor?: string }): Promise<{ items: ConversationSummaryDto[]; nextCursor: string | null }> {
  const after = decodeCursor(input.cursor, ['timestamp', 'uuid']);
  let afterKey: { activityAt: Date; id: string } | null = null;
  if (after) {
    const activityAt = new Date(after[0] as string);
    if (Number.isNaN(activityAt.getTime()) || !/^[0-9a-f-]{36}$/.test(after[1] as string)) {
      throw new DomainError('invalid_cursor', 'The cursor is not valid for this list', { cursor: 'is unknown or malformed' });
    }
    afterKey = { activityAt, id: after[1] as string };
  }
  const rows = await repository.listForUser(input.actor.id, afterKey, input.limit);
  const page = rows.slice(0, input.limit);
  const ids = page.map((row) => row.id);
  const [people, lasts] = await Promise.all([
    repository.participants(ids),
    repository.lastMessages(page.map((row) => ({ conversationId: row.id, seq: row.lastSeq }))),
  ]);
  const lastByConversation = new Map(lasts.map((message) => [message.conversationId, message]));
  const items = page.map((row) => {
    const last = lastByConversation.get(row.id);
    return {
      id: row.id,
      kind: row.kind,
      title: row.title,
      participants: people.filter((person) => person.conversationId === row.id).map(({ id, name, role }) => ({ id, name, role })),
      lastMessage: last ? toMessageDto(last) : null,
      unreadCount: Math.max(0, row.lastSeq - row.lastReadSeq),
    };
  });
  const last = page[page.length - 1];
  return { items, nextCursor: rows.length > input.limit && last ? encodeCursor([last.activityAt.toISOString(), last.id]) : null };
}

/** One conversation of the caller, with every member's read cursor (404 for non-members). */
export async function getConversation(input: { actor: Actor; conversationId: string }): Promise<ConversationSummaryDto & { readCursors: Record<string, number> }> {
  const membership = await requireMember(input.actor.id, input.conversationId);
  const [row, people, lasts, cursors] = await Promise.all([
    repository.findConversation(input.conversationId),
    repository.participants([input.conversationId]),
    repository.lastMessages([{ conversationId: input.conversationId, seq: membership.lastSeq }]),
    repository.readCursors(input.conversationId),
  ]);
  if (!row) throw notFound('Conversation');
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    participants: people.map(({ id, name, role }) => ({ id, name, role })),
    lastMessage: lasts[0] ? toMessageDto(lasts[0]) : null,
    unreadCount: Math.max(0, membership.lastSeq - membership.lastReadSeq),
    readCursors: Object.fromEntries(cursors.map((cursor) => [cursor.userId, cursor.lastReadSeq])),
  };
}

// History

/**
 * Messages with fromSeq < seq <= toSeq as JSON strings in order: from the Redis tail when it holds the whole range,
 * otherwise from Postgres (Redis flushed, down, or the range is older than the tail).
 */
export async function messageRange(conversationId: string, fromSeq: number, toSeq: number): Promise<string[]> {
  if (toSeq <= fromSeq) return [];
  const cached = await readTail(conversationId, fromSeq, toSeq);
  if (cached) return cached;
  const rows = await repository.messagesBetween(conversationId, fromSeq, toSeq, toSeq - fromSeq);
  return rows.map((row) => JSON.stringify(toMessageDto(row)));
}

export async function history(input: {
  actor: Actor;
  conversationId: string;
  beforeSeq?: number;
  afterSeq?: number;
  limit: number;
}): Promise<{ items: MessageDto[]; nextCursor: string | null }> {
  if (input.beforeSeq !== undefined && input.afterSeq !== undefined) {
    throw new DomainError('invalid_parameters', 'Use beforeSeq or afterSeq, not both', { beforeSeq: 'cannot be combined with afterSeq' });
  }
  const membership = await requireMember(input.actor.id, input.conversationId);
  const lastSeq = membership.lastSeq;
  let from: number;
  let to: number;
  if (input.afterSeq !== undefined) {
    from = Math.min(input.afterSeq, lastSeq);
    to = Math.min(lastSeq, from + input.limit);
  } else {
    to = input.beforeSeq !== undefined ? Math.min(input.beforeSeq - 1, lastSeq) : lastSeq;
    from = Math.max(0, to - input.limit);
  }
  const items = (await messageRange(input.conversationId, from, to)).map((json) => JSON.parse(json) as MessageDto);
  let nextCursor: string | null;
  if (input.afterSeq !== undefined) nextCursor = to < lastSeq && items.length > 0 ? String(to) : null;
  else nextCursor = from > 0 && items.length > 0 ? String(from + 1) : null;
  return { items, nextCursor };
}

// Sending

export type SendResult = { message: MessageDto; created: boolean };

/** Counts characters as Postgres does (code points), so the app check and the CHECK constraint agree. */
function charCount(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) index += 1;
    count += 1;
  }
  return count;
}

export function validateDraft(input: { clientId: string; body: string }): void {
  if (typeof input.clientId !== 'string' || !/^[A-Za-z0-9._:-]{1,64}$/.test(input.clientId)) {
    throw new DomainError('validation_failed', 'clientId must be 1..64 characters of A-Z a-z 0-9 . _ : -', { clientId: 'is invalid' });
  }
  if (typeof input.body !== 'string' || input.body.trim().length === 0) {
    throw new DomainError('validation_failed', 'The message is empty', { body: 'must not be empty' });
  }
  if (input.body.length > MAX_BODY_CHARS && charCount(input.body) > MAX_BODY_CHARS) {
    throw new DomainError('payload_too_large', `A message is at most ${MAX_BODY_CHARS} characters`, { body: `at most ${MAX_BODY_CHARS} characters` });
  }
}

/**
 * Stores a message (or finds the one this sender already stored under `clientId`). Resolves after COMMIT.
 * `onStored` runs synchronously right after the commit and before fan-out (the socket's ack).
 */
export async function sendMessage(
  input: { actor: Actor; conversationId: string; clientId: string; body: string },
  onStored?: (result: SendResult) => void,
): Promise<SendResult> {
  assertVerified(input.actor);
  validateDraft(input);
  const outcome = await writer.submit(
    { conversationId: input.conversationId, senderId: input.actor.id, clientId: input.clientId, body: input.body, kind: 'text' },
    onStored
      ? (settled) => {
          if (settled.kind !== 'not_member') onStored({ message: toMessageDto(settled.message), created: settled.kind === 'created' });
        }
      : undefined,
  );
  if (outcome.kind === 'not_member') throw notFound('Conversation');
  return { message: toMessageDto(outcome.message), created: outcome.kind === 'created' };
}

// Read cursors

const readListeners: Array<(event: { conversationId: string; userId: string; seq: number }) => void> = [];

/** The hub listens to publish read receipts to the other members. */
export function onRead(listener: (event: { conversationId: string; userId: string; seq: number }) => void): void {
  readListeners.push(listener);
}

export async function markRead(input: { actor: Actor; conversationId: string; seq: number }): Promise<number> {
  const seq = await repository.markRead(input.conversationId, input.actor.id, input.seq);
  if (seq === null) throw notFound('Conversation');
  for (const listener of readListeners) listener({ conversationId: input.conversationId, userId: input.actor.id, seq });
  return seq;
}

export const lastSeqs = repository.lastSeqs;
