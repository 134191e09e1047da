import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { UserEntity } from './user.entity';
import { preparedQuery } from '#platform/infra/db/prepared';

/**
 * Users by id in one query per tick; a missing id resolves to null. A prepared statement with the
 * entity's property names: every catalogue page resolves its sellers here, and TypeORM's query
 * building and hydration cost more than the query itself.
 */
export function createUserByIdLoader(dataSource: DataSource) {
  return new DataLoader<string, UserEntity | null>(async (ids) => {
    const rows = await preparedQuery<UserEntity>(
      dataSource,
      `SELECT id, email, display_name AS "displayName", roles, province, password_hash AS "passwordHash",
              created_at AS "createdAt", disabled_at AS "disabledAt", erased_at AS "erasedAt",
              token_version AS "tokenVersion", erasure_requested_at AS "erasureRequestedAt"
         FROM identity.users WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.map((u) => [u.id, u]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
