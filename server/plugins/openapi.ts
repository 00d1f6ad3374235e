import { openapi } from '@elysiajs/openapi';
import { Elysia } from 'elysia';
import { dirname, join } from 'node:path';
import { ErrorResponse } from '../schemas.ts';

type OpenApiDocument = { paths?: Record<string, Record<string, Operation>> };
type Operation = {
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, { description?: string; content?: Record<string, unknown> & { type?: unknown } }>;
};

const JSON_ONLY = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/** Rewrites integer unions (`t.Integer` accepts "3" in queries) as plain integers for standard tools. */
function simplifyIntegers(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(simplifyIntegers);
  if (!node || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  const anyOf = record.anyOf as Array<Record<string, unknown>> | undefined;
  if (anyOf && anyOf.length === 2 && anyOf.some((s) => s.type === 'integer') && anyOf.some((s) => s.type === 'string' && s.format === 'integer')) {
    const integer = anyOf.find((s) => s.type === 'integer')!;
    const { anyOf: _, ...rest } = record;
    return { ...rest, ...integer };
  }
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, simplifyIntegers(value)]));
}

/**
 * JSON body schemas by "METHOD /path/:param". The generator cannot see a body's media type when a custom parser
 * hook is installed (our size-limited JSON parser in plugins/body.ts), so buildApp registers the route schemas here.
 */
const jsonBodies = new Map<string, unknown>();
export function registerJsonBodies(routes: Array<{ method: string; path: string; hooks: { body?: unknown } }>): void {
  for (const route of routes) if (route.hooks.body) jsonBodies.set(`${route.method.toUpperCase()} ${route.path}`, route.hooks.body);
}

/**
 * Elysia's generator lists form encodings for JSON bodies, loses the media type of bodies parsed by our parser,
 * and renders empty responses as a bogus media type; fix them so the document says what the API does and
 * passes Redocly's recommended rules.
 */
export function polishDocument(document: OpenApiDocument): OpenApiDocument {
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      const content = operation.requestBody?.content;
      if (content && Object.keys(content).length === 0) {
        const schema = jsonBodies.get(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`);
        if (schema) content['application/json'] = { schema: JSON.parse(JSON.stringify(schema)) };
      }
      if (content?.['application/json']) for (const type of JSON_ONLY) delete content[type];
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (response.content && 'type' in response.content && response.content.type === 'void') {
          operation.responses![status] = { description: response.description ?? 'No content' };
        }
        // A file response (t.File with `x-media-types`) is rendered as text/plain; name the types it really has.
        const binary = response.content?.['text/plain'] as { schema?: Record<string, unknown> } | undefined;
        const mediaTypes = binary?.schema?.['x-media-types'];
        if (Array.isArray(mediaTypes)) {
          const { 'x-media-types': _, default: __, ...schema } = binary!.schema!;
          response.content = Object.fromEntries(mediaTypes.map((type: string) => [type, { schema }]));
        }
      }
    }
  }
  return simplifyIntegers(document) as OpenApiDocument;
}

const swaggerUiDist = dirname(Bun.resolveSync('swagger-ui-dist/package.json', import.meta.dir));
const SWAGGER_ASSETS = new Set(['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png']);

/**
 * The OpenAPI 3.1 document at /swagger/json and Swagger UI at /swagger, with its assets served from
 * swagger-ui-dist (no CDN: the UI must work without internet).
 */
export const openapiPlugin = new Elysia({ name: 'openapi' })
  .model({ Error: ErrorResponse })
  // The UI loads its document by the relative URL "swagger/json", which only resolves from /swagger.
  .onRequest(({ request }) => {
    if (request.url.endsWith('/swagger/')) return new Response(null, { status: 308, headers: { location: '/swagger' } });
  })
  // Registered before the openapi plugin so it applies to the document route.
  .onAfterHandle({ as: 'global' }, ({ path, responseValue }) => {
    if (path === '/swagger/json' && responseValue && typeof responseValue === 'object' && !(responseValue instanceof Response)) {
      return polishDocument(responseValue as OpenApiDocument);
    }
  })
  .use(
    openapi({
      path: '/swagger',
      provider: 'swagger-ui',
      openapiVersion: '3.1.0',
      exclude: { staticFile: false, methods: ['options', 'ws'], paths: [/^\/swagger/, /^\/_app/, '/*'] },
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
            '`POST /api/v1/auth/login`, or the `session` cookie the same call sets. Every error has the body ' +
            '`{ error: { code, message, fields? } }` where `fields` maps dotted field paths to what is wrong. ' +
            'Lists return `{ items, nextCursor }` and take `limit` (1..100) and `cursor`. Money is `{ amount, currency }` in minor units.',
          license: { name: 'MIT', identifier: 'MIT' },
          contact: { name: 'Lyceum', url: 'https://github.com/lyceum' },
        },
        servers: [{ url: '/', description: 'This server' }],
        tags: [
          { name: 'Accounts', description: 'Registration, sign-in, passwords, profile' },
          { name: 'Chat', description: 'Conversations, messages and the WebSocket' },
          { name: 'Notifications', description: 'In-app notifications' },
          { name: 'Tutors', description: 'Tutor profiles: onboarding, documents, submission, public profiles' },
          {
            name: 'Admin',
            description:
              'Administration (admins only: 403 for everyone else). With REQUIRE_ADMIN_2FA=true, admins without two-factor authentication ' +
              'may sign in but get 403 `two_factor_required` from every admin route until they turn 2FA on. The job queues dashboard ' +
              '(bull-board) is at `/admin/queues` (a web page, outside this API).',
          },
          { name: 'Availability', description: "Tutors' weekly hours, date exceptions and free slots" },
          { name: 'Bookings', description: 'Lesson bookings, their lifecycle, calendar files and reviews' },
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
