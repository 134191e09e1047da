import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { Role } from '#platform/infra/schema/shared-types';
import { hashPassword } from '../auth/password';
import { UserEntity } from './user.entity';

/**
 * Ensures the account named by BOOTSTRAP_ADMIN_EMAIL exists and holds ADMIN. An existing account
 * keeps its password (a restart must not reset what the admin changed) but regains the role.
 */
export async function ensureBootstrapAdmin(deps: SubgraphDeps): Promise<void> {
  const { BOOTSTRAP_ADMIN_EMAIL: email, BOOTSTRAP_ADMIN_PASSWORD: password } = deps.config;
  if (!email) return;
  if (!password) {
    deps.log.warn('BOOTSTRAP_ADMIN_EMAIL is set without BOOTSTRAP_ADMIN_PASSWORD; no admin created');
    return;
  }
  const repo = deps.db.dataSource.getRepository(UserEntity);
  const normalised = email.trim().toLowerCase();
  const existing = await repo.findOneBy({ email: normalised });
  if (existing) {
    if (!existing.roles.includes(Role.ADMIN)) {
      await repo.update({ id: existing.id }, { roles: [...existing.roles, Role.ADMIN] });
      deps.log.info({ userId: existing.id }, 'bootstrap admin regained the ADMIN role');
    }
    return;
  }
  const created = await repo.save(
    repo.create({
      email: normalised,
      displayName: 'Administrator',
      roles: [Role.ADMIN],
      province: null,
      passwordHash: await hashPassword(password),
    }),
  );
  deps.log.info({ userId: created.id }, 'bootstrap admin created');
}
