import { Elysia } from 'elysia';
import { hit } from '../../lib/rateLimit.ts';
import { authPlugin } from '../../plugins/auth.ts';
import { AUTHENTICATED, NoContent, errors } from '../../schemas.ts';
import * as model from './model.ts';
import * as service from './service.ts';

const tags = ['Chat'];

/** REST sends per user (sockets have their own per-connection limit). */
const SEND_LIMIT = { name: 'chat-send', max: 120, windowSeconds: 10 };

export const chatRoutes = new Elysia({ name: 'chat' })
  .use(authPlugin)
  .post(
    '/conversations',
    async ({ actor, body, set }) => {
      const { conversation, created } = await service.openDirect({ actor, participantId: body.participantId });
      set.status = created ? 201 : 200;
      return conversation;
    },
    {
      auth: true,
      body: model.OpenConversationBody,
      response: { 200: model.DirectConversation, 201: model.DirectConversation, ...errors(401, 403, 404, 422) },
      detail: {
        summary: 'Open the direct conversation with someone',
        description:
          'One direct conversation per pair: 201 when created, 200 with the existing one. Allowed for a student with an approved tutor, ' +
          'two users who share a booking, and an admin with anyone; otherwise 403.',
        tags,
        security: AUTHENTICATED,
      },
    },
  )
  .get('/conversations', ({ actor, query }) => service.listConversations({ actor, limit: query.limit ?? 20, cursor: query.cursor }), {
    auth: true,
    query: model.ConversationListQuery,
    response: { 200: model.ConversationList, ...errors(400, 401) },
    detail: { summary: 'List my conversations, newest activity first', description: 'With participants, the last message and my unread count.', tags, security: AUTHENTICATED },
  })
  .get('/conversations/:id', ({ actor, params }) => service.getConversation({ actor, conversationId: params.id }), {
    auth: true,
    params: model.ConversationParams,
    response: { 200: model.ConversationDetail, ...errors(400, 401, 404) },
    detail: { summary: 'Get one of my conversations', description: "With participants, the last message, my unread count and every member's read cursor.", tags, security: AUTHENTICATED },
  })
  .get(
    '/conversations/:id/messages',
    ({ actor, params, query }) =>
      service.history({ actor, conversationId: params.id, beforeSeq: query.beforeSeq, afterSeq: query.afterSeq, limit: query.limit ?? 20 }),
    {
      auth: true,
      params: model.ConversationParams,
      query: model.HistoryQuery,
      response: { 200: model.MessagePage, ...errors(400, 401, 404) },
      detail: {
        summary: 'Read the history of a conversation',
        description:
          'Ascending by seq. With neither `beforeSeq` nor `afterSeq`, the newest `limit` messages. `nextCursor` is the next `beforeSeq` ' +
          '(or `afterSeq` when paging forward) as a string, null at the end. Both parameters at once: 400.',
        tags,
        security: AUTHENTICATED,
      },
    },
  )
  .post(
    '/conversations/:id/messages',
    async ({ actor, params, body, set }) => {
      await hit([{ limit: SEND_LIMIT, key: actor.id }]);
      const result = await service.sendMessage({ actor, conversationId: params.id, clientId: body.clientId, body: body.body });
      set.status = result.created ? 201 : 200;
      return result.message;
    },
    {
      auth: true,
      params: model.ConversationParams,
      body: model.SendMessageBody,
      response: { 200: model.Message, 201: model.Message, ...errors(400, 401, 403, 404, 413, 422, 429) },
      detail: {
        summary: 'Send a message',
        description:
          '201 with the stored message, acknowledged after it is durably stored; 200 with the stored one when this sender already used `clientId` ' +
          '(safe to retry). Bodies are plain text of at most 4000 characters (413 beyond).',
        tags,
        security: AUTHENTICATED,
      },
    },
  )
  .post(
    '/conversations/:id/read',
    async ({ actor, params, body, set }) => {
      await service.markRead({ actor, conversationId: params.id, seq: body.seq });
      set.status = 204;
    },
    {
      auth: true,
      params: model.ConversationParams,
      body: model.ReadBody,
      response: { 204: NoContent, ...errors(400, 401, 404, 422) },
      detail: { summary: 'Mark messages read up to a seq', description: 'The read cursor only moves forward; the other members are told over the WebSocket.', tags, security: AUTHENTICATED },
    },
  );
