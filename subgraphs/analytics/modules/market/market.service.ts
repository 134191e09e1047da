import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { Money, type ProductType, type Province } from '#platform/infra/schema/shared-types';
import type { PricePoint } from './market.type';

export const EXTERNAL_OFFER_MAX_AGE_DAYS = 30;

export interface PriceKey {
  productType: ProductType;
  province: Province | null;
}

/**
 * Percentiles over the union of ACTIVE listings and current external offers of each asked product
 * type (and province), every key of one request in one statement: a console asking for a product
 * type in ten places costs one round trip, not ten. An offer is current when its source's latest
 * crawl brought it (an offer a newer crawl did not bring is gone) and it was fetched in the last 30
 * days. Each key is aggregated on its own (a lateral subquery): a national key reads the listing
 * index `(product_type, status, province)` by its first two columns, a province key by all three.
 */
export async function marketPriceIndexes(db: DataSource, keys: readonly PriceKey[]): Promise<PricePoint[]> {
  const rows = (await db.query(
    `SELECT k.i::int AS i, s.n, s.p[1] AS p25, s.p[2] AS p50, s.p[3] AS p75
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(product_type, province, i)
      CROSS JOIN LATERAL (
        -- the three percentiles from one sort (three percentile_cont calls sort up to three times)
        SELECT count(*)::int AS n,
               percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY price_per_kg)::float8[] AS p
          FROM (
            SELECT l.price_per_kg FROM analytics.listings l
             WHERE k.province IS NULL AND l.product_type = k.product_type AND l.status = 'ACTIVE'
            UNION ALL
            SELECT l.price_per_kg FROM analytics.listings l
             WHERE l.product_type = k.product_type AND l.status = 'ACTIVE' AND l.province = k.province
            UNION ALL
            SELECT o.price_per_kg FROM analytics.external_offers o
              JOIN analytics.source_crawls c ON c.data_source_id = o.data_source_id AND c.crawl_run_id = o.crawl_run_id
             WHERE o.product_type = k.product_type AND (k.province IS NULL OR o.province = k.province)
               AND o.fetched_at > now() - make_interval(days => ${EXTERNAL_OFFER_MAX_AGE_DAYS})) p) s`,
    [keys.map((k) => k.productType), keys.map((k) => k.province)],
  )) as Array<{ i: number; n: number; p25: number | null; p50: number | null; p75: number | null }>;
  const byIndex = new Map(rows.map((r) => [r.i, r]));
  return keys.map(({ productType, province }, index) => {
    const row = byIndex.get(index + 1) ?? { n: 0, p25: null, p50: null, p75: null };
    return {
      productType,
      province,
      medianPricePerKg: Money.zar(row.p50 ?? 0),
      p25: Money.zar(row.p25 ?? 0),
      p75: Money.zar(row.p75 ?? 0),
      sampleSize: row.n,
    };
  });
}

/** One request's price lookups, batched into one statement (repeated keys asked once). */
export function createPriceIndexLoader(db: DataSource): DataLoader<PriceKey, PricePoint, string> {
  return new DataLoader<PriceKey, PricePoint, string>((keys) => marketPriceIndexes(db, keys), {
    cacheKeyFn: (k) => `${k.productType}|${k.province ?? ''}`,
    maxBatchSize: 100,
  });
}
