import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { encodeCursor, toConnection, type Connection } from '#platform/infra/schema/connection';
import { OrderEntity } from './order.entity';

export function createOrderByIdLoader(dataSource: DataSource) {
  return new DataLoader<string, OrderEntity | null>(async (ids) => {
    const rows = await dataSource.getRepository(OrderEntity).findBy({ id: In([...ids]) });
    const byId = new Map(rows.map((o) => [o.id, o]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

export interface BuyerOrdersKey {
  buyerId: string;
  first: number;
  after: { createdAt: string; id: string } | null;
}

const keyOf = (k: BuyerOrdersKey) => JSON.stringify([k.buyerId, k.first, k.after]);

/**
 * `User.orders` for many users at once, newest first: one windowed query returns each buyer's page
 * and one GROUP BY counts them, whatever the number of users. Who may ask is shield's business
 * (the user themself or ADMIN).
 */
export function createBuyerOrdersLoader(dataSource: DataSource) {
  return new DataLoader<BuyerOrdersKey, Connection<OrderEntity>, string>(
    async (keys) => {
      const groups = new Map<string, BuyerOrdersKey[]>();
      for (const key of keys) {
        const group = JSON.stringify([key.first, key.after]);
        groups.set(group, [...(groups.get(group) ?? []), key]);
      }
      const results = new Map<string, Connection<OrderEntity>>();
      const repo = dataSource.getRepository(OrderEntity);
      for (const group of groups.values()) {
        const { first, after } = group[0];
        const buyerIds = [...new Set(group.map((k) => k.buyerId))];
        const pageQuery = repo
          .createQueryBuilder('o')
          .select('o.id', 'id')
          .addSelect('ROW_NUMBER() OVER (PARTITION BY o.buyer_id ORDER BY o.created_at DESC, o.id DESC)', 'rn')
          .where('o.buyer_id = ANY(:buyerIds)', { buyerIds });
        if (after)
          pageQuery.andWhere('(o.created_at, o.id) < (:afterAt::timestamptz, :afterId::uuid)', {
            afterAt: after.createdAt,
            afterId: after.id,
          });
        const [rows, counts] = await Promise.all([
          repo
            .createQueryBuilder('x')
            .innerJoin(`(${pageQuery.getQuery()})`, 'p', 'p.id = x.id')
            .where('p.rn <= :take')
            .setParameters({ ...pageQuery.getParameters(), take: first + 1 })
            .orderBy('x.created_at', 'DESC')
            .addOrderBy('x.id', 'DESC')
            .getMany(),
          repo
            .createQueryBuilder('o')
            .select('o.buyer_id', 'buyerId')
            .addSelect('COUNT(*)::int', 'count')
            .where('o.buyer_id = ANY(:buyerIds)', { buyerIds })
            .groupBy('o.buyer_id')
            .getRawMany<{ buyerId: string; count: number }>(),
        ]);
        const countByBuyer = new Map(counts.map((c) => [c.buyerId, Number(c.count)]));
        for (const buyerId of buyerIds) {
          const own = rows.filter((r) => r.buyerId === buyerId);
          results.set(
            keyOf({ buyerId, first, after }),
            toConnection(own, first, countByBuyer.get(buyerId) ?? 0, (o) =>
              encodeCursor([o.createdAt.toISOString(), o.id]),
            ),
          );
        }
      }
      return keys.map((k) => results.get(keyOf(k)) as Connection<OrderEntity>);
    },
    { cacheKeyFn: keyOf },
  );
}
