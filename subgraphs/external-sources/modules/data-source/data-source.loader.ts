import DataLoader from 'dataloader';
import { In, type DataSource as Db } from 'typeorm';
import { DataSourceEntity } from './data-source.entity';

export function createDataSourceByIdLoader(db: Db) {
  return new DataLoader<string, DataSourceEntity | null>(async (ids) => {
    const rows = await db.getRepository(DataSourceEntity).findBy({ id: In([...ids]) });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** The whole (small) catalogue, read at most once per request. */
export function createAllDataSources(db: Db) {
  let pending: Promise<DataSourceEntity[]> | null = null;
  return (): Promise<DataSourceEntity[]> => {
    pending ??= db.getRepository(DataSourceEntity).find({ order: { name: 'ASC' } });
    return pending;
  };
}
