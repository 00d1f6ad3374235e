import { t } from 'elysia';
import { ListQuery, listOf } from '../../lib/pagination.ts';
import { User } from '../accounts/model.ts';

const Role = t.Union([t.Literal('student'), t.Literal('tutor'), t.Literal('admin')], { 'x-error': 'must be student, tutor or admin' });

export const AdminUserQuery = t.Object({
  ...ListQuery,
  role: t.Optional(Role),
  q: t.Optional(t.String({ maxLength: 200, description: 'Matches the name or the email, case-insensitively (substring)' })),
  active: t.Optional(t.Boolean({ description: 'true: only active accounts; false: only deactivated ones; omitted: both' })),
});

export const UserList = listOf(User, 'UserList');

export const AdminUserParams = t.Object({ id: t.String({ format: 'uuid', 'x-error': 'must be a user id' }) });

export const AdminUserPatch = t.Object({
  role: t.Optional(Role),
  active: t.Optional(t.Boolean({ description: 'false deactivates (every session ends at once, sign-in is refused); true reactivates' })),
});

export const AuditQuery = t.Object({
  ...ListQuery,
  actorId: t.Optional(t.String({ format: 'uuid', 'x-error': 'must be a user id' })),
  action: t.Optional(t.String({ minLength: 1, maxLength: 100, description: 'Exact action, e.g. auth.login, user.role_changed' })),
});

export const AuditEntry = t.Object(
  {
    id: t.String(),
    actorId: t.Union([t.String(), t.Null()], { description: 'Who acted; null for anonymous actions (a failed sign-in for an unknown email)' }),
    action: t.String({
      description:
        'user.registered, auth.login, auth.login_failed, auth.logout, auth.password_reset, auth.password_changed, auth.2fa_enabled, ' +
        'auth.2fa_disabled, session.revoked, user.role_changed, user.deactivated, user.reactivated, tutor.* (reviews), ...',
    }),
    targetType: t.Union([t.String(), t.Null()]),
    targetId: t.Union([t.String(), t.Null()]),
    ip: t.Union([t.String(), t.Null()]),
    userAgent: t.Union([t.String(), t.Null()]),
    createdAt: t.String({ format: 'date-time' }),
    metadata: t.Record(t.String(), t.Unknown()),
  },
  { title: 'AuditEntry' },
);

export const AuditList = listOf(AuditEntry, 'AuditList');
