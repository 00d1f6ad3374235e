/**
 * Accounts: registration, email verification, sign-in with rotating refresh tokens, password recovery and change,
 * the caller's profile, WebSocket tickets, and the bootstrap admin. Every function takes plain input and an actor
 * or request context, so routes, jobs and tests call the same code.
 */
import { db } from '../../../db/client.ts';
import { env } from '../../env.ts';
import { DomainError, invalid, unauthorized } from '../../errors.ts';
import { acceptUpload, deleteStoredFile, storeFile, storedFile } from '../../lib/files.ts';
import { toAvatarWebp } from '../../lib/images.ts';
import { hit, check, record, reset, type Limit } from '../../lib/rateLimit.ts';
import { canonicalTimeZone, isValidTimeZone, padTo } from '../../lib/time.ts';
import { deriveToken, generateSeed, generateToken, hashToken } from '../../lib/tokens.ts';
import { logger } from '../../logger.ts';
import { redis } from '../../redis.ts';
import * as audit from '../audit/service.ts';
import * as outbox from '../outbox/service.ts';
import { signAccessToken } from './accessTokens.ts';
import { assertStrongPassword, decoyPasswordHash, hashPassword, verifyPassword } from './passwords.ts';
import * as repository from './repository.ts';
import type { UserRow } from './repository.ts';
import * as sessions from './sessions.ts';
import type { Actor } from './sessions.ts';
import * as twoFactor from './twoFactor.ts';

export type RequestMeta = { ip: string | null; userAgent: string | null };

export type UserDto = {
  id: string;
  email: string;
  name: string;
  role: UserRow['role'];
  emailVerified: boolean;
  timezone: string;
  photoUrl: string | null;
  twoFactorEnabled: boolean;
  createdAt: string;
};

/**
 * Per-IP limits are generous on purpose (schools, offices and API clients share addresses): they stop floods and
 * credential stuffing. The per-account limits are the tight ones.
 */
const LIMITS = {
  registerPerIp: { name: 'register-ip', max: env.ipLimits.registrationsPerHour, windowSeconds: 3600 },
  /** Failed sign-ins from one address (any accounts); successful ones do not count. */
  loginFailuresPerIp: { name: 'login-fail-ip', max: env.ipLimits.failedSignInsPer15Min, windowSeconds: 900 },
  /** Consecutive failures for one account; the 10th attempt in a row is refused. */
  loginFailures: { name: 'login-fail', max: 9, windowSeconds: 900 },
  emailPerIp: { name: 'email-ip', max: env.ipLimits.emailsPer15Min, windowSeconds: 900 },
  emailPerAccount: { name: 'email-account', max: 5, windowSeconds: 900 },
} satisfies Record<string, Limit>;

/** Forgot-password and resend-verification take at least this long, whether or not the account exists. */
const EVEN_RESPONSE_MS = 250;
const WS_TICKET_TTL_SECONDS = 30;

const ipKey = (meta: RequestMeta) => meta.ip ?? 'unknown';

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function photoUrl(userId: string, photoPath: string | null): string | null {
  return photoPath ? `/api/v1/users/${userId}/photo?v=${encodeURIComponent(photoPath.split('/').pop() ?? '')}` : null;
}

export function toUserDto(user: UserRow): UserDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    emailVerified: user.emailVerifiedAt !== null,
    timezone: user.timezone,
    photoUrl: photoUrl(user.id, user.photoPath),
    twoFactorEnabled: user.twoFactorEnabledAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}

export function actorToUserDto(actor: Actor): UserDto {
  return {
    id: actor.id,
    email: actor.email,
    name: actor.name,
    role: actor.role,
    emailVerified: actor.emailVerified,
    timezone: actor.timezone,
    photoUrl: photoUrl(actor.id, actor.photoPath),
    twoFactorEnabled: actor.twoFactorEnabled,
    createdAt: actor.createdAt,
  };
}

function assertTimeZone(timezone: string | undefined): void {
  if (timezone !== undefined && !isValidTimeZone(timezone)) {
    throw invalid({ timezone: 'must be an IANA time zone such as Europe/Berlin' });
  }
}

function cleanName(name: string): string {
  const cleaned = name.trim().replace(/\s+/g, ' ');
  if (!cleaned) throw invalid({ name: 'must not be blank' });
  return cleaned;
}

