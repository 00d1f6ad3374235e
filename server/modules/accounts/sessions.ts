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
import { env } from '../../env.ts';
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
