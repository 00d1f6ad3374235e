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
    schema: t.Object({ sub: t.String(), sid: t.String(), typ: t.Literal('access') }),
  }),
).decorator.accessJwt;

export async function signAccessToken(userId: string, sessionId: string): Promise<{ accessToken: string; expiresIn: number }> {
  const accessToken = await signer.sign({ sub: userId, sid: sessionId, typ: 'access' });
  return { accessToken, expiresIn: env.accessTokenTtlSeconds };
}

export async function verifyAccessToken(token: string): Promise<{ userId: string; sessionId: string } | null> {
  const payload = await signer.verify(token, { algorithms: ['HS256'] });
  if (!payload) return null;
  return { userId: payload.sub, sessionId: payload.sid };
}
