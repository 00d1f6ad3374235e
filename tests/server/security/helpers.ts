/**
 * TOTP for tests, written independently of the server's implementation (node:crypto HMAC-SHA1, RFC 4226/6238),
 * so a shared bug cannot make both sides agree.
 */
import { createHmac } from 'node:crypto';
import type { SignedInAccount } from '../../support/admin.ts';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(text: string): Buffer {
  let bits = '';
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const value = BASE32.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes: number[] = [];
  for (let index = 0; index + 8 <= bits.length; index += 8) bytes.push(parseInt(bits.slice(index, index + 8), 2));
  return Buffer.from(bytes);
}

export const stepNow = () => Math.floor(Date.now() / 30_000);

/** The 6-digit code of `secret` at a 30-second step (default: now). */
export function totp(secret: string, step: number = stepNow()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/**
 * Waits until the current step has at least `margin` seconds left, so codes computed now for steps now-1..now+1
 * are still inside the server's window when it checks them.
 */
export async function awayFromStepEdge(margin = 6): Promise<void> {
  const left = 30 - ((Date.now() / 1000) % 30);
  if (left < margin) await Bun.sleep(left * 1000 + 200);
}

/** Sets up and enables 2FA through the API; returns the secret, the recovery codes and the step the enable used. */
export async function enableTwoFactor(account: SignedInAccount): Promise<{ secret: string; recoveryCodes: string[]; usedStep: number }> {
  const setup = await account.api.post('/api/v1/auth/2fa/setup', undefined, { token: account.accessToken });
  if (setup.status !== 200) throw new Error(`setup failed: ${setup.status} ${setup.text}`);
  await awayFromStepEdge();
  const usedStep = stepNow() - 1;
  const enabled = await account.api.post('/api/v1/auth/2fa/enable', { code: totp(setup.body.secret, usedStep) }, { token: account.accessToken });
  if (enabled.status !== 200) throw new Error(`enable failed: ${enabled.status} ${enabled.text}`);
  return { secret: setup.body.secret, recoveryCodes: enabled.body.recoveryCodes, usedStep };
}
