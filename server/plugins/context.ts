import { Elysia } from 'elysia';
import { env } from '../env.ts';
import { resolveClientIp } from '../lib/ip.ts';
import { logger } from '../logger.ts';

/** What every request knows about itself: id for logs and errors, client address, user agent, start time. */
export type RequestInfo = { requestId: string; ip: string | null; userAgent: string | null; startedAt: number };

const infoByRequest = new WeakMap<Request, RequestInfo>();

const INCOMING_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** Looks up the request's info; also works in hooks that only see the Request (onError, mapResponse). */
export function requestInfo(request: Request): RequestInfo {
  return infoByRequest.get(request) ?? { requestId: 'unknown', ip: null, userAgent: null, startedAt: performance.now() };
}

export const requestContext = new Elysia({ name: 'request-context' })
  .onRequest(({ request, set, server }) => {
    const incoming = request.headers.get('x-request-id');
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
    const peer = server?.requestIP(request)?.address ?? null;
    infoByRequest.set(request, {
      requestId,
      ip: resolveClientIp(peer, request.headers.get('x-forwarded-for'), env.trustedProxies),
      userAgent: request.headers.get('user-agent')?.slice(0, 512) ?? null,
      startedAt: performance.now(),
    });
    set.headers['x-request-id'] = requestId;
  })
  .derive({ as: 'global' }, ({ request }) => ({ info: requestInfo(request) }))
  .onAfterResponse({ as: 'global' }, ({ request, set, responseValue }) => {
    const info = requestInfo(request);
    const path = new URL(request.url).pathname;
    if (path.startsWith('/_app/') || path.startsWith('/swagger/')) return;
    logger.info(
      {
        requestId: info.requestId,
        method: request.method,
        path,
        status: responseValue instanceof Response ? responseValue.status : typeof set.status === 'number' ? set.status : 200,
        ms: Math.round((performance.now() - info.startedAt) * 10) / 10,
        ip: info.ip,
      },
      'request',
    );
  });
