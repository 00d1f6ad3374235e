import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import { db, type Executor } from '../../../db/client.ts';
import { reviews, tutorProfiles, users } from '../../../db/schema/index.ts';

export type ReviewRow = typeof reviews.$inferSelect;
export type ReviewWithStudent = ReviewRow & { studentName: string };

/** Inserts the review; undefined when the booking already has one (the unique key decides, not a prior read). */
export async function insert(executor: Executor, values: typeof reviews.$inferInsert): Promise<ReviewRow | undefined> {
  const [row] = await executor.insert(reviews).values(values).onConflictDoNothing({ target: reviews.bookingId }).returning();
  return row;
}

/**
 * Adds a rating to the tutor's aggregates, in the review's transaction (a single atomic increment: concurrent
 * reviews of one tutor cannot lose each other's update).
 */
export async function addRating(executor: Executor, tutorId: string, rating: number): Promise<void> {
  await executor
    .update(tutorProfiles)
    .set({ ratingSum: sql`${tutorProfiles.ratingSum} + ${rating}`, ratingCount: sql`${tutorProfiles.ratingCount} + 1` })
    .where(eq(tutorProfiles.userId, tutorId));
}

/** A tutor's reviews, newest first (ids are UUIDv7, so id order is creation order). */
export async function listForTutor(filter: { tutorId: string; beforeId?: string; limit: number }): Promise<ReviewWithStudent[]> {
  const conditions: SQL[] = [eq(reviews.tutorId, filter.tutorId)];
  if (filter.beforeId) conditions.push(lt(reviews.id, filter.beforeId));
  const rows = await db
    .select({ review: reviews, studentName: users.name })
    .from(reviews)
    .innerJoin(users, eq(users.id, reviews.studentId))
    .where(and(...conditions))
    .orderBy(desc(reviews.id))
    .limit(filter.limit + 1);
  return rows.map((row) => ({ ...row.review, studentName: row.studentName }));
}
