import { t } from 'elysia';
import { ListQuery, listOf } from '../../lib/pagination.ts';

export const MAX_SUBJECTS = 20;
export const MAX_SUBJECT_LENGTH = 60;
export const MAX_LANGUAGES = 20;
export const MAX_REJECTION_REASON = 1000;

export const Money = t.Object(
  {
    amount: t.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'Integer minor units (cents for USD)', 'x-error': 'must be a whole number of minor units greater than 0' }),
    currency: t.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code', examples: ['USD'], 'x-error': 'must be an ISO 4217 code such as USD' }),
  },
  { title: 'Money' },
);

export const ApprovalStatus = t.Union([t.Literal('draft'), t.Literal('pending'), t.Literal('approved'), t.Literal('rejected')], {
  description: 'draft until submitted; pending while an admin reviews; then approved or rejected (a rejected profile may be submitted again)',
});

export const DocumentKind = t.Union([t.Literal('cv'), t.Literal('certificate')], { 'x-error': 'must be "cv" or "certificate"' });

export const TutorDocument = t.Object(
  {
    id: t.String(),
    kind: DocumentKind,
    filename: t.String({ description: "The uploader's file name (sanitised)" }),
  },
  { title: 'TutorDocument' },
);

export const Rating = t.Object(
  {
    average: t.Union([t.Number(), t.Null()], { description: 'Mean review rating rounded to 2 decimals; null without reviews' }),
    count: t.Integer({ minimum: 0 }),
  },
  { title: 'Rating' },
);

/** The tutor's own view (GET/PUT /tutors/me) and the admin's view of a profile. */
export const TutorProfile = t.Object(
  {
    id: t.String({ description: "The tutor's user id" }),
    name: t.String(),
    email: t.String(),
    emailVerified: t.Boolean(),
    photoUrl: t.Union([t.String(), t.Null()]),
    headline: t.String(),
    bio: t.String(),
    subjects: t.Array(t.String()),
    hourlyRate: t.Union([Money, t.Null()], { description: 'null until the tutor sets a rate' }),
    languages: t.Array(t.String(), { description: 'ISO 639-1 codes' }),
    country: t.Union([t.String(), t.Null()], { description: 'ISO 3166-1 alpha-2' }),
    city: t.Union([t.String(), t.Null()]),
    online: t.Boolean(),
    inPerson: t.Boolean(),
    approvalStatus: ApprovalStatus,
    rejectionReason: t.Union([t.String(), t.Null()], { description: 'Why the last review rejected the profile; null otherwise' }),
    submittedAt: t.Union([t.String({ format: 'date-time' }), t.Null()]),
    reviewedAt: t.Union([t.String({ format: 'date-time' }), t.Null()]),
    documents: t.Array(TutorDocument),
    rating: Rating,
    createdAt: t.String({ format: 'date-time' }),
    updatedAt: t.String({ format: 'date-time' }),
  },
  { title: 'TutorProfile' },
);

export const TutorProfileList = listOf(TutorProfile, 'TutorProfileList');

/** What anyone may see of an approved tutor. */
export const PublicTutorProfile = t.Object(
  {
    id: t.String(),
    name: t.String(),
    headline: t.String(),
    bio: t.String(),
    subjects: t.Array(t.String()),
    hourlyRate: Money,
    languages: t.Array(t.String()),
    country: t.Union([t.String(), t.Null()]),
    city: t.Union([t.String(), t.Null()]),
    online: t.Boolean(),
    inPerson: t.Boolean(),
    photoUrl: t.Union([t.String(), t.Null()]),
    rating: Rating,
  },
  { title: 'PublicTutorProfile' },
);

export const TutorSummary = t.Object(
  {
    id: t.String(),
    name: t.String(),
    headline: t.String(),
    subjects: t.Array(t.String()),
    hourlyRate: Money,
    rating: Rating,
    country: t.Union([t.String(), t.Null()]),
    city: t.Union([t.String(), t.Null()]),
    photoUrl: t.Union([t.String(), t.Null()]),
  },
  { title: 'TutorSummary' },
);

export const TutorSummaryList = listOf(TutorSummary, 'TutorSummaryList');

export const UpdateProfileBody = t.Object({
  headline: t.String({ maxLength: 120, 'x-error': 'must be at most 120 characters' }),
  bio: t.String({ maxLength: 5000, 'x-error': 'must be at most 5000 characters' }),
  subjects: t.Array(
    t.String({ minLength: 1, maxLength: MAX_SUBJECT_LENGTH, 'x-error': `must be 1 to ${MAX_SUBJECT_LENGTH} characters` }),
    { maxItems: MAX_SUBJECTS, description: `Free-form subject names; trimmed and de-duplicated case-insensitively; at most ${MAX_SUBJECTS}`, 'x-error': `must be a list of at most ${MAX_SUBJECTS} subjects` },
  ),
  hourlyRate: Money,
  languages: t.Array(t.String({ pattern: '^[a-z]{2}$', 'x-error': 'must be an ISO 639-1 code such as en' }), {
    maxItems: MAX_LANGUAGES,
    description: 'ISO 639-1 codes',
    'x-error': `must be a list of at most ${MAX_LANGUAGES} languages`,
  }),
  country: t.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2', examples: ['DE'], 'x-error': 'must be an ISO 3166-1 alpha-2 code such as DE' }),
  city: t.Optional(t.Union([t.String({ maxLength: 100 }), t.Null()], { 'x-error': 'must be at most 100 characters' })),
  online: t.Boolean({ description: 'Teaches online', 'x-error': 'must be true or false' }),
  inPerson: t.Boolean({ description: 'Teaches in person', 'x-error': 'must be true or false' }),
});

export const UploadDocumentBody = t.Object({
  file: t.File({ description: 'PDF, PNG or JPEG (decided by the content, not the name), at most 10 MB' }),
  kind: DocumentKind,
});

export const SubmitResponse = t.Object({ approvalStatus: t.Literal('pending') }, { title: 'SubmitResponse' });

export const RejectBody = t.Object({
  reason: t.String({ minLength: 1, maxLength: MAX_REJECTION_REASON, description: 'Shown to the tutor', 'x-error': `must be 1 to ${MAX_REJECTION_REASON} characters` }),
});

const Uuid = (what: string) => t.String({ format: 'uuid', 'x-error': `must be a ${what} id` });

export const TutorIdParams = t.Object({ id: Uuid('tutor') });
export const DocumentIdParams = t.Object({ id: Uuid('document') });
export const AdminDocumentParams = t.Object({ id: Uuid('tutor'), documentId: Uuid('document') });

export const AdminTutorQuery = t.Object({
  ...ListQuery,
  status: t.Optional(ApprovalStatus),
});

/** A downloaded document: the bytes with the type sniffed at upload. */
export const DocumentFile = t.File({
  description: 'The document, served as an attachment',
  'x-media-types': ['application/pdf', 'image/png', 'image/jpeg'],
});