/** Writes a fresh single-use email token and the email that carries it, in the caller's transaction. */
async function oweTokenEmail(
  tx: Parameters<Parameters<typeof db.transaction>[0]>[0],
  user: UserRow,
  purpose: 'verify_email' | 'reset_password',
): Promise<string[]> {
  await repository.retireEmailTokens(tx, user.id, purpose);
  const tokenSeed = generateSeed();
  await repository.insertEmailToken(tx, {
    id: hashToken(deriveToken(tokenSeed, purpose)),
    userId: user.id,
    purpose,
    expiresAt: new Date(Date.now() + env.emailTokenTtlSeconds * 1000),
  });
  return outbox.owe(tx, [
    { queue: 'email', name: purpose, subjectId: user.id, payload: { template: purpose, to: user.email, name: user.name, tokenSeed } },
  ]);
}

// Registration and verification

export async function register(input: {
  email: string;
  password: string;
  name: string;
  role: 'student' | 'tutor';
  timezone?: string;
  meta: RequestMeta;
}): Promise<UserDto> {
  const email = normaliseEmail(input.email);
  const name = cleanName(input.name);
  assertTimeZone(input.timezone);
  assertStrongPassword(input.password, 'password', { email, name });
  await hit([{ limit: LIMITS.registerPerIp, key: ipKey(input.meta) }]);

  const passwordHash = await hashPassword(input.password);
  const { user, owed } = await db.transaction(async (tx) => {
    const timezone = input.timezone ? canonicalTimeZone(input.timezone) : 'UTC';
    const user = await repository.insertUser(tx, { email, passwordHash, name, role: input.role, timezone });
    if (!user) throw new DomainError('email_taken', 'An account with this email already exists', { email: 'is already registered' });
    await audit.record(tx, {
      actorId: user.id,
      action: 'user.registered',
      target: { type: 'user', id: user.id },
      meta: input.meta,
      metadata: { role: user.role },
    });
    return { user, owed: await oweTokenEmail(tx, user, 'verify_email') };
  });
  await outbox.relay(owed);
  logger.info({ userId: user.id, role: user.role }, 'user registered');
  return toUserDto(user);
}

function tokenFailure(status: 'invalid' | 'expired'): DomainError {
  return status === 'expired'
    ? new DomainError('token_expired', 'This link has expired. Ask for a new one.')
    : new DomainError('invalid_token', 'This link is invalid or has already been used.');
}

export async function verifyEmail(input: { token: string }): Promise<UserDto> {
  const user = await db.transaction(async (tx) => {
    const spent = await repository.spendEmailToken(tx, hashToken(input.token), 'verify_email');
    if (spent.status !== 'ok') return spent.status;
    const existing = await repository.findUserById(spent.userId, tx);
    if (existing?.emailVerifiedAt) return existing;
    return repository.updateUser(tx, spent.userId, { emailVerifiedAt: new Date() });
  });
  if (user === 'invalid' || user === 'expired' || !user) throw tokenFailure(user === 'expired' ? 'expired' : 'invalid');
  await sessions.invalidateUser(user.id);
  return toUserDto(user);
}

export async function resendVerification(input: { email: string; meta: RequestMeta }): Promise<void> {
  const startedAt = performance.now();
  const email = normaliseEmail(input.email);
  await hit([
    { limit: LIMITS.emailPerIp, key: ipKey(input.meta) },
    { limit: LIMITS.emailPerAccount, key: `verify:${email}` },
  ]);
  const user = await repository.findUserByEmail(email);
  if (user && !user.emailVerifiedAt && user.active) {
    const owed = await db.transaction((tx) => oweTokenEmail(tx, user, 'verify_email'));
    await outbox.relay(owed);
  }
  await padTo(startedAt, EVEN_RESPONSE_MS);
}

// Sign-in

export type SignedIn = {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: UserDto;
  /** For the web cookie. */
  sessionToken: string;
  sessionExpiresAt: Date;
};

