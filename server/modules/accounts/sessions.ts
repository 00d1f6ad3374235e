/**
 * Session lifecycle after Lucia's design, plus the Redis cache that lets every request re-check its session
 * without a Postgres round trip.
 *
 * Cache protocol (key `sess:<id>`):
 * - a JSON actor: the session is live; filled only with SET NX after reading Postgres, kept CACHE_TTL seconds;
 * - the marker "-": the session changed (revoked, user edited); readers go to Postgres and must not refill
 *   until the marker expires. Writers set the marker *after* their commit, overwriting any cached actor, and a
 *   reader that read Postgres before the commit cannot overwrite the marker (NX). So a revocation is seen by the
 *   very next request on every instance, and a stale actor can never be re-cached.
 * If Redis is down every lookup goes to Postgres.
 */
import { hmac } from '@oslojs/crypto/hmac';
import { SHA256 } from '@oslojs/crypto/sha2';
import { encodeBase64urlNoPadding } from '@oslojs/encoding';
import { env } from '../../env.ts';
import { decodeCursor, encodeCursor } from '../../lib/pagination.ts';
import { generateToken, hashToken } from '../../lib/tokens.ts';
import { logger } from '../../logger.ts';
import { redis } from '../../redis.ts';
import type { Executor } from '../../../db/client.ts';
import * as repository from './repository.ts';
import type { UserRow } from './repository.ts';

export type Actor = {
  id: string;
  sessionId: string;
  email: string;
  name: string;
  role: UserRow['role'];
  timezone: string;
  emailVerified: boolean;
  photoPath: string | null;
  twoFactorEnabled: boolean;
  createdAt: string;
};

const CACHE_TTL_SECONDS = 60;
const DIRTY_MARKER = '-';
const DIRTY_TTL_SECONDS = 10;
const cacheKey = (sessionId: string) => `sess:${sessionId}`;

export function actorFrom(user: UserRow, sessionId: string): Actor {
  return {
    id: user.id,
    sessionId,
    email: user.email,
    name: user.name,
    role: user.role,
    timezone: user.timezone,
    emailVerified: user.emailVerifiedAt !== null,
    photoPath: user.photoPath,
    twoFactorEnabled: user.twoFactorEnabledAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}

function sessionLifetimeMs(): number {
  return env.sessionTtlDays * 24 * 3600 * 1000;
}

export async function createSession(
  executor: Executor,
  input: { userId: string; ip: string | null; userAgent: string | null },
): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
  const token = generateToken();
  const sessionId = hashToken(token);
  const expiresAt = new Date(Date.now() + sessionLifetimeMs());
  await repository.insertSession(executor, { id: sessionId, userId: input.userId, expiresAt, ip: input.ip, userAgent: input.userAgent });
  return { token, sessionId, expiresAt };
}

async function readCache(sessionId: string): Promise<Actor | 'dirty' | null> {
  try {
    const cached = await redis.get(cacheKey(sessionId));
    if (cached === null) return null;
    if (cached === DIRTY_MARKER) return 'dirty';
    return JSON.parse(cached) as Actor;
  } catch {
    return 'dirty';
  }
}

/** The actor behind a session id, or null if the session is not live. */
export async function resolveSession(sessionId: string): Promise<Actor | null> {
  const cached = await readCache(sessionId);
  if (cached && cached !== 'dirty') return cached;

  const found = await repository.findLiveSession(sessionId);
  if (!found) return null;
  const actor = actorFrom(found.user, sessionId);
  if (cached === null) {
    // Sliding expiry: touched at most once per cache period, extended when half the lifetime is used up.
    const extend = found.session.expiresAt.getTime() - Date.now() < sessionLifetimeMs() / 2;
    await Promise.all([
      repository.touchSession(sessionId, extend ? new Date(Date.now() + sessionLifetimeMs()) : null),
      redis.set(cacheKey(sessionId), JSON.stringify(actor), { EX: CACHE_TTL_SECONDS, NX: true }).catch(() => null),
    ]);
  }
  return actor;
}

export function resolveSessionToken(token: string): Promise<Actor | null> {
  return resolveSession(hashToken(token));
}

/** Call after the commit that changed these sessions or their user. */
export async function invalidateSessions(sessionIds: string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  try {
    const multi = redis.multi();
    for (const id of sessionIds) multi.set(cacheKey(id), DIRTY_MARKER, { EX: DIRTY_TTL_SECONDS });
    await multi.execTyped();
  } catch (error) {
    // Redis down: nothing is cached that could be served either (lookups fail over to Postgres).
    logger.warn({ err: (error as Error).message }, 'could not invalidate session cache');
  }
}

export async function invalidateUser(userId: string): Promise<void> {
  await invalidateSessions(await repository.liveSessionIdsOfUser(userId));
}

export async function revoke(
  executor: Executor,
  where: { sessionId?: string; userId?: string; exceptSessionId?: string },
  reason: string,
): Promise<string[]> {
  return repository.revokeSessions(executor, where, reason);
}

/**
 * The id a session is shown under (GET /me/sessions): derived from the stored id with SECRET_KEY, so the stored id
 * (the key of the session cache, and the `sid` of access tokens) never leaves through the API and a listed id
 * cannot be turned into anything else. Stable for the session's life; mapped back by recomputing it for the
 * user's own sessions only.
 */
export function publicSessionId(sessionId: string): string {
  const encoder = new TextEncoder();
  return encodeBase64urlNoPadding(hmac(SHA256, encoder.encode(env.secretKey), encoder.encode(`session-public-id:${sessionId}`)).slice(0, 16));
}

export type SessionDto = {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
};

/** The caller's live sessions, newest first; the one making the request has `current: true`. */
export async function listSessions(input: { actor: Actor; limit: number; cursor?: string }): Promise<{ items: SessionDto[]; nextCursor: string | null }> {
  const after = decodeCursor(input.cursor, ['number', 'string']) as [number, string] | null;
  const all = (await repository.listLiveSessions(input.actor.id)).map((row) => ({ row, publicId: publicSessionId(row.id) }));
  // Newest first, ties broken by the public id so a cursor never repeats or skips a session.
  all.sort((a, b) => b.row.createdAt.getTime() - a.row.createdAt.getTime() || (a.publicId < b.publicId ? 1 : a.publicId > b.publicId ? -1 : 0));
  const remaining = after
    ? all.filter(({ row, publicId }) => row.createdAt.getTime() < after[0] || (row.createdAt.getTime() === after[0] && publicId < after[1]))
    : all;
  const page = remaining.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ row, publicId }) => ({
      id: publicId,
      createdAt: row.createdAt.toISOString(),
      lastUsedAt: row.lastUsedAt.toISOString(),
      ip: row.ip,
      userAgent: row.userAgent,
      current: row.id === input.actor.sessionId,
    })),
    nextCursor: remaining.length > input.limit && last ? encodeCursor([last.row.createdAt.getTime(), last.publicId]) : null,
  };
}

/** Finds one of the user's live sessions by its public id (never another user's). */
export async function findOwnSession(userId: string, publicId: string): Promise<string | null> {
  const rows = await repository.listLiveSessions(userId);
  return rows.find((row) => publicSessionId(row.id) === publicId)?.id ?? null;
}
