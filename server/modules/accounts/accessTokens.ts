import { jwt } from '@elysiajs/jwt';
import { Elysia, t } from 'elysia';
import { env } from '../../env.ts';

/**
 * JWT access tokens (HS256 pinned on verify) carrying the session id, so revoking a session stops its
 * access tokens at once: every request re-checks the session (cached in Redis).
 */
const signer = new Elysia().use(
  jwt({
    name: 'accessJwt',
    secret: env.secretKey,
    alg: 'HS256',
    exp: `${env.accessTokenTtlSeconds}s`,
    schema: t.Object({ sub: t.String(), sid: t.String(), typ: t.Literal('access'), jti: t.String() }),
  }),
).decorator.accessJwt;

export async function signAccessToken(userId: string, sessionId: string): Promise<{ accessToken: string; expiresIn: number }> {
  // jti makes every token unique, even two issued for one session in the same second.
  const accessToken = await signer.sign({ sub: userId, sid: sessionId, typ: 'access', jti: crypto.randomUUID() });
  return { accessToken, expiresIn: env.accessTokenTtlSeconds };
}

type Claims = { userId: string; sessionId: string; expiresAt: number };

/**
 * Signature checks are the costliest step of an authenticated request, and clients reuse a token for minutes:
 * remember tokens already verified, until they expire. Safe because the session itself is still re-checked on
 * every request (revocation is never cached here), and bounded so memory cannot grow.
 */
const verified = new Map<string, Claims>();
const VERIFIED_CACHE_MAX = 10_000;

export async function verifyAccessToken(token: string): Promise<{ userId: string; sessionId: string } | null> {
  const cached = verified.get(token);
  if (cached && cached.expiresAt > Date.now()) return cached;
  const payload = await signer.verify(token, { algorithms: ['HS256'] });
  if (!payload || typeof payload.exp !== 'number') return null;
  const claims: Claims = { userId: payload.sub, sessionId: payload.sid, expiresAt: payload.exp * 1000 };
  if (verified.size >= VERIFIED_CACHE_MAX) verified.delete(verified.keys().next().value!);
  verified.set(token, claims);
  return claims;
}
