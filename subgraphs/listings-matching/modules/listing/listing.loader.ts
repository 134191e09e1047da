import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import type { Viewer } from '#platform/infra/auth/viewer';
import { encodeCursor, toConnection, type Connection } from '#platform/infra/schema/connection';
import { ListingEntity } from './listing.entity';
import { ListingStatus } from './listing-status';
import { isAdmin } from '#platform/infra/auth/viewer';

export function createListingByIdLoader(dataSource: DataSource) {
  return new DataLoader<string, ListingEntity | null>(async (ids) => {
    const rows = await dataSource.getRepository(ListingEntity).findBy({ id: In([...ids]) });
    const byId = new Map(rows.map((l) => [l.id, l]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

export interface SellerListingsKey {
  sellerId: string;
  first: number;
  after: { createdAt: string; id: string } | null;
  status: ListingStatus | null;
}

/**
 * `User.listings` for many users at once: one query with a window function returns each seller's
 * page, one GROUP BY counts them. Keys that share page arguments are fetched together.
 */
export function createSellerListingsLoader(dataSource: DataSource, viewer: Viewer | null) {
  return new DataLoader<SellerListingsKey, Connection<ListingEntity>, string>(
    async (keys) => {
      const groups = new Map<string, SellerListingsKey[]>();
      for (const key of keys) {
        const group = JSON.stringify([key.first, key.after, key.status]);
        groups.set(group, [...(groups.get(group) ?? []), key]);
      }
      const results = new Map<string, Connection<ListingEntity>>();
      for (const group of groups.values()) {
        const { first, after, status } = group[0];
        const sellerIds = [...new Set(group.map((k) => k.sellerId))];
        const repo = dataSource.getRepository(ListingEntity);
        const visible = (alias: string) => {
          const conditions = [`${alias}.seller_id = ANY(:sellerIds)`];
          if (status) conditions.push(`${alias}.status = :status`);
          if (!isAdmin(viewer)) conditions.push(`(${alias}.status = :active OR ${alias}.seller_id = :viewerId)`);
          return conditions.join(' AND ');
        };
        const params = {
          sellerIds,
          status,
          active: ListingStatus.ACTIVE,
          viewerId: viewer?.userId ?? '00000000-0000-0000-0000-000000000000',
        };
        const pageQuery = repo
          .createQueryBuilder('l')
          .select('l.id', 'id')
          .addSelect('ROW_NUMBER() OVER (PARTITION BY l.seller_id ORDER BY l.created_at DESC, l.id DESC)', 'rn')
          .where(visible('l'), params);
        if (after)
          pageQuery.andWhere('(l.created_at, l.id) < (:afterAt::timestamptz, :afterId::uuid)', {
            afterAt: after.createdAt,
            afterId: after.id,
          });
        const [rows, counts] = await Promise.all([
          repo
            .createQueryBuilder('x')
            .innerJoin(`(${pageQuery.getQuery()})`, 'p', 'p.id = x.id')
            .where('p.rn <= :take', { take: first + 1 })
            .setParameters({ ...pageQuery.getParameters(), take: first + 1 })
            .orderBy('x.created_at', 'DESC')
            .addOrderBy('x.id', 'DESC')
            .getMany(),
          repo
            .createQueryBuilder('l')
            .select('l.seller_id', 'sellerId')
            .addSelect('COUNT(*)::int', 'count')
            .where(visible('l'), params)
            .groupBy('l.seller_id')
            .getRawMany<{ sellerId: string; count: number }>(),
        ]);
        const countBySeller = new Map(counts.map((c) => [c.sellerId, Number(c.count)]));
        for (const sellerId of sellerIds) {
          const own = rows.filter((r) => r.sellerId === sellerId);
          results.set(
            JSON.stringify([sellerId, first, after, status]),
            toConnection(own, first, countBySeller.get(sellerId) ?? 0, (l) =>
              encodeCursor([l.createdAt.toISOString(), l.id]),
            ),
          );
        }
      }
      return keys.map(
        (k) => results.get(JSON.stringify([k.sellerId, k.first, k.after, k.status])) as Connection<ListingEntity>,
      );
    },
    { cacheKeyFn: (k) => JSON.stringify([k.sellerId, k.first, k.after, k.status]) },
  );
}
