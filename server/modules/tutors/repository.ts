import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { db, type Executor } from '../../../db/client.ts';
import { tutorDocuments, tutorProfiles, users } from '../../../db/schema/index.ts';

export type ProfileRow = typeof tutorProfiles.$inferSelect;
export type DocumentRow = typeof tutorDocuments.$inferSelect;
export type ApprovalStatus = ProfileRow['approvalStatus'];
export type DocumentKind = DocumentRow['kind'];

/**
 * The few user columns a profile is shown with. Read through a join (a tutor's id is their user id) so a list
 * is one query; this module never writes users.
 */
const owner = {
  name: users.name,
  email: users.email,
  photoPath: users.photoPath,
  emailVerifiedAt: users.emailVerifiedAt,
  role: users.role,
  active: users.active,
};

export type Owner = { name: string; email: string; photoPath: string | null; emailVerifiedAt: Date | null; role: 'student' | 'tutor' | 'admin'; active: boolean };
export type ProfileWithOwner = { profile: ProfileRow; owner: Owner };

// Profiles

/** Creates the draft profile if there is none; safe when two first requests race (the primary key decides). */
export async function ensureProfile(executor: Executor, userId: string): Promise<void> {
  await executor.insert(tutorProfiles).values({ userId }).onConflictDoNothing({ target: tutorProfiles.userId });
}

export async function findProfile(
  userId: string,
  options: { executor?: Executor; lock?: boolean } = {},
): Promise<ProfileWithOwner | undefined> {
  const query = (options.executor ?? db)
    .select({ profile: tutorProfiles, owner })
    .from(tutorProfiles)
    .innerJoin(users, eq(users.id, tutorProfiles.userId))
    .where(eq(tutorProfiles.userId, userId));
  // Locks the profile row only: reviews and submissions of one tutor serialise, the user row stays free.
  const [row] = options.lock ? await query.for('update', { of: tutorProfiles }) : await query;
  return row;
}

export async function updateProfile(
  executor: Executor,
  userId: string,
  values: Partial<
    Pick<
      ProfileRow,
      | 'headline'
      | 'bio'
      | 'subjects'
      | 'hourlyRateAmount'
      | 'hourlyRateCurrency'
      | 'languages'
      | 'country'
      | 'city'
      | 'online'
      | 'inPerson'
      | 'approvalStatus'
      | 'rejectionReason'
      | 'submittedAt'
      | 'reviewedAt'
      | 'reviewedBy'
    >
  >,
): Promise<ProfileRow | undefined> {
  const [row] = await executor
    .update(tutorProfiles)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(tutorProfiles.userId, userId))
    .returning();
  return row;
}

/** Profiles for the admin review list, oldest submission (or creation) first. */
export async function listForAdmin(filter: {
  status?: ApprovalStatus;
  after?: { key: string; id: string };
  limit: number;
}): Promise<Array<ProfileWithOwner & { sortKey: string }>> {
  const sortKey = sql<string>`coalesce(${tutorProfiles.submittedAt}, ${tutorProfiles.createdAt})`;
  const conditions: SQL[] = [eq(users.role, 'tutor')];
  if (filter.status) conditions.push(eq(tutorProfiles.approvalStatus, filter.status));
  if (filter.after) {
    conditions.push(sql`(${sortKey}, ${tutorProfiles.userId}) > (${filter.after.key}::timestamptz, ${filter.after.id}::uuid)`);
  }
  return db
    .select({ profile: tutorProfiles, owner, sortKey: sql<string>`(${sortKey})::text` })
    .from(tutorProfiles)
    .innerJoin(users, eq(users.id, tutorProfiles.userId))
    .where(and(...conditions))
    .orderBy(asc(sortKey), asc(tutorProfiles.userId))
    .limit(filter.limit + 1);
}

const visible = () => and(eq(tutorProfiles.approvalStatus, 'approved'), eq(users.role, 'tutor'), eq(users.active, true));

/** An approved, active tutor's profile; undefined for anyone else. */
export async function findApproved(userId: string): Promise<ProfileWithOwner | undefined> {
  const [row] = await db
    .select({ profile: tutorProfiles, owner })
    .from(tutorProfiles)
    .innerJoin(users, eq(users.id, tutorProfiles.userId))
    .where(and(eq(tutorProfiles.userId, userId), visible()));
  return row;
}

// Documents

export async function listDocuments(tutorIds: string[], executor: Executor = db): Promise<DocumentRow[]> {
  if (tutorIds.length === 0) return [];
  return executor
    .select()
    .from(tutorDocuments)
    .where(inArray(tutorDocuments.tutorId, tutorIds))
    .orderBy(asc(tutorDocuments.createdAt), asc(tutorDocuments.id));
}

export async function insertDocument(executor: Executor, values: typeof tutorDocuments.$inferInsert): Promise<DocumentRow> {
  const [row] = await executor.insert(tutorDocuments).values(values).returning();
  return row!;
}

export async function findDocument(tutorId: string, id: string, executor: Executor = db): Promise<DocumentRow | undefined> {
  const [row] = await executor
    .select()
    .from(tutorDocuments)
    .where(and(eq(tutorDocuments.id, id), eq(tutorDocuments.tutorId, tutorId)));
  return row;
}

export async function deleteDocument(executor: Executor, tutorId: string, id: string): Promise<DocumentRow | undefined> {
  const [row] = await executor
    .delete(tutorDocuments)
    .where(and(eq(tutorDocuments.id, id), eq(tutorDocuments.tutorId, tutorId)))
    .returning();
  return row;
}

export async function countDocuments(executor: Executor, tutorId: string): Promise<number> {
  const [row] = await executor
    .select({ count: sql<number>`count(*)::int` })
    .from(tutorDocuments)
    .where(eq(tutorDocuments.tutorId, tutorId));
  return row?.count ?? 0;
}
