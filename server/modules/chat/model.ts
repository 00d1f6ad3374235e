import { t } from 'elysia';
import { ListQuery, listOf } from '../../lib/pagination.ts';

export const MAX_BODY_CHARS = 4000;

export const Message = t.Object(
  {
    id: t.String(),
    conversationId: t.String(),
    seq: t.Integer({ minimum: 1, description: 'Position in the conversation: 1, 2, 3... with no gaps' }),
    senderId: t.Union([t.String(), t.Null()], { description: 'Null for system messages' }),
    clientId: t.String({ description: "The sender's idempotency key" }),
    kind: t.Union([t.Literal('text'), t.Literal('system')]),
    body: t.String({ description: 'Plain text (render it as text, never as HTML)' }),
    sentAt: t.String({ format: 'date-time' }),
  },
  { title: 'Message' },
);

export const Participant = t.Object(
  { id: t.String(), name: t.String(), role: t.Union([t.Literal('student'), t.Literal('tutor'), t.Literal('admin')]) },
  { title: 'Participant' },
);

export const DirectConversation = t.Object(
  { id: t.String(), kind: t.Literal('direct'), participants: t.Array(Participant) },
  { title: 'DirectConversation' },
);

export const ConversationSummary = t.Object(
  {
    id: t.String(),
    kind: t.Union([t.Literal('direct'), t.Literal('course')]),
    title: t.Union([t.String(), t.Null()]),
    participants: t.Array(Participant),
    lastMessage: t.Union([Message, t.Null()]),
    unreadCount: t.Integer({ minimum: 0 }),
  },
  { title: 'ConversationSummary' },
);

export const ConversationDetail = t.Object(
  {
    id: t.String(),
    kind: t.Union([t.Literal('direct'), t.Literal('course')]),
    title: t.Union([t.String(), t.Null()]),
    participants: t.Array(Participant),
    lastMessage: t.Union([Message, t.Null()]),
    unreadCount: t.Integer({ minimum: 0 }),
    readCursors: t.Record(t.String(), t.Integer({ minimum: 0 }), { description: "Each member's read cursor (every seq up to it is read)" }),
  },
  { title: 'ConversationDetail' },
);

export const ConversationList = listOf(ConversationSummary, 'ConversationList');
export const MessagePage = listOf(Message, 'MessagePage');

export const OpenConversationBody = t.Object({
  participantId: t.String({ format: 'uuid', 'x-error': 'must be a user id' }),
});

export const SendMessageBody = t.Object({
  clientId: t.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$', description: 'Idempotency key chosen by the client (a UUID is a good choice)' }),
  // The 4000-character limit is checked by the service: the contract answers 413 for a body that is too long.
  body: t.String({ minLength: 1, description: 'Plain text, 1..4000 characters' }),
});

export const ReadBody = t.Object({ seq: t.Integer({ minimum: 0, description: 'Everything up to this seq is read' }) });

export const ConversationParams = t.Object({ id: t.String({ format: 'uuid', 'x-error': 'must be a conversation id' }) });

export const ConversationListQuery = t.Object({ ...ListQuery });

export const HistoryQuery = t.Object({
  beforeSeq: t.Optional(t.Integer({ minimum: 1, description: 'Page backward: messages with a smaller seq (the newest of them)' })),
  afterSeq: t.Optional(t.Integer({ minimum: 0, description: 'Page forward: messages with a larger seq (the oldest of them)' })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, default: 20, description: '1..100, default 20' })),
});
