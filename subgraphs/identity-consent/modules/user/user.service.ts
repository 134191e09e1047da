import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { Viewer } from '#platform/infra/auth/viewer';
import { BadUserInputError, NotFoundError } from '#platform/infra/errors';
import { isUuid } from '#platform/infra/schema/ids';
import { Role } from '#platform/infra/schema/shared-types';
import { append, AuditAction } from '../audit/audit.service';
import { UserEntity } from './user.entity';
import { announceRevocations, recordRevocations } from '../auth/revocation.service';

/**
 * ADMIN changes a user's roles. The user's token version goes up, so every access token issued
 * before ends on the next request everywhere (docs/revocation.md); the user's sessions live on, and
 * the next refresh carries the new roles. An admin cannot drop their own ADMIN role, so the last
 * administrator cannot lock everyone out by accident.
 */
export async function setUserRoles(
  deps: SubgraphDeps,
  actor: Viewer,
  userId: string,
  roles: Role[],
): Promise<UserEntity> {
  if (!isUuid(userId)) throw new NotFoundError('No such user');
  const unique = [...new Set(roles)];
  if (unique.length === 0) throw new BadUserInputError('a user needs at least one role', 'roles');
  if (userId === actor.userId && !unique.includes(Role.ADMIN)) {
    throw new BadUserInputError('you cannot remove your own ADMIN role', 'roles');
  }
  const { user, revoked } = await deps.db.dataSource.transaction(async (manager) => {
    const repo = manager.getRepository(UserEntity);
    const user = await repo.findOne({ where: { id: userId }, lock: { mode: 'pessimistic_write' } });
    if (!user || user.erasedAt || user.erasureRequestedAt) throw new NotFoundError('No such user');
    const before = user.roles;
    user.roles = unique;
    user.tokenVersion += 1;
    await repo.update({ id: user.id }, { roles: unique, tokenVersion: user.tokenVersion });
    const revoked = await recordRevocations(manager, [
      { kind: 'user', userId: user.id, minVersion: user.tokenVersion, reason: 'roles_changed' },
    ]);
    await append(manager, {
      action: AuditAction.ROLES_CHANGED,
      actorId: actor.userId,
      subjectId: user.id,
      details: { from: before, to: unique },
    });
    return { user, revoked };
  });
  await announceRevocations(deps, revoked);
  return user;
}
