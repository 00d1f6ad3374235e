import { Elysia } from 'elysia';
import { env } from '../../env.ts';
import { SESSION_COOKIE, authPlugin } from '../../plugins/auth.ts';
import { requestContext } from '../../plugins/context.ts';
import { AUTHENTICATED, Accepted, NoContent, PUBLIC, errors } from '../../schemas.ts';
import * as model from './model.ts';
import * as service from './service.ts';

function sessionCookie(token: string, expiresAt: Date): string {
  const secure = env.nodeEnv === 'development' ? '' : '; Secure';
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Expires=${expiresAt.toUTCString()}${secure}`;
}

export function clearedSessionCookie(): string {
  const secure = env.nodeEnv === 'development' ? '' : '; Secure';
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure}`;
}

const tags = ['Accounts'];

export const accountRoutes = new Elysia({ name: 'accounts' })
  .use(requestContext)
  .use(authPlugin)
  .post(
    '/auth/register',
    async ({ body, info, set }) => {
      const user = await service.register({ ...body, meta: info });
      set.status = 201;
      return { user };
    },
    {
      body: model.RegisterBody,
      response: { 201: model.UserEnvelope, ...errors(400, 409, 422, 429) },
      detail: { summary: 'Register a student or tutor', description: 'Sends a verification email. Passwords: at least 10 characters, not a common password.', tags, security: PUBLIC },
    },
  )
  .post('/auth/verify-email', async ({ body }) => ({ user: await service.verifyEmail(body) }), {
    body: model.VerifyEmailBody,
    response: { 200: model.UserEnvelope, ...errors(400, 410, 422) },
    detail: { summary: 'Verify an email address with the emailed token', description: 'Tokens are single use and live 10 minutes (EMAIL_TOKEN_TTL_SECONDS).', tags, security: PUBLIC },
  })
  .post(
    '/auth/resend-verification',
    async ({ body, info, set }) => {
      await service.resendVerification({ email: body.email, meta: info });
      set.status = 202;
    },
    {
      body: model.EmailBody,
      response: { 202: Accepted, ...errors(400, 422, 429) },
      detail: { summary: 'Send a new verification email', description: 'Answers 202 whether or not the account exists.', tags, security: PUBLIC },
    },
  )
  .post(
    '/auth/login',
    async ({ body, info, set }) => {
      const signedIn = await service.login({ ...body, meta: info });
      set.headers['set-cookie'] = sessionCookie(signedIn.sessionToken, signedIn.sessionExpiresAt);
      return { accessToken: signedIn.accessToken, refreshToken: signedIn.refreshToken, expiresIn: signedIn.expiresIn, user: signedIn.user };
    },
    {
      body: model.LoginBody,
      response: { 200: model.LoginResponse, ...errors(400, 401, 403, 422, 429) },
      detail: {
        summary: 'Sign in',
        description:
          'Returns a 15-minute access token and a rotating refresh token, and sets the HttpOnly `session` cookie for the web app. ' +
          '401 `totp_required` when two-factor authentication is on and no code was given; then send `totp` with the current 6-digit code ' +
          '(one step of clock drift is accepted, each code works once) or an unused recovery code (each works once). A wrong code answers ' +
          '401 `invalid_credentials` with `fields.totp` and counts as a failed sign-in. A deactivated account gets 401 `account_inactive`. 429 by the 10th failure in a row for an account.',
        tags,
        security: PUBLIC,
      },
    },
  )
  .post('/auth/refresh', ({ body }) => service.refresh(body), {
    body: model.RefreshBody,
    response: { 200: model.TokenPair, ...errors(400, 401, 422) },
    detail: {
      summary: 'Rotate a refresh token',
      description: 'The presented refresh token stops working. Presenting an already rotated token revokes its whole session.',
      tags,
      security: PUBLIC,
    },
  })
  .post(
    '/auth/logout',
    async ({ actor, info, set }) => {
      await service.logout(actor, info);
      set.headers['set-cookie'] = clearedSessionCookie();
      set.status = 204;
    },
    {
      auth: true,
      response: { 204: NoContent, ...errors(401) },
      detail: { summary: 'Sign out', description: 'Ends the session; its access and refresh tokens stop working at once.', tags, security: AUTHENTICATED },
    },
  )
  .post(
    '/auth/password/forgot',
    async ({ body, info, set }) => {
      await service.forgotPassword({ email: body.email, meta: info });
      set.status = 202;
    },
    {
      body: model.EmailBody,
      response: { 202: Accepted, ...errors(400, 422, 429) },
      detail: { summary: 'Email a password reset link', description: 'Answers 202 whether or not the account exists.', tags, security: PUBLIC },
    },
  )
  .post(
    '/auth/password/reset',
    async ({ body, info, set }) => {
      await service.resetPassword({ ...body, meta: info });
      set.status = 204;
    },
    {
      body: model.ResetPasswordBody,
      response: { 204: NoContent, ...errors(400, 410, 422) },
      detail: { summary: 'Set a new password with the emailed token', description: 'Revokes every session of the user.', tags, security: PUBLIC },
    },
  )
  .post(
    '/auth/password/change',
    async ({ actor, body, info, set }) => {
      await service.changePassword({ actor, ...body, meta: info });
      set.status = 204;
    },
    {
      auth: true,
      body: model.ChangePasswordBody,
      response: { 204: NoContent, ...errors(400, 401, 422) },
      detail: { summary: 'Change the password', description: 'Revokes every other session of the user.', tags, security: AUTHENTICATED },
    },
  )
  .post('/ws/ticket', ({ actor }) => service.issueWsTicket(actor), {
    auth: true,
    response: { 200: model.WsTicket, ...errors(401) },
    detail: { summary: 'Get a single-use WebSocket ticket', description: 'Valid for 30 seconds, once: `GET /api/v1/ws?ticket=...`.', tags: ['Chat'], security: AUTHENTICATED },
  })
  .get('/me', ({ actor }) => service.getMe(actor), {
    auth: true,
    response: { 200: model.User, ...errors(401) },
    detail: { summary: 'The signed-in user', tags, security: AUTHENTICATED },
  })
  .patch('/me', ({ actor, body }) => service.updateMe({ actor, ...body }), {
    auth: true,
    body: model.UpdateMeBody,
    response: { 200: model.User, ...errors(400, 401, 422) },
    detail: { summary: 'Update name or time zone', description: '`timezone` must be an IANA zone.', tags, security: AUTHENTICATED },
  });
