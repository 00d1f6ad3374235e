/**
 * Tutor onboarding and review: a tutor fills in a draft profile and uploads a CV and a certificate, submits it,
 * and an admin approves or rejects it. Only approved tutors are public. Editing never changes the approval status.
 */
import { db } from '../../../db/client.ts';
import { DomainError, forbidden, invalid, notFound, type FieldErrors } from '../../errors.ts';
import { acceptUpload, deleteStoredFile, storeFile, storedFile, type SniffedType } from '../../lib/files.ts';
import { decodeCursor, page } from '../../lib/pagination.ts';
import { logger } from '../../logger.ts';
import { assertAdmin } from '../../plugins/auth.ts';
import { photoUrl, type RequestMeta } from '../accounts/service.ts';
import type { Actor } from '../accounts/sessions.ts';
import * as audit from '../audit/service.ts';
import * as notifications from '../notifications/service.ts';
import * as outbox from '../outbox/service.ts';
import { COUNTRIES, CURRENCIES, LANGUAGES } from './codes.ts';
import { MAX_SUBJECT_LENGTH } from './model.ts';
import * as repository from './repository.ts';
import type { DocumentKind, DocumentRow, ProfileWithOwner } from './repository.ts';

export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
const DOCUMENT_TYPES: SniffedType[] = ['application/pdf', 'image/png', 'image/jpeg'];
/** Enough for a CV and several certificates; a cap so one account cannot fill the disk. */
export const MAX_DOCUMENTS = 20;

export type Money = { amount: number; currency: string };
export type Rating = { average: number | null; count: number };
export type DocumentDto = { id: string; kind: DocumentKind; filename: string };

export type TutorProfileDto = {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  photoUrl: string | null;
  headline: string;
  bio: string;
  subjects: string[];
  hourlyRate: Money | null;
  languages: string[];
  country: string | null;
  city: string | null;
  online: boolean;
  inPerson: boolean;
  approvalStatus: repository.ApprovalStatus;
  rejectionReason: string | null;
  submittedAt: string | null;
  reviewedAt: string | null;
  documents: DocumentDto[];
  rating: Rating;
  createdAt: string;
  updatedAt: string;
};

export type PublicTutorDto = {
  id: string;
  name: string;
  headline: string;
  bio: string;
  subjects: string[];
  hourlyRate: Money;
  languages: string[];
  country: string | null;
  city: string | null;
  online: boolean;
  inPerson: boolean;
  photoUrl: string | null;
  rating: Rating;
};

export type TutorSummaryDto = Pick<PublicTutorDto, 'id' | 'name' | 'headline' | 'subjects' | 'hourlyRate' | 'rating' | 'country' | 'city' | 'photoUrl'>;

// Mapping

/** Mean rating rounded half-up to 2 decimals, in integer arithmetic so 4.675 never becomes 4.67. */
export function ratingOf(sum: number, count: number): Rating {
  if (count <= 0) return { average: null, count: 0 };
  return { average: Math.floor((sum * 200 + count) / (2 * count)) / 100, count };
}

function rateOf(profile: repository.ProfileRow): Money | null {
  return profile.hourlyRateAmount !== null && profile.hourlyRateCurrency !== null
    ? { amount: profile.hourlyRateAmount, currency: profile.hourlyRateCurrency }
    : null;
}

const toDocumentDto = (row: DocumentRow): DocumentDto => ({ id: row.id, kind: row.kind, filename: row.filename });

function toProfileDto({ profile, owner }: ProfileWithOwner, documents: DocumentRow[]): TutorProfileDto {
  return {
    id: profile.userId,
    name: owner.name,
    email: owner.email,
    emailVerified: owner.emailVerifiedAt !== null,
    photoUrl: photoUrl(profile.userId, owner.photoPath),
    headline: profile.headline,
    bio: profile.bio,
    subjects: profile.subjects,
    hourlyRate: rateOf(profile),
    languages: profile.languages,
    country: profile.country,
    city: profile.city,
    online: profile.online,
    inPerson: profile.inPerson,
    approvalStatus: profile.approvalStatus,
    rejectionReason: profile.approvalStatus === 'rejected' ? profile.rejectionReason : null,
    submittedAt: profile.submittedAt?.toISOString() ?? null,
    reviewedAt: profile.reviewedAt?.toISOString() ?? null,
    documents: documents.filter((document) => document.tutorId === profile.userId).map(toDocumentDto),
    rating: ratingOf(profile.ratingSum, profile.ratingCount),
    createdAt: profile.createdAt.toISOString(),
    updatedAt: profile.updatedAt.toISOString(),
  };
}

