import { hmac } from '@oslojs/crypto/hmac';
import { sha256 } from '@oslojs/crypto/sha2';
import { SHA256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeBase64urlNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { env } from '../env.ts';

const encoder = new TextEncoder();

/** A random, URL-safe secret with 160 bits of entropy (Lucia's session token recipe). */
export function generateToken(): string {
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

/** What we store for a token: its SHA-256, hex. A leaked table does not leak usable tokens. */
export function hashToken(token: string): string {
  return encodeHexLowerCase(sha256(encoder.encode(token)));
}

/**
 * A token derived from a random seed with SECRET_KEY. Emails owed are written to the outbox with the seed only;
 * the mail job re-derives the same token on every attempt (idempotent), and neither table holds a usable token.
 */
export function deriveToken(seed: string, purpose: string): string {
  return encodeBase64urlNoPadding(hmac(SHA256, encoder.encode(env.secretKey), encoder.encode(`${purpose}:${seed}`)));
}

export function generateSeed(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return encodeHexLowerCase(bytes);
}

/** Constant-time comparison of two strings of equal length. */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let index = 0; index < a.length; index++) diff |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return diff === 0;
}
