/**
 * Builds the application from its modules. No listen here: tests call `app.handle` or listen on their own port.
 */
import { Elysia } from 'elysia';
import { env } from './env.ts';
import { DomainError, errorBody } from './errors.ts';
import { accountRoutes } from './modules/accounts/index.ts';
import { healthRoutes } from './modules/health.ts';
import { notificationRoutes } from './modules/notifications/index.ts';
import { requestContext, requestInfo } from './plugins/context.ts';
import { errorHandler } from './plugins/errors.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { serveWeb } from './web.ts';

/** JSON bodies are small; uploads (multipart) get the larger limit and their own per-route checks. */
const JSON_BODY_LIMIT = 1024 * 1024;

export function buildApp() {
  return new Elysia({ name: 'lyceum' })
    .use(requestContext)
    .use(errorHandler)
    .onRequest(({ request }) => {
      const contentType = request.headers.get('content-type')?.toLowerCase() ?? null;
      const multipart = contentType?.startsWith('multipart/form-data') ?? false;
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > (multipart ? env.maxBodyBytes : JSON_BODY_LIMIT)) {
        throw new DomainError('payload_too_large', 'The request body is too large');
      }
      // The API speaks JSON (and multipart for uploads). Refusing other types also stops cross-site form posts.
      if (contentType && request.method !== 'GET' && request.method !== 'HEAD' && !multipart && !/^application\/(.+\+)?json\b/.test(contentType) && new URL(request.url).pathname.startsWith('/api/')) {
        throw new DomainError('unsupported_media_type', 'Send JSON (Content-Type: application/json)');
      }
    })
    .use(openapiPlugin)
    .use(healthRoutes)
    .group('/api/v1', (api) => api.use(accountRoutes).use(notificationRoutes))
    .all(
      '/*',
      async ({ request }) => {
        const { pathname } = new URL(request.url);
        const page = pathname.startsWith('/api/') ? null : await serveWeb(request, requestInfo(request).ip);
        return (
          page ??
          new Response(JSON.stringify(errorBody('not_found', 'No such route')), {
            status: 404,
            headers: { 'content-type': 'application/json; charset=utf-8' },
          })
        );
      },
      { detail: { hide: true } },
    );
}

export type App = ReturnType<typeof buildApp>;
