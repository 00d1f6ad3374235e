/**
 * Admin API: users (roles, activation) and the audit log. Every route is under /admin/, which the auth plugin
 * guards as a whole (403 for non-admins; with REQUIRE_ADMIN_2FA, 403 `two_factor_required` for admins without 2FA).
 */
import { Elysia } from 'elysia';
import * as administration from '../accounts/administration.ts';
import * as audit from '../audit/service.ts';
import { authPlugin } from '../../plugins/auth.ts';
import { requestContext } from '../../plugins/context.ts';
import { AUTHENTICATED, errors } from '../../schemas.ts';
import { User } from '../accounts/model.ts';
import * as model from './model.ts';

const tags = ['Admin'];
const ADMIN_ONLY =
  'Admins only (403 for students and tutors). When REQUIRE_ADMIN_2FA is on, an admin without two-factor authentication gets 403 `two_factor_required` until they turn it on.';

export const adminRoutes = new Elysia({ name: 'admin' })
  .use(requestContext)
  .use(authPlugin)
  .get(
    '/admin/users',
    ({ actor, query }) =>
      administration.listUsers({ actor, role: query.role, q: query.q, active: query.active, limit: query.limit ?? 20, cursor: query.cursor }),
    {
      auth: true,
      query: model.AdminUserQuery,
      response: { 200: model.UserList, ...errors(400, 401, 403) },
      detail: { summary: 'List users', description: `Newest first; filter by \`role\`, \`active\`, and \`q\` (name or email). ${ADMIN_ONLY}`, tags, security: AUTHENTICATED },
    },
  )
  .patch(
    '/admin/users/:id',
    ({ actor, params, body, info }) => administration.updateUser({ actor, userId: params.id, role: body.role, active: body.active, meta: info }),
    {
      auth: true,
      params: model.AdminUserParams,
      body: model.AdminUserPatch,
      response: { 200: User, ...errors(400, 401, 403, 404, 409, 422) },
      detail: {
        summary: "Change a user's role or deactivate / reactivate them",
        description:
          'Takes effect at once: a role change applies to the next request of every session of the user; deactivating ends every session ' +
          '(its tokens stop working) and refuses sign-in with 403 `account_inactive`. 409 `cannot_modify_self` when demoting or deactivating ' +
          `yourself. Audited. ${ADMIN_ONLY}`,
        tags,
        security: AUTHENTICATED,
      },
    },
  )
  .get(
    '/admin/audit-log',
    ({ actor, query }) => audit.list({ actor, actorId: query.actorId, action: query.action, limit: query.limit ?? 20, cursor: query.cursor }),
    {
      auth: true,
      query: model.AuditQuery,
      response: { 200: model.AuditList, ...errors(400, 401, 403) },
      detail: {
        summary: 'The audit log',
        description: `Newest first; filter by \`actorId\` and exact \`action\`. Each entry has the IP and user agent of the request. ${ADMIN_ONLY}`,
        tags,
        security: AUTHENTICATED,
      },
    },
  );
