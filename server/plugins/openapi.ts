import { openapi } from '@elysiajs/openapi';
import { Elysia } from 'elysia';
import { dirname, join } from 'node:path';
import { ErrorResponse } from '../schemas.ts';

const swaggerUiDist = dirname(Bun.resolveSync('swagger-ui-dist/package.json', import.meta.dir));
const SWAGGER_ASSETS = new Set(['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png']);

/**
 * The OpenAPI 3.1 document at /swagger/json and Swagger UI at /swagger, with its assets served from
 * swagger-ui-dist (no CDN: the UI must work without internet).
 */
export const openapiPlugin = new Elysia({ name: 'openapi' })
  .model({ Error: ErrorResponse })
  .use(
    openapi({
      path: '/swagger',
      provider: 'swagger-ui',
      openapiVersion: '3.1.0',
      exclude: { methods: ['options', 'ws'], paths: [/^\/swagger/, /^\/_app/, '/*'] },
      swagger: {
        cdn: '/swagger/assets/swagger-ui-bundle.js',
        theme: '/swagger/assets/swagger-ui.css',
        persistAuthorization: true,
      } as never,
      documentation: {
        info: {
          title: 'Lyceum API',
          version: '1.0.0',
          description:
            'The public API of Lyceum, the tutoring marketplace. Authenticate with `Authorization: Bearer <accessToken>` from ' +
            '`POST /api/v1/auth/login`, or the `session` cookie the same call sets. Errors always have the body ' +
            '`{ "error": { "code", "message", "fields"? } }`. Lists return `{ items, nextCursor }`.',
          license: { name: 'MIT', identifier: 'MIT' },
          contact: { name: 'Lyceum', url: 'https://github.com/lyceum' },
        },
        servers: [{ url: '/', description: 'This server' }],
        tags: [
          { name: 'Accounts', description: 'Registration, sign-in, passwords, profile' },
          { name: 'Chat', description: 'Conversations, messages and the WebSocket' },
          { name: 'Health', description: 'Liveness and readiness' },
        ],
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'accessToken from /api/v1/auth/login' },
            cookie: { type: 'apiKey', in: 'cookie', name: 'session', description: 'The session cookie set by /api/v1/auth/login' },
          },
        },
      },
    }),
  )
  .get(
    '/swagger/assets/:file',
    ({ params, set }) => {
      if (!SWAGGER_ASSETS.has(params.file)) {
        set.status = 404;
        return 'Not found';
      }
      set.headers['cache-control'] = 'public, max-age=86400';
      return Bun.file(join(swaggerUiDist, params.file));
    },
    { detail: { hide: true } },
  );
