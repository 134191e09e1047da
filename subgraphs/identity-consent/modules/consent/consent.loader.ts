import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { ConsentEntity } from './consent.entity';
import { statusCondition, type ConsentStatus } from './consent.type';

/** Most consents listed per user (newest first); history beyond it stays stored. */
export const MAX_CONSENTS_LISTED = 500;

export function createConsentByIdLoader(dataSource: DataSource) {
  return new DataLoader<string, ConsentEntity | null>(async (ids) => {
    const rows = await dataSource.getRepository(ConsentEntity).findBy({ id: In([...ids]) });
    const byId = new Map(rows.map((c) => [c.id, c]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

export interface ConsentsOfUserKey {
  userId: string;
  status: ConsentStatus | null;
}

/** A user's consents, optionally by status; one statement for every user (per status) in the batch. */
export function createConsentsByUserLoader(dataSource: DataSource) {
  return new DataLoader<ConsentsOfUserKey, ConsentEntity[], string>(
    async (keys) => {
      const byStatus = new Map<ConsentStatus | null, string[]>();
      for (const k of keys) {
        const ids = byStatus.get(k.status);
        if (ids) ids.push(k.userId);
        else byStatus.set(k.status, [k.userId]);
      }
      const results = new Map<string, ConsentEntity[]>();
      await Promise.all(
        [...byStatus].map(async ([status, userIds]) => {
          const filter = status ? `AND ${statusCondition(status)}` : '';
          const rows = await dataSource
            .getRepository(ConsentEntity)
            .createQueryBuilder('c')
            .where(
              `c.id IN (SELECT ranked.id FROM (
                 SELECT c.id, row_number() OVER (PARTITION BY c.user_id ORDER BY c.granted_at DESC, c.id DESC) AS rn
                 FROM identity.consents c WHERE c.user_id = ANY(:userIds) ${filter}) ranked
               WHERE ranked.rn <= :cap)`,
              { userIds: [...new Set(userIds)], cap: MAX_CONSENTS_LISTED },
            )
            .orderBy('c.granted_at', 'DESC')
            .addOrderBy('c.id', 'DESC')
            .getMany();
          for (const row of rows) {
            const key = `${row.userId}|${status ?? ''}`;
            const list = results.get(key);
            if (list) list.push(row);
            else results.set(key, [row]);
          }
        }),
      );
      return keys.map((k) => results.get(`${k.userId}|${k.status ?? ''}`) ?? []);
    },
    { cacheKeyFn: (k) => `${k.userId}|${k.status ?? ''}` },
  );
}
