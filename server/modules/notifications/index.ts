import { Elysia } from 'elysia';
import { authPlugin } from '../../plugins/auth.ts';
import { AUTHENTICATED, NoContent, errors } from '../../schemas.ts';
import * as model from './model.ts';
import * as service from './service.ts';

const tags = ['Notifications'];

export const notificationRoutes = new Elysia({ name: 'notifications' })
  .use(authPlugin)
  .get('/notifications', ({ actor, query }) => service.list({ actor, unread: query.unread, limit: query.limit ?? 20, cursor: query.cursor }), {
    auth: true,
    query: model.NotificationQuery,
    response: { 200: model.NotificationList, ...errors(400, 401) },
    detail: { summary: 'List my notifications, newest first', description: 'New notifications are also pushed over open WebSockets.', tags, security: AUTHENTICATED },
  })
  .post(
    '/notifications/read-all',
    async ({ actor, set }) => {
      await service.markAllRead({ actor });
      set.status = 204;
    },
    {
      auth: true,
      response: { 204: NoContent, ...errors(401) },
      detail: { summary: 'Mark all my notifications read', tags, security: AUTHENTICATED },
    },
  )
  .post(
    '/notifications/:id/read',
    async ({ actor, params, set }) => {
      await service.markRead({ actor, id: params.id });
      set.status = 204;
    },
    {
      auth: true,
      params: model.IdParams,
      response: { 204: NoContent, ...errors(400, 401, 404) },
      detail: { summary: 'Mark a notification read', tags, security: AUTHENTICATED },
    },
  );
