import { Elysia } from 'elysia';
import { attachmentDisposition } from '../../lib/files.ts';
import { authPlugin } from '../../plugins/auth.ts';
import { requestContext } from '../../plugins/context.ts';
import { AUTHENTICATED, NoContent, PUBLIC, errors } from '../../schemas.ts';
import * as model from './model.ts';
import * as service from './service.ts';

const tags = ['Tutors'];
const adminTags = ['Admin'];

export const tutorRoutes = new Elysia({ name: 'tutors' })
  .use(requestContext)
  .use(authPlugin)
  // The tutor's own profile
  .get('/tutors/me', ({ actor }) => service.getMine({ actor }), {
    auth: true,
    response: { 200: model.TutorProfile, ...errors(401, 403) },
    detail: {
      summary: 'My tutor profile',
      description: 'Creates the draft profile on first use. Includes the approval status, the last rejection reason and the uploaded documents. 403 for non-tutors.',
      tags,
      security: AUTHENTICATED,
    },
  })
  .put('/tutors/me', ({ actor, body }) => service.updateMine({ actor, profile: body }), {
    auth: true,
    body: model.UpdateProfileBody,
    response: { 200: model.TutorProfile, ...errors(400, 401, 403, 422) },
    detail: {
      summary: 'Edit my tutor profile',
      description:
        'Replaces the profile fields. Subjects are trimmed and de-duplicated case-insensitively (at most 20, each at most 60 characters); ' +
        '`hourlyRate.amount` is in integer minor units of an ISO 4217 currency; languages are ISO 639-1, the country ISO 3166-1 alpha-2. ' +
        'Editing never changes `approvalStatus`.',
      tags,
      security: AUTHENTICATED,
    },
  })
  .post(
    '/tutors/me/documents',
    async ({ actor, body, set }) => {
      const document = await service.uploadDocument({ actor, kind: body.kind, file: body.file });
      set.status = 201;
      return document;
    },
    {
      auth: true,
      parse: 'multipart/form-data',
      body: model.UploadDocumentBody,
      response: { 201: model.TutorDocument, ...errors(400, 401, 403, 409, 413, 415, 422) },
      detail: {
        summary: 'Upload a CV or certificate',
        description:
          'multipart/form-data with the file in `file` and `kind` = `cv` or `certificate`. PDF, PNG or JPEG, decided by the content (not the name or ' +
          'declared type); at most 10 MB (413 above, 415 for other types). Stored privately; only admins can download it. At most 20 documents (409).',
        tags,
        security: AUTHENTICATED,
      },
    },
  )
  .delete(
    '/tutors/me/documents/:id',
    async ({ actor, params, set }) => {
      await service.deleteDocument({ actor, id: params.id });
      set.status = 204;
    },
    {
      auth: true,
      params: model.DocumentIdParams,
      response: { 204: NoContent, ...errors(400, 401, 403, 404, 409) },
      detail: {
        summary: 'Delete one of my documents',
        description: 'To replace a wrong upload. 409 while the profile is pending review or approved (the reviewed documents stay as they were).',
        tags,
        security: AUTHENTICATED,
      },
    },
  )
  .post('/tutors/me/submit', ({ actor, info }) => service.submit({ actor, meta: info }), {
    auth: true,
    response: { 200: model.SubmitResponse, ...errors(401, 403, 409) },
    detail: {
      summary: 'Submit my profile for review',
      description:
        '409 `profile_incomplete` with `fields` naming what is missing (`email` must be verified, `headline`, `subjects`, `hourlyRate`, `cv`, `certificate`); ' +
        '409 `conflict` when already pending or approved. A rejected profile may be submitted again.',
      tags,
      security: AUTHENTICATED,
    },
  })
  // Public (the list, GET /tutors, is the search module's)
  .get('/tutors/:id', ({ params }) => service.publicProfile({ tutorId: params.id }), {
    params: model.TutorIdParams,
    response: { 200: model.PublicTutorProfile, ...errors(400, 404) },
    detail: { summary: "An approved tutor's public profile", description: '404 for anyone who is not an approved tutor.', tags, security: PUBLIC },
  })
  // Admin review
  .get(
    '/admin/tutors',
    ({ actor, query }) => service.listForReview({ actor, status: query.status, limit: query.limit ?? 20, cursor: query.cursor }),
    {
      auth: true,
      query: model.AdminTutorQuery,
      response: { 200: model.TutorProfileList, ...errors(400, 401, 403) },
      detail: {
        summary: 'Tutor profiles to review',
        description: 'Admins only. Optional `status` filter (the web app shows `pending` first); oldest submission first. Each profile lists its documents.',
        tags: adminTags,
        security: AUTHENTICATED,
      },
    },
  )
  .get(
    '/admin/tutors/:id/documents/:documentId',
    async ({ actor, params }) => {
      const download = await service.downloadDocument({ actor, tutorId: params.id, documentId: params.documentId });
      return new Response(download.file, {
        headers: {
          'content-type': download.mimeType,
          'content-disposition': attachmentDisposition(download.filename),
          'x-content-type-options': 'nosniff',
          'cache-control': 'private, no-store',
          // Even if a browser renders it, an uploaded file runs no script and loads nothing.
          'content-security-policy': "default-src 'none'; sandbox",
        },
      });
    },
    {
      auth: true,
      params: model.AdminDocumentParams,
      response: { 200: model.DocumentFile, ...errors(400, 401, 403, 404) },
      detail: {
        summary: "Download a tutor's document",
        description: 'Admins only. The file with `Content-Disposition: attachment` and its sniffed content type (PDF, PNG or JPEG).',
        tags: adminTags,
        security: AUTHENTICATED,
      },
    },
  )
  .post('/admin/tutors/:id/approve', ({ actor, params, info }) => service.approve({ actor, tutorId: params.id, meta: info }), {
    auth: true,
    params: model.TutorIdParams,
    response: { 200: model.TutorProfile, ...errors(400, 401, 403, 404, 409) },
    detail: {
      summary: 'Approve a pending tutor',
      description: 'Admins only. Notifies the tutor in the app and by email, and writes the audit log. 409 when the profile is not pending.',
      tags: adminTags,
      security: AUTHENTICATED,
    },
  })
  .post('/admin/tutors/:id/reject', ({ actor, params, body, info }) => service.reject({ actor, tutorId: params.id, reason: body.reason, meta: info }), {
    auth: true,
    params: model.TutorIdParams,
    body: model.RejectBody,
    response: { 200: model.TutorProfile, ...errors(400, 401, 403, 404, 409, 422) },
    detail: {
      summary: 'Reject a pending tutor',
      description: 'Admins only. `reason` (1..1000 characters) is shown to the tutor, who may edit and submit again. 409 when the profile is not pending.',
      tags: adminTags,
      security: AUTHENTICATED,
    },
  });
