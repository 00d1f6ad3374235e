import { t } from 'elysia';
import { ListQuery, listOf } from '../../lib/pagination.ts';
import { Money } from '../tutors/model.ts';

export const BookingStatus = t.Union(
  [t.Literal('requested'), t.Literal('confirmed'), t.Literal('declined'), t.Literal('cancelled'), t.Literal('completed')],
  { description: 'requested and confirmed hold the slot; declined, cancelled and completed are final', 'x-error': 'must be requested, confirmed, declined, cancelled or completed' },
);

export const HistoryEntry = t.Object(
  {
    at: t.String({ format: 'date-time' }),
    actorId: t.Union([t.String(), t.Null()], { description: 'Null when the system acted (automatic completion)' }),
    from: t.Union([BookingStatus, t.Null()], { description: 'Null for the creation' }),
    to: BookingStatus,
    reason: t.Union([t.String(), t.Null()]),
  },
  { title: 'BookingHistoryEntry' },
);

export const Participant = t.Object(
  {
    id: t.String(),
    name: t.String(),
    photoUrl: t.Union([t.String(), t.Null()]),
    timezone: t.String({ description: 'Their IANA zone' }),
  },
  { title: 'BookingParticipant' },
);

export const Booking = t.Object(
  {
    id: t.String(),
    tutorId: t.String(),
    studentId: t.String(),
    status: BookingStatus,
    startsAt: t.String({ format: 'date-time' }),
    endsAt: t.String({ format: 'date-time' }),
    durationMinutes: t.Integer(),
    subject: t.String(),
    note: t.Union([t.String(), t.Null()]),
    price: Money,
    platformFee: Money,
    tutorEarnings: Money,
    refundEligible: t.Union([t.Boolean(), t.Null()], { description: 'Null until cancelled' }),
    conversationId: t.Union([t.String(), t.Null()], { description: "The pair's direct conversation, once chat exists" }),
    history: t.Array(HistoryEntry, { description: 'Every transition and reschedule, oldest first' }),
    createdAt: t.String({ format: 'date-time' }),
    tutor: t.Optional(Participant),
    student: t.Optional(Participant),
  },
  { title: 'Booking', description: '`tutor` and `student` appear only with `expand=participants`.' },
);

export const BookingList = listOf(Booking, 'BookingList');

const Expand = t.Optional(t.Literal('participants', { description: '`participants` adds `tutor` and `student` (name, photo, zone) to each booking', 'x-error': 'must be "participants"' }));

export const BookingQuery = t.Object({
  ...ListQuery,
  as: t.Optional(t.Union([t.Literal('student'), t.Literal('tutor')], { description: 'Only bookings where I am the student or the tutor (default: both)', 'x-error': 'must be "student" or "tutor"' })),
  status: t.Optional(BookingStatus),
  expand: Expand,
});

export const BookingParams = t.Object({ id: t.String({ format: 'uuid', 'x-error': 'must be a booking id' }) });
export const ExpandQuery = t.Object({ expand: Expand });

export const CreateBookingBody = t.Object({
  tutorId: t.String({ format: 'uuid', 'x-error': 'must be a tutor id' }),
  startsAt: t.String({ minLength: 10, maxLength: 40, description: 'ISO 8601 instant on the 15-minute grid: a slot from GET /tutors/{id}/slots', 'x-error': 'must be an ISO 8601 instant' }),
  durationMinutes: t.Integer({ minimum: 30, maximum: 240, multipleOf: 15, description: '30..240, a multiple of 15', 'x-error': 'must be 30..240 minutes, a multiple of 15' }),
  subject: t.String({ minLength: 1, maxLength: 60, 'x-error': 'must be 1 to 60 characters' }),
  note: t.Optional(t.Union([t.String({ maxLength: 2000 }), t.Null()], { 'x-error': 'must be at most 2000 characters' })),
});

export const ReasonBody = t.Optional(
  t.Object({ reason: t.Optional(t.Union([t.String({ maxLength: 1000 }), t.Null()], { description: 'Shown to the other side', 'x-error': 'must be at most 1000 characters' })) }),
);

export const RescheduleBody = t.Object({
  startsAt: t.String({ minLength: 10, maxLength: 40, description: 'The new start (same duration)', 'x-error': 'must be an ISO 8601 instant' }),
});

export const CalendarFile = t.String({ description: 'An RFC 5545 calendar with the lesson (UTC times)', 'x-media-types': ['text/calendar'] });
