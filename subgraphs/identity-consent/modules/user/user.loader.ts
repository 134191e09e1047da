import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { UserEntity } from './user.entity';

/** Users by id in one query per tick; a missing id resolves to null. */
export function createUserByIdLoader(dataSource: DataSource) {
  return new DataLoader<string, UserEntity | null>(async (ids) => {
    const rows = await dataSource.getRepository(UserEntity).findBy({ id: In([...ids]) });
    const byId = new Map(rows.map((u) => [u.id, u]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
