import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { DataSubjectRequestEntity, DataSubjectRequestPartEntity } from './data-subject-request.entity';
import { toDataSubjectRequest, type DataSubjectRequest } from './data-subject.type';

/** Requests by id with their parts: two statements per batch; a missing id resolves to null. */
export function createDataSubjectRequestByIdLoader(dataSource: DataSource) {
  return new DataLoader<string, DataSubjectRequest | null>(async (ids) => {
    const rows = await dataSource.getRepository(DataSubjectRequestEntity).findBy({ id: In([...ids]) });
    const parts = rows.length
      ? await dataSource.getRepository(DataSubjectRequestPartEntity).findBy({ requestId: In(rows.map((r) => r.id)) })
      : [];
    const byId = new Map(
      rows.map((r) => [
        r.id,
        toDataSubjectRequest(
          r,
          parts.filter((p) => p.requestId === r.id),
        ),
      ]),
    );
    return ids.map((id) => byId.get(id) ?? null);
  });
}
