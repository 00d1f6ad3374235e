/**
 * Reviews: the student of a completed booking rates it once; the tutor's rating aggregates change in the same
 * transaction, so search and the profile never disagree with the reviews.
 */
import { db } from '../../../db/client.ts';
import { DomainError, forbidden, notFound } from '../../errors.ts';
import { decodeCursor, page } from '../../lib/pagination.ts';
import type { Actor } from '../accounts/sessions.ts';
import { findBookingForReview } from '../bookings/service.ts';
import * as notifications from '../notifications/service.ts';
import { isPublicTutor } from '../search/service.ts';
import * as repository from './repository.ts';
import type { ReviewRow } from './repository.ts';

export type ReviewDto = { id: string; rating: number; comment: string; studentName: string; createdAt: string };

const toDto = (row: ReviewRow, studentName: string): ReviewDto => ({
  id: row.id,
  rating: row.rating,
  comment: row.comment,
  studentName,
  createdAt: row.createdAt.toISOString(),
});

export async function createReview(input: { actor: Actor; bookingId: string; rating: number; comment: string }): Promise<ReviewDto> {
  const booking = await findBookingForReview(input.bookingId);
  const isParticipant = booking && (booking.studentId === input.actor.id || booking.tutorId === input.actor.id);
  if (!booking || (!isParticipant && input.actor.role !== 'admin')) throw notFound('Booking');
  if (booking.studentId !== input.actor.id) throw forbidden('Only the student of the booking can review it');
  if (booking.status !== 'completed') throw new DomainError('not_completed', 'Only completed lessons can be reviewed');
  const comment = input.comment.trim();
  const result = await db.transaction(async (tx) => {
    const row = await repository.insert(tx, { bookingId: booking.id, tutorId: booking.tutorId, studentId: booking.studentId, rating: input.rating, comment });
    if (!row) throw new DomainError('already_reviewed', 'This booking has a review already');
    await repository.addRating(tx, booking.tutorId, input.rating);
    const notificationIds = await notifications.notify(tx, [
      {
        userId: booking.tutorId,
        category: 'booking',
        title: 'New review',
        body: `${input.actor.name} rated your ${booking.subject} lesson ${input.rating} out of 5.`,
        data: { bookingId: booking.id, reviewId: row.id, rating: input.rating },
        dedupeKey: `review:${row.id}`,
      },
    ]);
    return { row, notificationIds };
  });
  await notifications.push(result.notificationIds);
  return toDto(result.row, input.actor.name);
}

export async function listForTutor(input: { tutorId: string; limit: number; cursor?: string }): Promise<{ items: ReviewDto[]; nextCursor: string | null }> {
  const before = decodeCursor(input.cursor, ['string']);
  if (before && !/^[0-9a-f-]{36}$/i.test(before[0] as string)) {
    throw new DomainError('invalid_cursor', 'The cursor is not valid for this list', { cursor: 'is unknown or malformed' });
  }
  if (!(await isPublicTutor(input.tutorId))) throw notFound('Tutor');
  const rows = await repository.listForTutor({ tutorId: input.tutorId, beforeId: before?.[0] as string | undefined, limit: input.limit });
  const result = page(rows, input.limit, (row) => [row.id]);
  return { items: result.items.map((row) => toDto(row, row.studentName)), nextCursor: result.nextCursor };
}
