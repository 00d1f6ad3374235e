/**
 * Builds the application from its modules. No listen here: tests call `app.handle` or listen on their own port.
 */
import { Elysia } from 'elysia';
import { errorBody } from './errors.ts';
import { accountRoutes } from './modules/accounts/index.ts';
import { adminRoutes } from './modules/admin/index.ts';
import { availabilityRoutes } from './modules/availability/index.ts';
import { bookingRoutes } from './modules/bookings/index.ts';
import { chatRoutes } from './modules/chat/index.ts';
import { queuesDashboard } from './modules/admin/queues.ts';
import { healthRoutes } from './modules/health.ts';
import { notificationRoutes } from './modules/notifications/index.ts';
import { reviewRoutes } from './modules/reviews/index.ts';
import { searchRoutes } from './modules/search/index.ts';
import { securityRoutes } from './modules/security/index.ts';
import { tutorRoutes } from './modules/tutors/index.ts';
import { requestContext, requestInfo } from './plugins/context.ts';
import { bodyRules } from './plugins/body.ts';
import { errorHandler } from './plugins/errors.ts';
import { openapiPlugin, registerJsonBodies } from './plugins/openapi.ts';
import { realtimeRoutes, websocketOptions } from './realtime/socket.ts';
import { serveWeb } from './web.ts';

export function buildApp() {
  const app = new Elysia({ name: 'lyceum', websocket: websocketOptions })
    .use(requestContext)
    .use(errorHandler)
    .use(bodyRules)
    .use(openapiPlugin)
    .use(healthRoutes)
    .group('/api/v1', (api) => api.use(accountRoutes).use(notificationRoutes).use(tutorRoutes).use(securityRoutes).use(adminRoutes).use(searchRoutes).use(availabilityRoutes).use(bookingRoutes).use(reviewRoutes).use(chatRoutes))
    .use(realtimeRoutes)
    .use(queuesDashboard)
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
  registerJsonBodies(app.routes as never);
  return app;
}

export type App = ReturnType<typeof buildApp>;