export async function login(input: { email: string; password: string; totp?: string; meta: RequestMeta }): Promise<SignedIn> {
  const email = normaliseEmail(input.email);
  await check(LIMITS.loginFailures, email);
  await check(LIMITS.loginFailuresPerIp, ipKey(input.meta));

  const user = await repository.findUserByEmail(email);
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? (await decoyPasswordHash()));
  if (!user || !passwordOk) {
    await signInFailed(email, user?.id ?? null, 'invalid_credentials', input.meta);
    throw new DomainError('invalid_credentials', 'The email or password is incorrect');
  }
  if (!user.active) {
    await audit.recordNow({ actorId: user.id, action: 'auth.login_failed', meta: input.meta, metadata: { email, reason: 'account_inactive' } });
    throw new DomainError('account_inactive', 'This account has been deactivated', undefined, undefined, 401);
  }

  const refreshToken = generateToken();
  // The second factor is checked in the sign-in transaction: the TOTP step or recovery code it spends commits
  // only together with the session it opens.
  const outcome = await db.transaction(async (tx) => {
    let method: twoFactor.SecondFactorMethod | null = null;
    if (user.twoFactorEnabledAt) {
      const checked = await twoFactor.checkSignInSecondFactor(tx, user, input.totp);
      if (!checked.ok) return checked;
      method = checked.method;
    }
    const created = await sessions.createSession(tx, { userId: user.id, ip: input.meta.ip, userAgent: input.meta.userAgent });
    await repository.insertRefreshToken(tx, hashToken(refreshToken), created.sessionId);
    await audit.record(tx, {
      actorId: user.id,
      action: 'auth.login',
      target: { type: 'session', id: sessions.publicSessionId(created.sessionId) },
      meta: input.meta,
      metadata: method ? { secondFactor: method } : {},
    });
    return { ok: true as const, session: created };
  });
  if (!outcome.ok) {
    if (outcome.reason === 'missing') {
      throw new DomainError('totp_required', 'Enter the code from your authenticator app (or a recovery code)', { totp: 'is required' });
    }
    // Counted like a wrong password, so codes cannot be brute-forced.
    await signInFailed(email, user.id, 'invalid_totp', input.meta);
    // The contract's sign-in failures are invalid_credentials and totp_required; `fields.totp` says which part was wrong.
    throw new DomainError('invalid_credentials', 'The authentication code is not valid', { totp: 'is not valid' });
  }
  await reset(LIMITS.loginFailures, email);

  const { session } = outcome;
  const access = await signAccessToken(user.id, session.sessionId);
  return {
    ...access,
    refreshToken,
    user: toUserDto(user),
    sessionToken: session.token,
    sessionExpiresAt: session.expiresAt,
  };
}

/** Counts a failed sign-in towards the account's limit and records it (actor null when the email is unknown). */
async function signInFailed(email: string, userId: string | null, reason: 'invalid_credentials' | 'invalid_totp', meta: RequestMeta): Promise<void> {
  await record(LIMITS.loginFailures, email);
  await record(LIMITS.loginFailuresPerIp, ipKey(meta));
  await audit.recordNow({ actorId: userId, action: 'auth.login_failed', meta, metadata: { email, reason } });
}

const refreshFailure = () => new DomainError('invalid_token', 'The refresh token is invalid', undefined, undefined, 401);

export async function refresh(input: { refreshToken: string }): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }> {
  const presented = hashToken(input.refreshToken);
  const next = generateToken();
  const result = await db.transaction(async (tx) => {
    const spent = await repository.spendRefreshToken(tx, presented);
    if (!spent) return { kind: 'unknown' as const };
    if (spent.outcome === 'reused') return { kind: 'reused' as const, sessionId: spent.sessionId };
    const live = await repository.findLiveSession(spent.sessionId);
    if (!live) return { kind: 'unknown' as const };
    await repository.insertRefreshToken(tx, hashToken(next), spent.sessionId);
    return { kind: 'rotated' as const, sessionId: spent.sessionId, userId: live.user.id };
  });
  if (result.kind === 'reused') {
    // A rotated token came back: someone holds a copy. End the whole session, for both holders.
    const revoked = await sessions.revoke(db, { sessionId: result.sessionId }, 'refresh_token_reuse');
    await sessions.invalidateSessions(revoked);
    logger.warn({ sessionId: result.sessionId }, 'refresh token reuse: session revoked');
    throw refreshFailure();
  }
  if (result.kind === 'unknown') throw refreshFailure();
  const access = await signAccessToken(result.userId, result.sessionId);
  return { ...access, refreshToken: next };
}

export async function logout(actor: Actor, meta: RequestMeta): Promise<void> {
  const revoked = await db.transaction(async (tx) => {
    const revoked = await sessions.revoke(tx, { sessionId: actor.sessionId }, 'logout');
    await audit.record(tx, { actorId: actor.id, action: 'auth.logout', target: { type: 'session', id: sessions.publicSessionId(actor.sessionId) }, meta });
    return revoked;
  });
  await sessions.invalidateSessions(revoked);
}

