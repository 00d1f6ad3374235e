import { Elysia } from 'elysia';
import { authPlugin } from '../../plugins/auth.ts';
import { AUTHENTICATED, PUBLIC, errors } from '../../schemas.ts';
import * as model from './model.ts';
import * as service from './service.ts';

export const reviewRoutes = new Elysia({ name: 'reviews' })
  .use(authPlugin)
  .post(
    '/bookings/:id/review',
    async ({ actor, params, body, set }) => {
      const review = await service.createReview({ actor, bookingId: params.id, rating: body.rating, comment: body.comment });
      set.status = 201;
      return review;
    },
    {
      auth: true,
      params: model.BookingParams,
      body: model.ReviewBody,
      response: { 201: model.Review, ...errors(400, 401, 403, 404, 409, 422) },
      detail: {
        summary: 'Review a completed lesson (the student, once)',
        description: "409 `not_completed` unless the booking is completed, 409 `already_reviewed` the second time. Updates the tutor's rating at once.",
        tags: ['Bookings'],
        security: AUTHENTICATED,
      },
    },
  )
  .get('/tutors/:id/reviews', ({ params, query }) => service.listForTutor({ tutorId: params.id, limit: query.limit ?? 20, cursor: query.cursor }), {
    params: model.TutorParams,
    query: model.ReviewQuery,
    response: { 200: model.ReviewList, ...errors(400, 404) },
    detail: { summary: "A tutor's reviews, newest first", description: '404 unless the tutor is approved.', tags: ['Tutors'], security: PUBLIC },
  });
