import { t } from 'elysia';
import { ListQuery, listOf } from '../../lib/pagination.ts';

export const Review = t.Object(
  {
    id: t.String(),
    rating: t.Integer({ minimum: 1, maximum: 5 }),
    comment: t.String(),
    studentName: t.String(),
    createdAt: t.String({ format: 'date-time' }),
  },
  { title: 'Review' },
);

export const ReviewList = listOf(Review, 'ReviewList');

export const ReviewBody = t.Object({
  rating: t.Integer({ minimum: 1, maximum: 5, description: '1..5', 'x-error': 'must be a whole number from 1 to 5' }),
  comment: t.String({ maxLength: 2000, description: 'What the lesson was like (at most 2000 characters)', 'x-error': 'must be at most 2000 characters' }),
});

export const BookingParams = t.Object({ id: t.String({ format: 'uuid', 'x-error': 'must be a booking id' }) });
export const TutorParams = t.Object({ id: t.String({ format: 'uuid', 'x-error': 'must be a tutor id' }) });
export const ReviewQuery = t.Object({ ...ListQuery });
