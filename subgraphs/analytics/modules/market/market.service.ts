import type { DataSource } from 'typeorm';
import { Money, type ProductType, type Province } from '#platform/infra/schema/shared-types';
import type { PricePoint } from './market.type';

export const EXTERNAL_OFFER_MAX_AGE_DAYS = 30;

/**
 * Percentiles over the union of ACTIVE listings and current external offers of one product type
 * (and province). An offer is current when its source's latest crawl brought it (an offer a newer
 * crawl did not bring is gone) and it was fetched in the last 30 days.
 */
export async function marketPriceIndex(
  db: DataSource,
  productType: ProductType,
  province: Province | null,
): Promise<PricePoint> {
  const [row] = (await db.query(
    `WITH prices AS (
       SELECT price_per_kg FROM analytics.listings
        WHERE product_type = $1 AND status = 'ACTIVE' AND ($2::text IS NULL OR province = $2)
       UNION ALL
       SELECT o.price_per_kg FROM analytics.external_offers o
         JOIN analytics.source_crawls c ON c.data_source_id = o.data_source_id AND c.crawl_run_id = o.crawl_run_id
        WHERE o.product_type = $1 AND ($2::text IS NULL OR o.province = $2)
          AND o.fetched_at > now() - make_interval(days => ${EXTERNAL_OFFER_MAX_AGE_DAYS}))
     SELECT count(*)::int AS n,
            percentile_cont(0.25) WITHIN GROUP (ORDER BY price_per_kg)::float8 AS p25,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY price_per_kg)::float8 AS p50,
            percentile_cont(0.75) WITHIN GROUP (ORDER BY price_per_kg)::float8 AS p75
       FROM prices`,
    [productType, province],
  )) as Array<{ n: number; p25: number | null; p50: number | null; p75: number | null }>;
  return {
    productType,
    province,
    medianPricePerKg: Money.zar(row.p50 ?? 0),
    p25: Money.zar(row.p25 ?? 0),
    p75: Money.zar(row.p75 ?? 0),
    sampleSize: row.n,
  };
}
