/**
 * Small secrets the server must be able to read back (TOTP secrets), encrypted at rest with AES-256-GCM under a
 * key derived from SECRET_KEY. A copy of the database alone (a backup, a read-only SQL injection) then does not
 * let anyone generate a user's codes.
 *
 * Consequence: rotating SECRET_KEY makes existing sealed values unreadable. Users with 2FA would then have to
 * sign in with a recovery code and set 2FA up again, so rotate with a re-encryption step (open with the old key,
 * seal with the new) or accept that.
 */
import { hmac } from '@oslojs/crypto/hmac';
import { SHA256 } from '@oslojs/crypto/sha2';
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from '@oslojs/encoding';
import { env } from '../env.ts';

const VERSION = 'v1';
const encoder = new TextEncoder();

let keyPromise: Promise<CryptoKey> | null = null;
function key(): Promise<CryptoKey> {
  // A purpose-bound subkey: the same SECRET_KEY also signs tokens, and the two uses must not share a key.
  const raw = new Uint8Array(hmac(SHA256, encoder.encode(env.secretKey), encoder.encode('lyceum:sealed:v1')));
  keyPromise ??= crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
  return keyPromise;
}

/** Encrypts `plain`; `context` (e.g. the user id) is bound as associated data, so a sealed value cannot be moved to another row. */
export async function seal(plain: string, context: string): Promise<string> {
  const iv = new Uint8Array(12);
  crypto.getRandomValues(iv);
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(context) }, await key(), encoder.encode(plain));
  return `${VERSION}.${encodeBase64urlNoPadding(iv)}.${encodeBase64urlNoPadding(new Uint8Array(sealed))}`;
}

/** Decrypts a value from `seal`, or null if it was sealed with another key or context, or is malformed. */
export async function open(value: string, context: string): Promise<string | null> {
  const [version, ivText, dataText] = value.split('.');
  if (version !== VERSION || !ivText || !dataText) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: new Uint8Array(decodeBase64urlIgnorePadding(ivText)), additionalData: encoder.encode(context) },
      await key(),
      new Uint8Array(decodeBase64urlIgnorePadding(dataText)),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}
