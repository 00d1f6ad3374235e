/**
 * Account security routes: two-factor authentication, the caller's sessions and the profile photo.
 * The verbs live in the accounts module (twoFactor.ts, sessions.ts, service.ts); these routes parse and authorise.
 */
import { Elysia } from 'elysia';
import { clearedSessionCookie } from '../accounts/index.ts';
import * as accounts from '../accounts/service.ts';
import * as twoFactor from '../accounts/twoFactor.ts';
import { notFound } from '../../errors.ts';
import { authPlugin } from '../../plugins/auth.ts';
import { requestContext } from '../../plugins/context.ts';
import { AUTHENTICATED, NoContent, PUBLIC, errors } from '../../schemas.ts';
import * as model from './model.ts';

const tags = ['Accounts'];

export const securityRoutes = new Elysia({ name: 'security' })
  .use(requestContext)
  .use(authPlugin)
  .post('/auth/2fa/setup', ({ actor }) => twoFactor.setup({ actor }), {
    auth: true,
    response: { 200: model.TwoFactorSetup, ...errors(401, 409) },
    detail: {
      summary: 'Start two-factor authentication setup',
      description:
        'Returns a new TOTP secret (RFC 6238: SHA-1, 30-second steps, 6 digits, base32) and its `otpauth://` URI for a QR code. ' +
        'Nothing changes until `POST /auth/2fa/enable` confirms a code; calling setup again replaces the pending secret. ' +
        'The secret is stored encrypted (AES-GCM, key derived from SECRET_KEY). 409 `two_factor_enabled` when 2FA is already on.',
      tags,
      security: AUTHENTICATED,
    },
  })
  .post('/auth/2fa/enable', ({ actor, body, info }) => twoFactor.enable({ actor, code: body.code, meta: info }), {
    auth: true,
    body: model.CodeBody,
    response: { 200: model.RecoveryCodes, ...errors(400, 401, 409, 422, 429) },
    detail: {
      summary: 'Turn two-factor authentication on',
      description:
        'Confirms a current code from the pending secret and returns 10 one-time recovery codes (stored hashed; shown only now). ' +
        'From then on sign-in needs `totp`. 422 `invalid_code` for a wrong or already used code; 409 `two_factor_setup_required` ' +
        'without a setup, `two_factor_enabled` when already on; 429 by the 10th wrong code in a row.',
      tags,
      security: AUTHENTICATED,
    },
  })
  .post(
    '/auth/2fa/disable',
    async ({ actor, body, info, set }) => {
      await twoFactor.disable({ actor, code: body.code, meta: info });
      set.status = 204;
    },
    {
      auth: true,
      body: model.CodeBody,
      response: { 204: NoContent, ...errors(400, 401, 409, 422, 429) },
      detail: {
        summary: 'Turn two-factor authentication off',
        description:
          'With a current TOTP code or an unused recovery code. Forgets the secret and the recovery codes. 422 `invalid_code`; ' +
          '409 `two_factor_not_enabled` when it is off; 429 by the 10th wrong code in a row.',
        tags,
        security: AUTHENTICATED,
      },
    },
  )
  .get('/me/sessions', ({ actor, query }) => accounts.listSessions({ actor, limit: query.limit ?? 20, cursor: query.cursor }), {
    auth: true,
    query: model.SessionQuery,
    response: { 200: model.SessionList, ...errors(400, 401) },
    detail: {
      summary: 'My signed-in sessions',
      description: 'Live sessions (web and API clients), newest first; `current` marks the one making this request.',
      tags,
      security: AUTHENTICATED,
    },
  })
  .delete(
    '/me/sessions/:id',
    async ({ actor, params, info, set }) => {
      const { current } = await accounts.revokeSession({ actor, id: params.id, meta: info });
      if (current) set.headers['set-cookie'] = clearedSessionCookie();
      set.status = 204;
    },
    {
      auth: true,
      params: model.SessionParams,
      response: { 204: NoContent, ...errors(400, 401, 404) },
      detail: {
        summary: 'Sign out one of my sessions',
        description: "Its access and refresh tokens and its cookie stop working at once. 404 for an unknown id or another user's session.",
        tags,
        security: AUTHENTICATED,
      },
    },
  )
  .put('/me/photo', ({ actor, body }) => accounts.updatePhoto({ actor, file: body.file }), {
    auth: true,
    parse: 'multipart/form-data',
    body: model.PhotoBody,
    response: { 200: model.PhotoUrl, ...errors(400, 401, 413, 415, 422) },
    detail: {
      summary: 'Upload my profile photo',
      description:
        'multipart/form-data with the image in `file`: PNG, JPEG or WebP, decided by the content (not the name or declared type), ' +
        'at most 5 MB (413 above, 415 for other types or an unreadable image). Re-encoded to a 256x256 WebP without metadata; replaces the previous photo.',
      tags,
      security: AUTHENTICATED,
    },
  })
  .get(
    '/users/:id/photo',
    async ({ params, query }) => {
      const photo = await accounts.photoFile(params.id);
      if (!photo) throw notFound('Photo');
      return new Response(photo.file, {
        headers: {
          'content-type': 'image/webp',
          'x-content-type-options': 'nosniff',
          'content-security-policy': "default-src 'none'",
          // photoUrl carries the file's version: a versioned URL never changes content.
          'cache-control': query.v === photo.version ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
        },
      });
    },
    {
      params: model.UserIdParams,
      query: model.PhotoQuery,
      response: { 200: model.PhotoFile, ...errors(400, 404) },
      detail: {
        summary: "A user's profile photo",
        description: 'Public. A 256x256 WebP (`photoUrl` of the user links here). 404 when the user has no photo.',
        tags,
        security: PUBLIC,
      },
    },
  );
