import { Elysia } from 'elysia';
import { env } from '../env.ts';
import { DomainError, forbidden, unauthorized } from '../errors.ts';
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

/** Admin-only routes live under this prefix; the auth macro guards all of them (see below). */
export const ADMIN_API_PREFIX = '/api/v1/admin/';

/**
 * `{ auth: true }` on a route resolves `actor` or answers 401. Role and ownership checks belong to services;
 * as a backstop, every route under /api/v1/admin/ also refuses non-admins here (403), and admins without 2FA
 * when REQUIRE_ADMIN_2FA is on (403 two_factor_required), so no admin route can forget either check.
 */
const actors = new WeakMap<Request, Actor>();

export const authPlugin = new Elysia({ name: 'auth' }).macro({
  auth: {
    // `transform` runs before body and query validation: an anonymous caller gets 401 (a non-admin 403),
    // never a 422 that would describe a route it may not use.
    async transform({ request }) {
      const actor = await authenticate(request);
      if (!actor) throw unauthorized();
      if (new URL(request.url).pathname.startsWith(ADMIN_API_PREFIX)) assertAdmin(actor);
      actors.set(request, actor);
    },
    resolve({ request }) {
      const actor = actors.get(request);
      if (!actor) throw unauthorized();
      return { actor };
    },
  },
});

/**
 * For services and admin routes: only admins, and with REQUIRE_ADMIN_2FA only admins who turned 2FA on (they may
 * still sign in and set it up; every admin-only route answers 403 `two_factor_required` until then).
 */
export function assertAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw forbidden('Only admins can do this');
  if (env.requireAdmin2fa && !actor.twoFactorEnabled) {
    throw new DomainError('two_factor_required', 'Turn on two-factor authentication (Settings, Security) to use admin features.');
  }
}

/** For services: refuse unverified accounts where the contract says so. */
export function assertVerified(actor: Actor): void {
  if (!actor.emailVerified) throw new DomainError('email_unverified', 'Verify your email address first');
}
