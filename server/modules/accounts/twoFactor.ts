/**
 * Two-factor authentication: TOTP (RFC 6238) with one-time recovery codes.
 *
 * - Setup stores a new secret (sealed with a key derived from SECRET_KEY, see lib/sealed.ts) without enabling
 *   anything; enabling needs a code from that secret, so nobody is locked out by a half-finished setup.
 * - Each 30-second step is accepted once per user (users.totp_last_step), so an observed code cannot be replayed
 *   within its window; one step of clock drift either side is accepted.
 * - Recovery codes (10, 80 bits each) are shown once and stored as SHA-256 only; each works once.
 * - Wrong codes count like failed sign-ins: 9 in a row, then 429 for 15 minutes (sign-in, enable and disable alike).
 */
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { db, type Executor } from '../../../db/client.ts';
import { DomainError, unauthorized } from '../../errors.ts';
import { check, hit, record, reset, type Limit } from '../../lib/rateLimit.ts';
import { open, seal } from '../../lib/sealed.ts';
import { hashToken } from '../../lib/tokens.ts';
import { generateTotpSecret, looksLikeTotpCode, matchTotp, otpauthUri } from '../../lib/totp.ts';
import * as audit from '../audit/service.ts';
import * as repository from './repository.ts';
import type { UserRow } from './repository.ts';
import * as sessions from './sessions.ts';
import type { Actor } from './sessions.ts';

type RequestMeta = { ip: string | null; userAgent: string | null };

export const TOTP_ISSUER = 'Lyceum';
export const RECOVERY_CODE_COUNT = 10;

const LIMITS = {
  /** Consecutive wrong codes on enable/disable for one user; the 10th attempt in a row is refused. */
  codeFailures: { name: '2fa-fail', max: 9, windowSeconds: 900 },
  /** All enable/disable attempts of one user, right or wrong. */
  attempts: { name: '2fa-user', max: 30, windowSeconds: 900 },
} satisfies Record<string, Limit>;

const sealContext = (userId: string) => `totp:${userId}`;

function invalidCode(): DomainError {
  return new DomainError('invalid_code', 'The code is not valid. Enter the current code from your authenticator app or an unused recovery code.', {
    code: 'is not valid',
  });
}

/** `xxxx-xxxx-xxxx-xxxx` from the lower-case base32 alphabet: 80 random bits, easy to type. */
function generateRecoveryCode(): string {
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes).match(/.{4}/g)!.join('-');
}

/** Codes are compared without case, spaces or dashes, so "ABCD EFGH..." typed from a printout works. */
function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

const hashRecoveryCode = (code: string) => hashToken(`recovery:${normaliseRecoveryCode(code)}`);

export type SecondFactorMethod = 'totp' | 'recovery_code';

/**
 * Checks a TOTP code or a recovery code for a user with a secret, inside the caller's transaction: the accepted
 * step or the spent recovery code commits (or rolls back) with the change it authorises.
 * Only sign-in claims the TOTP step (RFC 6238 5.2: a code opens at most one session); enabling and disabling
 * merely prove possession by an already signed-in user, so the same code may then still be used to sign in.
 */
export async function verifySecondFactor(
  tx: Executor,
  user: UserRow,
  code: string,
  options: { claimStep: boolean } = { claimStep: true },
): Promise<SecondFactorMethod | null> {
  const compact = code.replace(/\s/g, '');
  if (looksLikeTotpCode(compact)) {
    const secret = user.totpSecret ? await open(user.totpSecret, sealContext(user.id)) : null;
    const step = secret ? matchTotp(secret, compact) : null;
    if (step === null) return null;
    return !options.claimStep || (await repository.claimTotpStep(tx, user.id, step)) ? 'totp' : null;
  }
  if (!normaliseRecoveryCode(code)) return null;
  return (await repository.spendRecoveryCode(tx, user.id, hashRecoveryCode(code))) ? 'recovery_code' : null;
}

export type SecondFactorOutcome = { ok: true; method: SecondFactorMethod } | { ok: false; reason: 'missing' | 'invalid' };