function toSummaryDto({ profile, owner }: ProfileWithOwner): TutorSummaryDto {
  return {
    id: profile.userId,
    name: owner.name,
    headline: profile.headline,
    subjects: profile.subjects,
    // Approved profiles always have a rate: submission requires one and editing cannot remove it.
    hourlyRate: rateOf(profile)!,
    rating: ratingOf(profile.ratingSum, profile.ratingCount),
    country: profile.country,
    city: profile.city,
    photoUrl: photoUrl(profile.userId, owner.photoPath),
  };
}

function toPublicDto(row: ProfileWithOwner): PublicTutorDto {
  const { profile } = row;
  return {
    ...toSummaryDto(row),
    bio: profile.bio,
    languages: profile.languages,
    online: profile.online,
    inPerson: profile.inPerson,
  };
}

// Guards

function assertTutor(actor: Actor): void {
  if (actor.role !== 'tutor') throw forbidden('Only tutors have a tutor profile');
}

async function loadOwn(actor: Actor): Promise<TutorProfileDto> {
  const found = await repository.findProfile(actor.id);
  if (!found) throw notFound('Tutor profile');
  return toProfileDto(found, await repository.listDocuments([actor.id]));
}

// The tutor's own profile

export async function getMine(input: { actor: Actor }): Promise<TutorProfileDto> {
  assertTutor(input.actor);
  await repository.ensureProfile(db, input.actor.id);
  return loadOwn(input.actor);
}

export type ProfileInput = {
  headline: string;
  bio: string;
  subjects: string[];
  hourlyRate: Money;
  languages: string[];
  country: string;
  city?: string | null;
  online: boolean;
  inPerson: boolean;
};

const squash = (text: string) => text.trim().replace(/\s+/g, ' ');

/** Cleans the profile input; every problem is reported at once, with the dotted path of its field. */
export function normaliseProfile(input: ProfileInput) {
  const fields: FieldErrors = {};
  const subjects: string[] = [];
  const seenSubjects = new Set<string>();
  input.subjects.forEach((raw, index) => {
    const subject = squash(raw);
    if (!subject) fields[`subjects.${index}`] = 'must not be blank';
    else if (subject.length > MAX_SUBJECT_LENGTH) fields[`subjects.${index}`] = `must be at most ${MAX_SUBJECT_LENGTH} characters`;
    else if (!seenSubjects.has(subject.toLowerCase())) {
      seenSubjects.add(subject.toLowerCase());
      subjects.push(subject);
    }
  });
  const languages: string[] = [];
  input.languages.forEach((code, index) => {
    if (!LANGUAGES.has(code)) fields[`languages.${index}`] = 'is not an ISO 639-1 language code';
    else if (!languages.includes(code)) languages.push(code);
  });
  if (!CURRENCIES.has(input.hourlyRate.currency)) fields['hourlyRate.currency'] = 'is not an ISO 4217 currency code';
  if (!COUNTRIES.has(input.country)) fields.country = 'is not an ISO 3166-1 alpha-2 country code';
  if (Object.keys(fields).length > 0) throw invalid(fields);
  const city = input.city ? squash(input.city) : '';
  return {
    headline: squash(input.headline),
    bio: input.bio.trim(),
    subjects,
    hourlyRateAmount: input.hourlyRate.amount,
    hourlyRateCurrency: input.hourlyRate.currency,
    languages,
    country: input.country,
    city: city || null,
    online: input.online,
    inPerson: input.inPerson,
  };
}

export async function updateMine(input: { actor: Actor; profile: ProfileInput }): Promise<TutorProfileDto> {
  assertTutor(input.actor);
  const values = normaliseProfile(input.profile);
  await db.transaction(async (tx) => {
    await repository.ensureProfile(tx, input.actor.id);
    // approvalStatus is deliberately not among the values: editing never changes it.
    await repository.updateProfile(tx, input.actor.id, values);
  });
  return loadOwn(input.actor);
}

// Documents

