import { Elysia } from 'elysia';
import { authPlugin } from '../../plugins/auth.ts';
import { AUTHENTICATED, errors } from '../../schemas.ts';
import * as model from './model.ts';
import * as service from './service.ts';

const tags = ['Bookings'];

export const bookingRoutes = new Elysia({ name: 'bookings' })
  .use(authPlugin)
  .post(
    '/bookings',
    async ({ actor, body, set }) => {
      const booking = await service.createBooking({ actor, booking: body });
      set.status = 201;
      return booking;
    },
    {
      auth: true,
      body: model.CreateBookingBody,
      response: { 201: model.Booking, ...errors(400, 401, 403, 404, 409, 422) },
      detail: {
        summary: 'Book a lesson',
        description:
          'The start must be a free slot of the tutor (GET /tutors/{id}/slots): inside their availability, beyond the minimum notice (12 h) and ' +
          'within the horizon (90 days), on the 15-minute grid, else 422 `outside_availability`. 409 `slot_taken` when it overlaps an active ' +
          '(requested or confirmed) booking of the tutor; the database guarantees this under any concurrency. Price, platform fee, tutor earnings ' +
          'and the cancellation policy are fixed at creation. 403 `email_unverified`; 404 when the tutor is not bookable.',
        tags,
        security: AUTHENTICATED,
      },
    },
  )
  .get(
    '/bookings',
    ({ actor, query }) =>
      service.listBookings({ actor, as: query.as, status: query.status, limit: query.limit ?? 20, cursor: query.cursor, expand: query.expand === 'participants' }),
    {
      auth: true,
      query: model.BookingQuery,
      response: { 200: model.BookingList, ...errors(400, 401) },
      detail: {
        summary: 'My bookings, soonest start first',
        description: '`as=student` or `as=tutor` narrows to one side (default: both); `status` filters; `expand=participants` adds names and zones.',
        tags,
        security: AUTHENTICATED,
      },
    },
  )
  .get('/bookings/:id', ({ actor, params, query }) => service.getBooking({ actor, id: params.id, expand: query.expand === 'participants' }), {
    auth: true,
    params: model.BookingParams,
    query: model.ExpandQuery,
    response: { 200: model.Booking, ...errors(400, 401, 404) },
    detail: { summary: 'A booking with its history', description: 'Participants and admins only; 404 for anyone else.', tags, security: AUTHENTICATED },
  })
  .post('/bookings/:id/confirm', ({ actor, params }) => service.confirm({ actor, id: params.id }), {
    auth: true,
    params: model.BookingParams,
    response: { 200: model.Booking, ...errors(400, 401, 403, 404, 409) },
    detail: {
      summary: 'Confirm a requested booking (tutor)',
      description: '409 `invalid_transition` unless requested; 403 for the student. Schedules reminders 24 h and 1 h before the start.',
      tags,
      security: AUTHENTICATED,
    },
  })
  .post('/bookings/:id/decline', ({ actor, params, body }) => service.decline({ actor, id: params.id, reason: body?.reason }), {
    auth: true,
    params: model.BookingParams,
    body: model.ReasonBody,
    response: { 200: model.Booking, ...errors(400, 401, 403, 404, 409, 422) },
    detail: { summary: 'Decline a requested booking (tutor)', description: '409 `invalid_transition` unless requested; 403 for the student.', tags, security: AUTHENTICATED },
  })
  .post('/bookings/:id/cancel', ({ actor, params, body }) => service.cancel({ actor, id: params.id, reason: body?.reason }), {
    auth: true,
    params: model.BookingParams,
    body: model.ReasonBody,
    response: { 200: model.Booking, ...errors(400, 401, 404, 409, 422) },
    detail: {
      summary: 'Cancel a requested or confirmed booking (either side)',
      description:
        '`refundEligible` is true when the tutor (or an admin) cancels, or when the student cancels at least the cutoff in force when booked ' +
        '(24 h by default) before the start. 409 `invalid_transition` for a booking that is not active.',
      tags,
      security: AUTHENTICATED,
    },
  })
  .post('/bookings/:id/reschedule', ({ actor, params, body }) => service.reschedule({ actor, id: params.id, startsAt: body.startsAt }), {
    auth: true,
    params: model.BookingParams,
    body: model.RescheduleBody,
    response: { 200: model.Booking, ...errors(400, 401, 403, 404, 409, 422) },
    detail: {
      summary: 'Move a booking to another slot (either side)',
      description:
        'Same duration; same availability and overlap rules as booking (422 `outside_availability`, 409 `slot_taken`). Only before the ' +
        'cancellation cutoff (409 `cutoff_passed`). Earlier reminders stop applying; new ones are scheduled.',
      tags,
      security: AUTHENTICATED,
    },
  })
  .post('/bookings/:id/complete', ({ actor, params }) => service.complete({ actor, id: params.id }), {
    auth: true,
    params: model.BookingParams,
    response: { 200: model.Booking, ...errors(400, 401, 403, 404, 409) },
    detail: {
      summary: 'Mark a confirmed lesson completed (tutor, after its end)',
      description: `409 \`lesson_not_over\` before the end, \`invalid_transition\` unless confirmed. Confirmed lessons also complete automatically ${service.AUTO_COMPLETE_AFTER_HOURS} hours after their end.`,
      tags,
      security: AUTHENTICATED,
    },
  })
  .get(
    '/bookings/:id/calendar.ics',
    async ({ actor, params }) =>
      new Response(await service.calendar({ actor, id: params.id }), {
        headers: {
          'content-type': 'text/calendar; charset=utf-8',
          'content-disposition': `attachment; filename="lesson-${params.id}.ics"`,
          'cache-control': 'private, no-store',
        },
      }),
    {
      auth: true,
      params: model.BookingParams,
      response: { 200: model.CalendarFile, ...errors(400, 401, 404) },
      detail: { summary: 'The booking as an iCalendar file', description: 'RFC 5545, UTC times; UID stable per booking, SEQUENCE increases with every change.', tags, security: AUTHENTICATED },
    },
  );
