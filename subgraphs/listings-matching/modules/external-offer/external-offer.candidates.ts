import type { EntityManager } from 'typeorm';
import { consentedSourceIds, type ActiveConsent } from '#platform/contracts/consent-client';
import type { AccessLevel, ProductType, Province } from '#platform/infra/schema/shared-types';
import { ListingStatus } from '../listing/listing-status';
import { NO_PROVINCE_DISTANCE_SCORE, QUALITY, type Candidate, type ScoreWeights } from '../match/match.scoring';

/**
 * The sources of the read model the buyer may be matched against right now: an ACTIVE consent
 * (asked of identity-consent for this request) at or above the source's required level. A source
 * this subgraph has not heard of yet (no crawl event) is never permitted.
 */
export async function permittedSources(em: EntityManager, consents: readonly ActiveConsent[]): Promise<string[]> {
  if (consents.length === 0) return [];
  const rows: Array<{ id: string; requiredAccessLevel: AccessLevel }> = await em.query(
    `SELECT source_id AS id, required_access_level AS "requiredAccessLevel" FROM listings.external_sources WHERE source_id = ANY($1::uuid[])`,
    [[...new Set(consents.map((c) => c.dataSourceId))]],
  );
  return [...consentedSourceIds(rows, consents)];
}

/**
 * The market median over everything the request ranks: ACTIVE listings with stock and the live
 * offers of the permitted sources, of one product type. It is the price reference when the buyer
 * gives no maximum, so listings and external offers are measured against the same number.
 */
export async function pooledMedianPrice(
  em: EntityManager,
  productType: ProductType,
  sources: string[],
): Promise<number | null> {
  const [row]: Array<{ price: number | null }> = await em.query(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY p) AS price FROM (
       SELECT m.match_price AS p FROM listings.listings m
        WHERE m.product_type = $1 AND m.status = '${ListingStatus.ACTIVE}' AND m.available_kg > 0
       UNION ALL
       SELECT o.match_price FROM listings.external_offers o
        WHERE o.product_type = $1 AND NOT o.gone AND o.source_id = ANY($2::uuid[])
     ) pool`,
    [productType, sources],
  );
  return row?.price === null || row?.price === undefined ? null : Number(row.price);
}

/**
 * The SQL pre-selection of external offers, scored by the same formula as listings (match.scoring.ts):
 * price against the same reference, distance from the same table (0.5 when the source gave no
 * province), quantity the same way. Quality is the certification part only: an external offer has
 * no track record here (the track-record part is 0, as for a listing whose seller has no confirmed
 * orders). Social impact is 0: the sources report none. Reads only
 * external_offers_match_candidates_idx, one range per (product type, permitted source).
 *
 * $1 product type, $2 reference price, $3 max price or null, $4 requested kg, $5..$8 normalised
 * weights (price, distance, quantity, quality), $9 distance score per match_province, $10 permitted
 * sources, $11 K.
 */
export const EXTERNAL_CANDIDATES_SQL = `
  WITH top AS (
    SELECT o.offer_id,
           ( $5::float8 * GREATEST(0, LEAST(1, 1 - o.match_price / (2 * $2::float8)))
           + $6::float8 * COALESCE(($9::float8[])[o.match_province], ${NO_PROVINCE_DISTANCE_SCORE}::float8)
           + $7::float8 * LEAST(1, o.match_available / $4::float8)
           + $8::float8 * ( ${QUALITY.certificationWeight}::float8 * o.match_certifications / ${QUALITY.certificationCap}) ) AS score
      FROM listings.external_offers o
     WHERE o.product_type = $1 AND NOT o.gone AND o.source_id = ANY($10::uuid[])
       AND ($3::float8 IS NULL OR o.match_price <= $3::float8)
     ORDER BY score DESC, o.match_price ASC, o.fetched_at ASC, o.offer_id ASC
     LIMIT $11
  )
  SELECT o.offer_id AS id, o.source_id, o.price_per_kg, o.quantity_kg, o.province, o.certifications, o.fetched_at, top.score
    FROM top JOIN listings.external_offers o ON o.offer_id = top.offer_id`;

interface ExternalCandidateRow {
  id: string;
  source_id: string;
  price_per_kg: string;
  quantity_kg: string;
  province: Province | null;
  certifications: string[];
  fetched_at: Date;
  /** The SQL score the pre-selection ranked by (match.candidates.ts exactWithin compares with it). */
  score: number;
}

export async function selectExternalCandidates(
  em: EntityManager,
  args: {
    productType: ProductType;
    referencePrice: number;
    maxPrice: string | null;
    quantityKg: string;
    weights: ScoreWeights;
    distances: number[];
    sources: string[];
    limit: number;
  },
): Promise<Array<{ candidate: Candidate; score: number }>> {
  const rows: ExternalCandidateRow[] = await em.query(EXTERNAL_CANDIDATES_SQL, [
    args.productType,
    args.referencePrice,
    args.maxPrice,
    args.quantityKg,
    args.weights.price,
    args.weights.distance,
    args.weights.quantity,
    args.weights.quality,
    args.distances,
    args.sources,
    args.limit,
  ]);
  return rows.map((r) => ({
    score: Number(r.score),
    candidate: {
      id: r.id,
      source: 'EXTERNAL',
      pricePerKg: r.price_per_kg,
      availableKg: r.quantity_kg,
      province: r.province,
      certifications: r.certifications,
      confirmedOrders: 0,
      socialImpactScore: 0,
      socialImpactLabels: [],
      createdAt: r.fetched_at,
    },
  }));
}
