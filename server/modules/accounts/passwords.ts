import { readFileSync } from 'node:fs';
import { DomainError } from '../../errors.ts';

export const MIN_PASSWORD_LENGTH = 10;

const COMMON_PASSWORDS = new Set(
  readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#')),
);

/** Throws 422 weak_password with the reason under `fields[field]`. */
export function assertStrongPassword(password: string, field: string, context: { email?: string; name?: string } = {}): void {
  const lowered = password.toLowerCase();
  let problem: string | null = null;
  if ([...password].length < MIN_PASSWORD_LENGTH) problem = `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  else if (COMMON_PASSWORDS.has(lowered)) problem = 'is too common; choose a less guessable password';
  else if (new Set(password).size < 3) problem = 'is too repetitive';
  else if (context.email && lowered === context.email.toLowerCase()) problem = 'must not be your email address';
  if (problem) throw new DomainError('weak_password', `The password ${problem}`, { [field]: problem });
}

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: 'argon2id' });
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return Bun.password.verify(password, hash);
}

/**
 * A hash of a random password, verified against when the account does not exist, so a sign-in or a forgotten
 * password for an unknown email costs the same time as for a known one (no user enumeration by timing).
 */
let decoyHash: Promise<string> | null = null;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(crypto.randomUUID());
  return decoyHash;
}