// Passwords

export async function forgotPassword(input: { email: string; meta: RequestMeta }): Promise<void> {
  const startedAt = performance.now();
  const email = normaliseEmail(input.email);
  await hit([
    { limit: LIMITS.emailPerIp, key: ipKey(input.meta) },
    { limit: LIMITS.emailPerAccount, key: `reset:${email}` },
  ]);
  const user = await repository.findUserByEmail(email);
  if (user?.active) {
    const owed = await db.transaction((tx) => oweTokenEmail(tx, user, 'reset_password'));
    await outbox.relay(owed);
  }
  await padTo(startedAt, EVEN_RESPONSE_MS);
}

async function replacePassword(
  userId: string,
  password: string,
  exceptSessionId: string | undefined,
  tx: Parameters<Parameters<typeof db.transaction>[0]>[0],
  event: { action: 'auth.password_reset' | 'auth.password_changed'; meta: RequestMeta },
): Promise<{ revoked: string[]; owed: string[] }> {
  const user = await repository.updateUser(tx, userId, { passwordHash: await hashPassword(password) });
  if (!user) throw new DomainError('invalid_token', 'This link is invalid or has already been used.');
  const revoked = await sessions.revoke(tx, { userId, exceptSessionId }, 'password_changed');
  await audit.record(tx, {
    actorId: userId,
    action: event.action,
    target: { type: 'user', id: userId },
    meta: event.meta,
    metadata: { sessionsRevoked: revoked.length },
  });
  const owed = await outbox.owe(tx, [
    { queue: 'email', name: 'password_changed', subjectId: userId, payload: { template: 'password_changed', to: user.email, name: user.name } },
  ]);
  return { revoked, owed };
}

export async function resetPassword(input: { token: string; password: string; meta: RequestMeta }): Promise<void> {
  assertStrongPassword(input.password, 'password');
  const outcome = await db.transaction(async (tx) => {
    const spent = await repository.spendEmailToken(tx, hashToken(input.token), 'reset_password');
    if (spent.status !== 'ok') return spent.status;
    await repository.retireEmailTokens(tx, spent.userId, 'reset_password');
    return replacePassword(spent.userId, input.password, undefined, tx, { action: 'auth.password_reset', meta: input.meta });
  });
  if (outcome === 'invalid' || outcome === 'expired') throw tokenFailure(outcome);
  await sessions.invalidateSessions(outcome.revoked);
  await outbox.relay(outcome.owed);
}

export async function changePassword(input: { actor: Actor; currentPassword: string; newPassword: string; meta: RequestMeta }): Promise<void> {
  const user = await repository.findUserById(input.actor.id);
  if (!user || !(await verifyPassword(input.currentPassword, user.passwordHash))) {
    throw new DomainError('invalid_credentials', 'The current password is incorrect', { currentPassword: 'is incorrect' });
  }
  assertStrongPassword(input.newPassword, 'newPassword', { email: user.email, name: user.name });
  const outcome = await db.transaction((tx) =>
    replacePassword(user.id, input.newPassword, input.actor.sessionId, tx, { action: 'auth.password_changed', meta: input.meta }),
  );
  await sessions.invalidateSessions(outcome.revoked);
  await outbox.relay(outcome.owed);
}

// Profile

export function getMe(actor: Actor): UserDto {
  return actorToUserDto(actor);
}

export async function updateMe(input: { actor: Actor; name?: string; timezone?: string }): Promise<UserDto> {
  assertTimeZone(input.timezone);
  const changes: { name?: string; timezone?: string } = {};
  if (input.name !== undefined) changes.name = cleanName(input.name);
  if (input.timezone !== undefined) changes.timezone = canonicalTimeZone(input.timezone);
  const user =
    Object.keys(changes).length > 0
      ? await repository.updateUser(db, input.actor.id, changes)
      : await repository.findUserById(input.actor.id);
  if (!user) throw unauthorized();
  await sessions.invalidateUser(user.id);
  return toUserDto(user);
}

export const PHOTO_MAX_BYTES = 5 * 1024 * 1024;

/**
 * Replaces the profile photo. The upload is accepted by content (PNG, JPEG or WebP, at most 5 MB) and re-encoded
 * to a small WebP, so what is served is always an image we produced: no metadata (EXIF location), no polyglots.
 */
