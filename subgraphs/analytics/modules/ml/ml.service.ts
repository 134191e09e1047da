import type { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor, pageSize, toConnection, type Connection } from '#platform/infra/schema/connection';
import { FEATURE_DEFINITIONS } from './feature.definitions';
import type { FeatureVector, MlStatus } from './ml.type';
import { distanceFeatureKm } from './provinces';

export const TRAINING_THRESHOLD = 1000;

export enum MlPhase {
  COLD_START = 'COLD_START',
  COLLECTING = 'COLLECTING',
  READY_FOR_TRAINING = 'READY_FOR_TRAINING',
}

export async function mlStatus(db: DataSource): Promise<MlStatus> {
  const [{ count }] = (await db.query(`SELECT count(*)::int AS count FROM analytics.interactions`)) as Array<{
    count: number;
  }>;
  const ready = count >= TRAINING_THRESHOLD;
  return {
    interactionsCollected: count,
    trainingThreshold: TRAINING_THRESHOLD,
    ready,
    features: FEATURE_DEFINITIONS.map((f) => ({ ...f })),
    phase: count === 0 ? MlPhase.COLD_START : ready ? MlPhase.READY_FOR_TRAINING : MlPhase.COLLECTING,
  };
}

interface PairRow {
  user_key: string;
  listing_id: string;
  first_at: Date;
  ordered: boolean;
}

interface FeatureRow {
  user_key: string;
  listing_id: string;
  price: number | null;
  available: number | null;
  product_type: string | null;
  province: string | null;
  social_impact_score: number | null;
  certification_count: number | null;
  created_at: Date | null;
  market_median: number | null;
  searches: number;
  match_requests: number;
  views: number;
  orders: number;
  criteria: Record<string, unknown> | null;
  seller_listings: number | null;
  seller_orders: number | null;
  seller_cancelled: number | null;
}

const round = (n: number, places = 4) => Math.round(n * 10 ** places) / 10 ** places;
const num = (v: unknown): number | null =>
  v === undefined || v === null || v === '' || Number.isNaN(Number(v)) ? null : Number(v);

/** Turns one row of facts into the named features; every definition gets a value or null. */
export function computeFeatures(row: FeatureRow, at: Date): Record<string, number | string | null> {
  const c = row.criteria ?? {};
  const maxPrice = num(c.maxPricePerKg);
  const wantedKg = num(c.minAvailableKg);
  const wantedProvince = typeof c.province === 'string' ? c.province : null;
  const wantedProduct = typeof c.productType === 'string' ? c.productType : null;
  const price = row.price;
  const sellerOrders = row.seller_orders;
  const features: Record<string, number | string | null> = {
    price_per_kg: price,
    price_delta_to_market_median:
      price !== null && row.market_median ? round((price - row.market_median) / row.market_median) : null,
    price_headroom_vs_buyer_max: price !== null && maxPrice ? round((maxPrice - price) / maxPrice) : null,
    distance_km: wantedProvince && row.province ? distanceFeatureKm(wantedProvince, row.province) : null,
    same_province: wantedProvince && row.province ? Number(wantedProvince === row.province) : null,
    product_type_match: wantedProduct && row.product_type ? Number(wantedProduct === row.product_type) : null,
    product_type: row.product_type,
    quantity_coverage: row.available !== null && wantedKg ? round(Math.min(1, row.available / wantedKg)) : null,
    available_kg: row.available,
    social_impact_score: row.social_impact_score,
    social_impact_match:
      c.socialImpactOnly === true && row.social_impact_score !== null ? Number(row.social_impact_score > 0) : null,
    certification_count: row.certification_count,
    listing_age_days: row.created_at
      ? round(Math.max(0, at.getTime() - new Date(row.created_at).getTime()) / 86_400_000, 2)
      : null,
    seller_listing_count: row.seller_listings,
    seller_order_count: sellerOrders,
    seller_cancellation_rate: sellerOrders ? round((row.seller_cancelled ?? 0) / sellerOrders) : null,
    buyer_prior_searches: row.searches,
    buyer_prior_match_requests: row.match_requests,
    buyer_prior_views: row.views,
    buyer_prior_orders: row.orders,
    hour_of_day: at.getUTCHours(),
    day_of_week: at.getUTCDay() === 0 ? 7 : at.getUTCDay(),
  };
  return features;
}

/**
 * The training set: one row per (buyer pseudonym, listing) pair with at least one interaction,
 * ordered by the pair (keyset), features computed from analytics' own tables in one statement per page.
 */