/** The sign-in check for a user with 2FA on (accounts' login calls it in its transaction). */
export async function checkSignInSecondFactor(tx: Executor, user: UserRow, code: string | undefined): Promise<SecondFactorOutcome> {
  if (code === undefined || code.trim() === '') return { ok: false, reason: 'missing' };
  const method = await verifySecondFactor(tx, user, code);
  return method ? { ok: true, method } : { ok: false, reason: 'invalid' };
}

async function guardAttempt(userId: string): Promise<void> {
  await check(LIMITS.codeFailures, userId);
  await hit([{ limit: LIMITS.attempts, key: userId }]);
}

/** Starts (or restarts) setup: a new secret for the authenticator app. 2FA stays off until `enable`. */
export async function setup(input: { actor: Actor }): Promise<{ secret: string; otpauthUri: string }> {
  const secret = generateTotpSecret();
  const stored = await repository.setPendingTotpSecret(db, input.actor.id, await seal(secret, sealContext(input.actor.id)));
  if (!stored) {
    throw new DomainError('two_factor_enabled', 'Two-factor authentication is already on. Turn it off first to use a new authenticator.');
  }
  return { secret, otpauthUri: otpauthUri({ issuer: TOTP_ISSUER, account: input.actor.email, secret }) };
}

/** Turns 2FA on with a code from the pending secret; returns the recovery codes (shown this once). */
export async function enable(input: { actor: Actor; code: string; meta: RequestMeta }): Promise<{ recoveryCodes: string[] }> {
  await guardAttempt(input.actor.id);
  const user = await repository.findUserById(input.actor.id);
  if (!user) throw unauthorized();
  if (user.twoFactorEnabledAt) throw new DomainError('two_factor_enabled', 'Two-factor authentication is already on.');
  if (!user.totpSecret) throw new DomainError('two_factor_setup_required', 'Start with POST /auth/2fa/setup to get a secret for your authenticator app.');

  const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
  const enabled = await db.transaction(async (tx) => {
    const secret = await open(user.totpSecret!, sealContext(user.id));
    const compact = input.code.replace(/\s/g, '');
    const step = secret ? matchTotp(secret, compact) : null;
    if (step === null) return false;
    if (!(await repository.enableTwoFactor(tx, user.id))) throw new DomainError('two_factor_enabled', 'Two-factor authentication is already on.');
    await repository.replaceRecoveryCodes(tx, user.id, recoveryCodes.map(hashRecoveryCode));
    await audit.record(tx, { actorId: user.id, action: 'auth.2fa_enabled', target: { type: 'user', id: user.id }, meta: input.meta });
    return true;
  });
  if (!enabled) {
    await record(LIMITS.codeFailures, user.id);
    throw invalidCode();
  }
  await reset(LIMITS.codeFailures, user.id);
  await sessions.invalidateUser(user.id);
  return { recoveryCodes };
}

/** Turns 2FA off with a current TOTP code or an unused recovery code; forgets the secret and the recovery codes. */
export async function disable(input: { actor: Actor; code: string; meta: RequestMeta }): Promise<void> {
  await guardAttempt(input.actor.id);
  const user = await repository.findUserById(input.actor.id);
  if (!user) throw unauthorized();
  if (!user.twoFactorEnabledAt) throw new DomainError('two_factor_not_enabled', 'Two-factor authentication is not on.');

  const method = await db.transaction(async (tx) => {
    const verified = await verifySecondFactor(tx, user, input.code, { claimStep: false });
    if (!verified) return null;
    await repository.disableTwoFactor(tx, user.id);
    await audit.record(tx, {
      actorId: user.id,
      action: 'auth.2fa_disabled',
      target: { type: 'user', id: user.id },
      meta: input.meta,
      metadata: { method: verified },
    });
    return verified;
  });
  if (!method) {
    await record(LIMITS.codeFailures, user.id);
    throw invalidCode();
  }
  await reset(LIMITS.codeFailures, user.id);
  await sessions.invalidateUser(user.id);
}
