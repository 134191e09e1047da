import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { MatchRequestEntity, MatchResultEntity } from './match.entity';

export function createMatchRequestByIdLoader(dataSource: DataSource) {
  return new DataLoader<string, MatchRequestEntity | null>(async (ids) => {
    const rows = await dataSource.getRepository(MatchRequestEntity).findBy({ id: In([...ids]) });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** The ranked matches of many requests in one query. */
export function createMatchResultsLoader(dataSource: DataSource) {
  return new DataLoader<string, MatchResultEntity[]>(async (requestIds) => {
    const rows = await dataSource
      .getRepository(MatchResultEntity)
      .find({ where: { matchRequestId: In([...requestIds]) }, order: { matchRequestId: 'ASC', rank: 'ASC' } });
    const byRequest = new Map<string, MatchResultEntity[]>();
    for (const row of rows) byRequest.set(row.matchRequestId, [...(byRequest.get(row.matchRequestId) ?? []), row]);
    return requestIds.map((id) => byRequest.get(id) ?? []);
  });
}