export async function featureVectors(
  db: DataSource,
  first: number | null | undefined,
  after: string | null | undefined,
): Promise<Connection<FeatureVector>> {
  const limit = pageSize(first);
  const cursor = decodeCursor(after, ['hex', 'uuid'] as const);
  const [pairs, [{ total }]] = await Promise.all([
    db.query(
      `SELECT user_key, listing_id::text AS listing_id, min(occurred_at) AS first_at, bool_or(type = 'ORDER') AS ordered
         FROM analytics.interactions
        WHERE user_key IS NOT NULL AND listing_id IS NOT NULL ${cursor ? 'AND (user_key, listing_id) > ($2, $3::uuid)' : ''}
        GROUP BY user_key, listing_id ORDER BY user_key, listing_id LIMIT $1`,
      cursor ? [limit + 1, cursor[0], cursor[1]] : [limit + 1],
    ) as Promise<PairRow[]>,
    db.query(
      `SELECT count(*)::int AS total FROM (SELECT DISTINCT user_key, listing_id FROM analytics.interactions
        WHERE user_key IS NOT NULL AND listing_id IS NOT NULL) p`,
    ) as Promise<Array<{ total: number }>>,
  ]);
  const page = pairs.slice(0, limit);
  const facts = page.length ? await featureFacts(db, page) : [];
  const byPair = new Map(facts.map((f) => [`${f.user_key}|${f.listing_id}`, f]));
  const rows: FeatureVector[] = pairs.map((p) => {
    const at = new Date(p.first_at);
    const f = byPair.get(`${p.user_key}|${p.listing_id}`);
    return {
      userKey: p.user_key,
      listingId: p.listing_id,
      features: f ? computeFeatures(f, at) : {},
      label: p.ordered,
      occurredAt: at,
    };
  });
  return toConnection(rows, limit, total, (r) => encodeCursor([r.userKey, r.listingId]));
}

function featureFacts(db: DataSource, pairs: PairRow[]): Promise<FeatureRow[]> {
  return db.query(
    `WITH pairs AS (SELECT * FROM unnest($1::text[], $2::uuid[], $3::timestamptz[]) AS p(user_key, listing_id, at))
     SELECT p.user_key, p.listing_id::text AS listing_id,
            l.price_per_kg::float8 AS price, l.available_kg::float8 AS available, l.product_type, l.province,
            l.social_impact_score, l.certification_count, l.created_at,
            m.median::float8 AS market_median,
            b.searches, b.match_requests, b.views, b.orders,
            c.criteria, sl.seller_listings, so.seller_orders, so.seller_cancelled
       FROM pairs p
       LEFT JOIN analytics.listings l ON l.listing_id = p.listing_id
       LEFT JOIN LATERAL (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x.price_per_kg) AS median
                            FROM analytics.listings x WHERE x.product_type = l.product_type AND x.status = 'ACTIVE') m ON true
       LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE i.type = 'SEARCH')::int AS searches,
                                 count(*) FILTER (WHERE i.type = 'MATCH_REQUEST')::int AS match_requests,
                                 count(*) FILTER (WHERE i.type = 'LISTING_VIEW')::int AS views,
                                 count(*) FILTER (WHERE i.type = 'ORDER')::int AS orders
                            FROM analytics.interactions i WHERE i.user_key = p.user_key AND i.occurred_at < p.at) b ON true
       LEFT JOIN LATERAL (SELECT i.metadata -> 'criteria' AS criteria FROM analytics.interactions i
                           WHERE i.user_key = p.user_key AND i.occurred_at <= p.at AND i.type IN ('SEARCH', 'MATCH_REQUEST')
                           ORDER BY (i.product_type IS NOT DISTINCT FROM l.product_type) DESC, i.occurred_at DESC LIMIT 1) c ON true
       LEFT JOIN LATERAL (SELECT count(*)::int AS seller_listings FROM analytics.listings y WHERE y.seller_key = l.seller_key) sl ON l.seller_key IS NOT NULL
       LEFT JOIN LATERAL (SELECT count(*)::int AS seller_orders, count(o.cancelled_at)::int AS seller_cancelled
                            FROM analytics.orders o WHERE o.seller_key = l.seller_key AND o.placed_at < p.at) so ON l.seller_key IS NOT NULL`,
    [pairs.map((p) => p.user_key), pairs.map((p) => p.listing_id), pairs.map((p) => new Date(p.first_at))],
  );
}
