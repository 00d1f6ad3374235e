import { and, desc, eq, gt, ilike, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { db, type Executor } from '../../../db/client.ts';
import { emailTokens, recoveryCodes, refreshTokens, sessions, users } from '../../../db/schema/index.ts';

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
type EmailTokenPurpose = (typeof emailTokens.$inferSelect)['purpose'];

// Users

export async function findUserByEmail(email: string, executor: Executor = db): Promise<UserRow | undefined> {
  const [row] = await executor.select().from(users).where(eq(users.email, email));
  return row;
}

export async function findUserById(id: string, executor: Executor = db): Promise<UserRow | undefined> {
  const [row] = await executor.select().from(users).where(eq(users.id, id));
  return row;
}

/** Inserts a user; returns undefined when the email is already taken (the unique key decides, not a prior read). */
export async function insertUser(executor: Executor, values: typeof users.$inferInsert): Promise<UserRow | undefined> {
  const [row] = await executor.insert(users).values(values).onConflictDoNothing({ target: users.email }).returning();
  return row;
}

export async function updateUser(
  executor: Executor,
  id: string,
  values: Partial<Pick<UserRow, 'name' | 'timezone' | 'passwordHash' | 'emailVerifiedAt' | 'role' | 'active'>>,
): Promise<UserRow | undefined> {
  const [row] = await executor
    .update(users)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(users.id, id))
    .returning();
  return row;
}

// Sessions

export async function insertSession(executor: Executor, values: typeof sessions.$inferInsert): Promise<SessionRow> {
  const [row] = await executor.insert(sessions).values(values).returning();
  return row!;
}

