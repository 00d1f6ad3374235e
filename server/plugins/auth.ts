import { Elysia } from 'elysia';
import { DomainError, unauthorized } from '../errors.ts';
import { verifyAccessToken } from '../modules/accounts/accessTokens.ts';
import { resolveSession, resolveSessionToken, type Actor } from '../modules/accounts/sessions.ts';

export const SESSION_COOKIE = 'session';

/**
 * Who is calling: a Bearer access token (API clients) or the session cookie (the web app). Either way the
 * session is re-checked on every request, so logout and revocation take effect at once.
 */
export async function authenticate(request: Request): Promise<Actor | null> {
  const authorization = request.headers.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) return null;
    const claims = await verifyAccessToken(match[1]!);
    if (!claims) return null;
    const actor = await resolveSession(claims.sessionId);
    return actor && actor.id === claims.userId ? actor : null;
  }
  const cookieToken = readCookie(request.headers.get('cookie'), SESSION_COOKIE);
  return cookieToken ? resolveSessionToken(cookieToken) : null;
}

export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return null;
}

/**
 * `{ auth: true }` on a route resolves `actor` or answers 401. Role and ownership checks belong to services.
 */
export const authPlugin = new Elysia({ name: 'auth' }).macro({
  auth: {
    async resolve({ request }) {
      const actor = await authenticate(request);
      if (!actor) throw unauthorized();
      return { actor };
    },
  },
});

/** For services: refuse unverified accounts where the contract says so. */
export function assertVerified(actor: Actor): void {
  if (!actor.emailVerified) throw new DomainError('email_unverified', 'Verify your email address first');
}
