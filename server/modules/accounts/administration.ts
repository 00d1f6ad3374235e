/**
 * Account administration: listing users, changing roles, deactivating and reactivating. Admins only; every change
 * is audited in its own transaction, and takes effect on the user's sessions at once (cache invalidated after commit,
 * sessions revoked on deactivation).
 */
import { db } from '../../../db/client.ts';
import { DomainError, notFound } from '../../errors.ts';
import { decodeCursor, page } from '../../lib/pagination.ts';
import { assertAdmin } from '../../plugins/auth.ts';
import * as audit from '../audit/service.ts';
import * as repository from './repository.ts';
import type { UserRow } from './repository.ts';
import { toUserDto, type RequestMeta, type UserDto } from './service.ts';
import * as sessions from './sessions.ts';
import type { Actor } from './sessions.ts';

type Role = UserRow['role'];

export async function listUsers(input: {
  actor: Actor;
  role?: Role;
  q?: string;
  active?: boolean;
  limit: number;
  cursor?: string;
}): Promise<{ items: UserDto[]; nextCursor: string | null }> {
  assertAdmin(input.actor);
  const before = decodeCursor(input.cursor, ['uuid']);
  const q = input.q?.trim();
  const rows = await repository.listUsers({
    role: input.role,
    q: q ? q : undefined,
    active: input.active,
    beforeId: before ? (before[0] as string) : undefined,
    limit: input.limit,
  });
  const result = page(rows, input.limit, (row) => [row.id]);
  return { items: result.items.map(toUserDto), nextCursor: result.nextCursor };
}

export async function updateUser(input: { actor: Actor; userId: string; role?: Role; active?: boolean; meta: RequestMeta }): Promise<UserDto> {
  assertAdmin(input.actor);
  if (input.userId === input.actor.id && ((input.role !== undefined && input.role !== 'admin') || input.active === false)) {
    // Also guarantees there is always an active admin left: nobody can remove the last one but themselves.
    throw new DomainError('cannot_modify_self', 'You cannot demote or deactivate your own account. Ask another admin.');
  }
  const outcome = await db.transaction(async (tx) => {
    await repository.lockAdministration(tx);
    // Re-checked under the lock: an admin demoted or deactivated a moment ago must not act any more.
    const acting = await repository.findUserById(input.actor.id, tx);
    if (!acting || acting.role !== 'admin' || !acting.active) throw new DomainError('forbidden', 'Only admins can manage users');
    const target = await repository.findUserById(input.userId, tx);
    if (!target) throw notFound('User');

    const changes: { role?: Role; active?: boolean } = {};
    if (input.role !== undefined && input.role !== target.role) changes.role = input.role;
    if (input.active !== undefined && input.active !== target.active) changes.active = input.active;
    if (Object.keys(changes).length === 0) return { user: target, revoked: [] as string[] };

    const user = (await repository.updateUser(tx, target.id, changes))!;
    const entry = { actorId: input.actor.id, target: { type: 'user', id: target.id }, meta: input.meta };
    if (changes.role !== undefined) {
      await audit.record(tx, { ...entry, action: 'user.role_changed', metadata: { from: target.role, to: changes.role } });
    }
    let revoked: string[] = [];
    if (changes.active === false) {
      revoked = await sessions.revoke(tx, { userId: target.id }, 'deactivated');
      await audit.record(tx, { ...entry, action: 'user.deactivated', metadata: { sessionsRevoked: revoked.length } });
    } else if (changes.active === true) {
      await audit.record(tx, { ...entry, action: 'user.reactivated' });
    }
    return { user, revoked };
  });
  // After the commit: the next request of any of the user's sessions, on any instance, sees the change.
  await sessions.invalidateSessions(outcome.revoked);
  if (outcome.revoked.length === 0) await sessions.invalidateUser(outcome.user.id);
  return toUserDto(outcome.user);
}