/** A live session with its user, or undefined when revoked, expired or the user is inactive. */
export async function findLiveSession(id: string): Promise<{ session: SessionRow; user: UserRow } | undefined> {
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, id), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`), eq(users.active, true)));
  return row;
}

export async function touchSession(id: string, expiresAt: Date | null): Promise<void> {
  await db
    .update(sessions)
    .set(expiresAt ? { lastUsedAt: sql`now()`, expiresAt } : { lastUsedAt: sql`now()` })
    .where(eq(sessions.id, id));
}

/** Revokes sessions and returns the ids that were live, so their caches can be invalidated. */
export async function revokeSessions(
  executor: Executor,
  where: { sessionId?: string; userId?: string; exceptSessionId?: string },
  reason: string,
): Promise<string[]> {
  const conditions = [isNull(sessions.revokedAt)];
  if (where.sessionId) conditions.push(eq(sessions.id, where.sessionId));
  if (where.userId) conditions.push(eq(sessions.userId, where.userId));
  if (where.exceptSessionId) conditions.push(ne(sessions.id, where.exceptSessionId));
  const rows = await executor
    .update(sessions)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(and(...conditions))
    .returning({ id: sessions.id });
  return rows.map((row) => row.id);
}

export async function liveSessionIdsOfUser(userId: string, executor: Executor = db): Promise<string[]> {
  const rows = await executor
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)));
  return rows.map((row) => row.id);
}

// Refresh tokens

export async function insertRefreshToken(executor: Executor, id: string, sessionId: string): Promise<void> {
  await executor.insert(refreshTokens).values({ id, sessionId });
}

/**
 * Spends a refresh token. The conditional update makes two concurrent refreshes with the same token
 * impossible to both succeed: exactly one sees `fresh`, the other sees `reused`.
 */
export async function spendRefreshToken(
  executor: Executor,
  id: string,
): Promise<{ outcome: 'fresh' | 'reused'; sessionId: string } | undefined> {
  const [spent] = await executor
    .update(refreshTokens)
    .set({ usedAt: sql`now()` })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt)))
    .returning({ sessionId: refreshTokens.sessionId });
  if (spent) return { outcome: 'fresh', sessionId: spent.sessionId };
  const [known] = await executor.select({ sessionId: refreshTokens.sessionId }).from(refreshTokens).where(eq(refreshTokens.id, id));
  return known ? { outcome: 'reused', sessionId: known.sessionId } : undefined;
}

// Email tokens

export async function insertEmailToken(
  executor: Executor,
  values: { id: string; userId: string; purpose: EmailTokenPurpose; expiresAt: Date },
): Promise<void> {
  await executor.insert(emailTokens).values(values);
}

/**
 * Spends a single-use email token inside the caller's transaction. Returns what was found so the service can tell
 * unknown/used (400) from expired (410); only an unused, unexpired token is marked used.
 */
export async function spendEmailToken(
  executor: Executor,
  id: string,
  purpose: EmailTokenPurpose,
): Promise<{ status: 'ok'; userId: string } | { status: 'invalid' } | { status: 'expired' }> {
  const [row] = await executor
    .select()
    .from(emailTokens)
    .where(and(eq(emailTokens.id, id), eq(emailTokens.purpose, purpose)))
    .for('update');
  if (!row || row.usedAt) return { status: 'invalid' };
  if (row.expiresAt.getTime() <= Date.now()) return { status: 'expired' };
  await executor.update(emailTokens).set({ usedAt: sql`now()` }).where(eq(emailTokens.id, id));
  return { status: 'ok', userId: row.userId };
}

/** Older unused tokens of the same purpose stop working when a new one is issued or one is used. */
export async function retireEmailTokens(executor: Executor, userId: string, purpose: EmailTokenPurpose): Promise<void> {
  await executor
    .update(emailTokens)
    .set({ usedAt: sql`now()` })
    .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt)));
}

// Two-factor authentication

/** Stores a new (not yet enabled) TOTP secret; only while 2FA is off. Returns false when 2FA is already on. */
export async function setPendingTotpSecret(executor: Executor, userId: string, sealedSecret: string): Promise<boolean> {
  const rows = await executor
    .update(users)
    .set({ totpSecret: sealedSecret, totpLastStep: null, updatedAt: sql`now()` })
    .where(and(eq(users.id, userId), isNull(users.twoFactorEnabledAt)))
    .returning({ id: users.id });
  return rows.length > 0;
}

/**
 * Accepts a TOTP step at most once: succeeds only if `step` is later than the last accepted one. Concurrent
 * attempts with the same code serialise on the row lock, and the second finds the step already taken.
 */
export async function claimTotpStep(executor: Executor, userId: string, step: number): Promise<boolean> {
  const rows = await executor
    .update(users)
    .set({ totpLastStep: step })
    .where(and(eq(users.id, userId), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
    .returning({ id: users.id });
  return rows.length > 0;
}

export async function enableTwoFactor(executor: Executor, userId: string): Promise<UserRow | undefined> {
  const [row] = await executor
    .update(users)
    .set({ twoFactorEnabledAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(users.id, userId), isNull(users.twoFactorEnabledAt)))
    .returning();
  return row;
}

export async function disableTwoFactor(executor: Executor, userId: string): Promise<UserRow | undefined> {
  const [row] = await executor
    .update(users)
    .set({ twoFactorEnabledAt: null, totpSecret: null, totpLastStep: null, updatedAt: sql`now()` })
    .where(eq(users.id, userId))
    .returning();
  await executor.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  return row;
}

export async function replaceRecoveryCodes(executor: Executor, userId: string, codeHashes: string[]): Promise<void> {
  await executor.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  if (codeHashes.length > 0) await executor.insert(recoveryCodes).values(codeHashes.map((codeHash) => ({ userId, codeHash })));
}

/** Spends an unused recovery code of this user; the conditional update lets exactly one concurrent use win. */
export async function spendRecoveryCode(executor: Executor, userId: string, codeHash: string): Promise<boolean> {
  const rows = await executor
    .update(recoveryCodes)
    .set({ usedAt: sql`now()` })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, codeHash), isNull(recoveryCodes.usedAt)))
    .returning({ id: recoveryCodes.id });
  return rows.length > 0;
}

// Profile photo

/** Sets the photo path and returns the previous one (read under a row lock, so concurrent uploads each see theirs). */
export async function setPhotoPath(executor: Executor, userId: string, photoPath: string): Promise<{ user: UserRow; previous: string | null } | undefined> {
  const [current] = await executor.select({ photoPath: users.photoPath }).from(users).where(eq(users.id, userId)).for('update');
  if (!current) return undefined;
  const [user] = await executor.update(users).set({ photoPath, updatedAt: sql`now()` }).where(eq(users.id, userId)).returning();
  return user ? { user, previous: current.photoPath } : undefined;
}

// Sessions of one user

/** Live sessions of a user, newest first (bounded: a user has a handful; an API client that never logs out, a few hundred). */
export async function listLiveSessions(userId: string, limit = 1000): Promise<SessionRow[]> {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)))
    .orderBy(desc(sessions.createdAt), desc(sessions.id))
    .limit(limit);
}

// Administration

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Users newest first (ids are UUIDv7, so id order is creation order and the id is the cursor). */
export async function listUsers(filter: {
  role?: UserRow['role'];
  q?: string;
  active?: boolean;
  beforeId?: string;
  limit: number;
}): Promise<UserRow[]> {
  const conditions: SQL[] = [];
  if (filter.role) conditions.push(eq(users.role, filter.role));
  if (filter.active !== undefined) conditions.push(eq(users.active, filter.active));
  if (filter.beforeId) conditions.push(lt(users.id, filter.beforeId));
  if (filter.q) {
    const pattern = likePattern(filter.q);
    conditions.push(or(ilike(users.name, pattern), ilike(users.email, pattern))!);
  }
  return db
    .select()
    .from(users)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(users.id))
    .limit(filter.limit + 1);
}

/**
 * Serialises role and activation changes (rare, admin-only) so two admins demoting or deactivating each other at
 * the same moment cannot leave the platform without an active admin.
 */
export async function lockAdministration(tx: Executor): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(7242101)`);
}
