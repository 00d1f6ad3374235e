/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1, 30-second steps, 6 digits,
 * base32 secrets, which is what every authenticator app implements.
 */
import { hmac } from '@oslojs/crypto/hmac';
import { SHA1 } from '@oslojs/crypto/sha1';
import { decodeBase32IgnorePadding, encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import { timingSafeEqual } from './tokens.ts';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of now: one step of clock drift between phone and server. */
export const TOTP_DRIFT_STEPS = 1;

/** A new random secret: 160 bits (RFC 4226 recommends the HMAC-SHA-1 output length), base32 without padding. */
export function generateTotpSecret(): string {
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  return encodeBase32UpperCaseNoPadding(bytes);
}

export function totpStep(atMs: number = Date.now()): number {
  return Math.floor(atMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The HOTP value of `secret` (base32) at counter `step`. */
export function totpCode(secret: string, step: number): string {
  const key = decodeBase32IgnorePadding(secret.toUpperCase());
  const counter = new Uint8Array(8);
  new DataView(counter.buffer).setBigUint64(0, BigInt(step));
  const mac = hmac(SHA1, key, counter);
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = new DataView(mac.buffer, mac.byteOffset).getUint32(offset) & 0x7fffffff;
  return (binary % 10 ** TOTP_DIGITS).toString().padStart(TOTP_DIGITS, '0');
}

export function looksLikeTotpCode(code: string): boolean {
  return new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(code);
}

/**
 * The step whose code matches, checking now and one step either side, or null. The caller must then refuse any
 * step at or before the last one accepted for this secret, so a code cannot be used twice.
 */
export function matchTotp(secret: string, code: string, atMs: number = Date.now()): number | null {
  if (!looksLikeTotpCode(code)) return null;
  const now = totpStep(atMs);
  let matched: number | null = null;
  // Check every candidate (no early exit) so timing does not tell which step matched.
  for (let step = now - TOTP_DRIFT_STEPS; step <= now + TOTP_DRIFT_STEPS; step++) {
    if (timingSafeEqual(totpCode(secret, step), code) && matched === null) matched = step;
  }
  return matched;
}

/** The Key URI Format understood by authenticator apps (otpauth://totp/Issuer:account?secret=...). */
export function otpauthUri(input: { issuer: string; account: string; secret: string }): string {
  // '@' is allowed in a URI path; encode everything else that could break the label.
  const label = `${encodeURIComponent(input.issuer)}:${encodeURIComponent(input.account).replaceAll('%40', '@')}`;
  const query = [
    `secret=${input.secret}`,
    `issuer=${encodeURIComponent(input.issuer)}`,
    'algorithm=SHA1',
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}