export async function updatePhoto(input: { actor: Actor; file: File | undefined }): Promise<{ photoUrl: string }> {
  const upload = await acceptUpload(input.file, { maxBytes: PHOTO_MAX_BYTES, types: ['image/png', 'image/jpeg', 'image/webp'] });
  const webp = await toAvatarWebp(upload.bytes);
  const stored = await storeFile('photos', webp, 'webp');
  let result: Awaited<ReturnType<typeof repository.setPhotoPath>>;
  try {
    result = await db.transaction((tx) => repository.setPhotoPath(tx, input.actor.id, stored));
  } catch (error) {
    await deleteStoredFile(stored);
    throw error;
  }
  if (!result) {
    await deleteStoredFile(stored);
    throw unauthorized();
  }
  await sessions.invalidateUser(input.actor.id);
  if (result.previous) await deleteStoredFile(result.previous);
  return { photoUrl: photoUrl(result.user.id, stored)! };
}

/** The stored photo of an active user, for the public photo route; null when there is none. */
export async function photoFile(userId: string): Promise<{ file: ReturnType<typeof storedFile>; version: string } | null> {
  const user = await repository.findUserById(userId);
  if (!user?.photoPath || !user.active) return null;
  const file = storedFile(user.photoPath);
  if (!(await file.exists())) return null;
  return { file, version: user.photoPath.split('/').pop() ?? '' };
}

// The caller's sessions

export const listSessions = sessions.listSessions;

/** Signs out one of the caller's sessions (404 for unknown or someone else's); its tokens stop working at once. */
export async function revokeSession(input: { actor: Actor; id: string; meta: RequestMeta }): Promise<{ current: boolean }> {
  const sessionId = await sessions.findOwnSession(input.actor.id, input.id);
  if (!sessionId) throw new DomainError('not_found', 'Session not found');
  const revoked = await db.transaction(async (tx) => {
    const revoked = await sessions.revoke(tx, { sessionId, userId: input.actor.id }, 'revoked_by_user');
    if (revoked.length > 0) {
      await audit.record(tx, { actorId: input.actor.id, action: 'session.revoked', target: { type: 'session', id: input.id }, meta: input.meta });
    }
    return revoked;
  });
  if (revoked.length === 0) throw new DomainError('not_found', 'Session not found');
  await sessions.invalidateSessions(revoked);
  return { current: sessionId === input.actor.sessionId };
}

// WebSocket tickets: single use, short-lived, so a token never travels in a URL.

const ticketKey = (ticket: string) => `wst:${hashToken(ticket)}`;

export async function issueWsTicket(actor: Actor): Promise<{ ticket: string; expiresIn: number }> {
  const ticket = generateToken();
  await redis.set(ticketKey(ticket), JSON.stringify({ userId: actor.id, sessionId: actor.sessionId }), { EX: WS_TICKET_TTL_SECONDS });
  return { ticket, expiresIn: WS_TICKET_TTL_SECONDS };
}

/** Spends a ticket (GETDEL: a second use finds nothing) and returns the live session's actor. */
export async function redeemWsTicket(ticket: string): Promise<Actor | null> {
  const stored = await redis.getDel(ticketKey(ticket)).catch(() => null);
  if (!stored) return null;
  const { sessionId } = JSON.parse(stored) as { userId: string; sessionId: string };
  return sessions.resolveSession(sessionId);
}

// Bootstrap

/**
 * Ensures the ADMIN_EMAIL account exists, is an admin and is verified. Idempotent and safe when several instances
 * start at once (insert-or-nothing on the unique email). An existing account keeps its password.
 */
export async function ensureAdmin(): Promise<void> {
  if (!env.adminEmail || !env.adminPassword) return;
  const email = normaliseEmail(env.adminEmail);
  const passwordHash = await hashPassword(env.adminPassword);
  const created = await repository.insertUser(db, {
    email,
    passwordHash,
    name: 'Administrator',
    role: 'admin',
    emailVerifiedAt: new Date(),
  });
  if (created) {
    logger.info({ email }, 'admin account created');
    return;
  }
  const existing = await repository.findUserByEmail(email);
  if (existing && (existing.role !== 'admin' || !existing.emailVerifiedAt || !existing.active)) {
    await repository.updateUser(db, existing.id, { role: 'admin', emailVerifiedAt: existing.emailVerifiedAt ?? new Date(), active: true });
    await sessions.invalidateUser(existing.id);
    logger.info({ email }, 'admin account promoted');
  }
}
