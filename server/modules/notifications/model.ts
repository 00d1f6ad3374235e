import { t } from 'elysia';
import { ListQuery, listOf } from '../../lib/pagination.ts';

export const Notification = t.Object(
  {
    id: t.String(),
    category: t.String({ description: 'booking, message, tutor_approval, payment, bid, question, course, reminder, withdrawal, account' }),
    title: t.String(),
    body: t.String(),
    data: t.Record(t.String(), t.Unknown()),
    readAt: t.Union([t.String({ format: 'date-time' }), t.Null()]),
    createdAt: t.String({ format: 'date-time' }),
  },
  { title: 'Notification' },
);

export const NotificationList = listOf(Notification, 'NotificationList');

export const NotificationQuery = t.Object({
  ...ListQuery,
  unread: t.Optional(t.Boolean({ description: 'Only unread notifications' })),
});

export const IdParams = t.Object({ id: t.String({ format: 'uuid', 'x-error': 'must be a notification id' }) });