export async function uploadDocument(input: { actor: Actor; kind: DocumentKind; file: File | undefined }): Promise<DocumentDto> {
  assertTutor(input.actor);
  const upload = await acceptUpload(input.file, { maxBytes: MAX_DOCUMENT_BYTES, types: DOCUMENT_TYPES });
  const tutorId = input.actor.id;
  // The file is written first so a row never points at nothing; a failed insert removes the file again.
  const storagePath = await storeFile(`tutor-documents/${tutorId}`, upload.bytes, upload.extension);
  try {
    const row = await db.transaction(async (tx) => {
      await repository.ensureProfile(tx, tutorId);
      await repository.findProfile(tutorId, { executor: tx, lock: true });
      if ((await repository.countDocuments(tx, tutorId)) >= MAX_DOCUMENTS) {
        throw new DomainError('conflict', `A profile holds at most ${MAX_DOCUMENTS} documents; delete one first`);
      }
      return repository.insertDocument(tx, {
        tutorId,
        kind: input.kind,
        filename: upload.originalName,
        storagePath,
        mimeType: upload.type,
        sizeBytes: upload.bytes.byteLength,
      });
    });
    return toDocumentDto(row);
  } catch (error) {
    await deleteStoredFile(storagePath).catch(() => {});
    throw error;
  }
}

/** Removes a wrong upload. Not while an admin reviews the documents, nor after they approved them. */
export async function deleteDocument(input: { actor: Actor; id: string }): Promise<void> {
  assertTutor(input.actor);
  const removed = await db.transaction(async (tx) => {
    const found = await repository.findProfile(input.actor.id, { executor: tx, lock: true });
    const document = found ? await repository.findDocument(input.actor.id, input.id, tx) : undefined;
    if (!found || !document) throw notFound('Document');
    const status = found.profile.approvalStatus;
    if (status === 'pending' || status === 'approved') {
      throw new DomainError('conflict', `Documents cannot be removed while the profile is ${status}`);
    }
    await repository.deleteDocument(tx, input.actor.id, input.id);
    return document;
  });
  await deleteStoredFile(removed.storagePath).catch((error: Error) =>
    logger.warn({ err: error.message, documentId: removed.id }, 'could not delete a removed document file'),
  );
}

// Submission

/** What a profile still needs before review, keyed by field. */
function missingForReview(found: ProfileWithOwner, documents: DocumentRow[]): FieldErrors {
  const { profile, owner } = found;
  const missing: FieldErrors = {};
  if (!owner.emailVerifiedAt) missing.email = 'must be verified';
  if (!profile.headline.trim()) missing.headline = 'is required';
  if (profile.subjects.length === 0) missing.subjects = 'add at least one subject';
  if (profile.hourlyRateAmount === null) missing.hourlyRate = 'is required';
  if (!documents.some((document) => document.kind === 'cv')) missing.cv = 'upload a CV';
  if (!documents.some((document) => document.kind === 'certificate')) missing.certificate = 'upload a certificate';
  return missing;
}

export async function submit(input: { actor: Actor; meta: RequestMeta }): Promise<{ approvalStatus: 'pending' }> {
  assertTutor(input.actor);
  const tutorId = input.actor.id;
  await repository.ensureProfile(db, tutorId);
  await db.transaction(async (tx) => {
    const found = await repository.findProfile(tutorId, { executor: tx, lock: true });
    if (!found) throw notFound('Tutor profile');
    const status = found.profile.approvalStatus;
    if (status === 'pending') throw new DomainError('conflict', 'The profile is already waiting for review');
    if (status === 'approved') throw new DomainError('conflict', 'The profile is already approved');
    const missing = missingForReview(found, await repository.listDocuments([tutorId], tx));
    if (Object.keys(missing).length > 0) {
      throw new DomainError('profile_incomplete', 'The profile is not complete enough to submit', missing);
    }
    await repository.updateProfile(tx, tutorId, {
      approvalStatus: 'pending',
      submittedAt: new Date(),
      rejectionReason: null,
      reviewedAt: null,
      reviewedBy: null,
    });
    await audit.record(tx, {
      actorId: tutorId,
      action: 'tutor.submitted',
      target: { type: 'tutor', id: tutorId },
      meta: input.meta,
      metadata: { resubmission: status === 'rejected' },
    });
  });
  return { approvalStatus: 'pending' };
}

// Admin review

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

/** Cursor values go into SQL casts: anything this server did not issue is refused before it gets there. */
function assertCursor(ok: boolean): void {
  if (!ok) throw new DomainError('invalid_cursor', 'The cursor is not valid for this list', { cursor: 'is unknown or malformed' });
}

export async function listForReview(input: { actor: Actor; status?: repository.ApprovalStatus; limit: number; cursor?: string }) {
  assertAdmin(input.actor);
  const after = decodeCursor(input.cursor, ['string', 'string']);
  if (after) assertCursor(TIMESTAMP.test(after[0] as string) && UUID.test(after[1] as string));
  const rows = await repository.listForAdmin({
    status: input.status,
    after: after ? { key: after[0] as string, id: after[1] as string } : undefined,
    limit: input.limit,
  });
  const result = page(rows, input.limit, (row) => [row.sortKey, row.profile.userId]);
  const documents = await repository.listDocuments(result.items.map((row) => row.profile.userId));
  return { items: result.items.map((row) => toProfileDto(row, documents)), nextCursor: result.nextCursor };
}

export async function downloadDocument(input: { actor: Actor; tutorId: string; documentId: string }) {
  assertAdmin(input.actor);
  const row = await repository.findDocument(input.tutorId, input.documentId);
  if (!row) throw notFound('Document');
  const file = storedFile(row.storagePath);
  if (!(await file.exists())) {
    logger.error({ documentId: row.id }, 'tutor document row without its file');
    throw notFound('Document');
  }
  return { file, filename: row.filename, mimeType: row.mimeType };
}

type Decision = { kind: 'approved' } | { kind: 'rejected'; reason: string };

async function review(actor: Actor, tutorId: string, decision: Decision, meta: RequestMeta): Promise<TutorProfileDto> {
  assertAdmin(actor);
  const { dto, owed, pushed } = await db.transaction(async (tx) => {
    const found = await repository.findProfile(tutorId, { executor: tx, lock: true });
    if (!found || found.owner.role !== 'tutor') throw notFound('Tutor');
    if (found.profile.approvalStatus !== 'pending') {
      throw new DomainError('conflict', `Only pending profiles can be reviewed; this one is ${found.profile.approvalStatus}`);
    }
    const reviewedAt = new Date();
    const profile = await repository.updateProfile(tx, tutorId, {
      approvalStatus: decision.kind,
      rejectionReason: decision.kind === 'rejected' ? decision.reason : null,
      reviewedAt,
      reviewedBy: actor.id,
    });
    await audit.record(tx, {
      actorId: actor.id,
      action: decision.kind === 'approved' ? 'tutor.approved' : 'tutor.rejected',
      target: { type: 'tutor', id: tutorId },
      meta,
      metadata: decision.kind === 'rejected' ? { reason: decision.reason } : {},
    });
    const approved = decision.kind === 'approved';
    const pushed = await notifications.notify(tx, [
      {
        userId: tutorId,
        category: 'tutor_approval',
        title: approved ? 'Your tutor profile is approved' : 'Your tutor profile needs changes',
        body: approved
          ? 'Students can now find your profile, book lessons with you and message you.'
          : `An admin reviewed your profile and could not approve it yet: ${decision.reason}`,
        data: approved ? { status: 'approved' } : { status: 'rejected', reason: decision.reason },
        dedupeKey: `tutor_approval:${tutorId}:${reviewedAt.toISOString()}`,
      },
    ]);
    const owed = await outbox.owe(tx, [
      approved
        ? { queue: 'email', name: 'tutor_approved', subjectId: tutorId, payload: { template: 'tutor_approved', to: found.owner.email, name: found.owner.name, tutorId } }
        : {
            queue: 'email',
            name: 'tutor_rejected',
            subjectId: tutorId,
            payload: { template: 'tutor_rejected', to: found.owner.email, name: found.owner.name, reason: decision.reason },
          },
    ]);
    const documents = await repository.listDocuments([tutorId], tx);
    return { dto: toProfileDto({ profile: profile!, owner: found.owner }, documents), owed, pushed };
  });
  await outbox.relay(owed);
  // Best effort: the decision is committed and the notification stored; the bell fetches it anyway.
  await notifications.push(pushed).catch((error: Error) => logger.warn({ err: error.message, tutorId }, 'notification push failed'));
  logger.info({ tutorId, decision: decision.kind, adminId: actor.id }, 'tutor reviewed');
  return dto;
}

export function approve(input: { actor: Actor; tutorId: string; meta: RequestMeta }): Promise<TutorProfileDto> {
  return review(input.actor, input.tutorId, { kind: 'approved' }, input.meta);
}

export function reject(input: { actor: Actor; tutorId: string; reason: string; meta: RequestMeta }): Promise<TutorProfileDto> {
  const reason = input.reason.trim();
  if (!reason) throw invalid({ reason: 'must not be blank' });
  return review(input.actor, input.tutorId, { kind: 'rejected', reason }, input.meta);
}

// Public

export async function publicProfile(input: { tutorId: string }): Promise<PublicTutorDto> {
  const found = await repository.findApproved(input.tutorId);
  if (!found) throw notFound('Tutor');
  return toPublicDto(found);
}
