import type { EntityManager } from 'typeorm';
import type { ProductType, Province } from '#platform/infra/schema/shared-types';
import { ListingStatus } from '../listing/listing-status';
import { distanceTable, QUALITY, type Candidate, type ScoreWeights } from './match.scoring';

export interface CandidateRow {
  id: string;
  price_per_kg: string;
  available_kg: string;
  province: Province;
  certifications: string[];
  social_impact_score: number;
  small_scale_farmer: boolean;
  women_owned: boolean;
  youth_owned: boolean;
  community_owned: boolean;
  bee_level: number | null;
  created_at: Date;
  confirmed_orders: number;
  reference_price: number | null;
}

/**
 * The SQL pre-selection: only ACTIVE listings with stock of the product type, at or under the
 * buyer's maximum price, not the buyer's own, ranked by the same weighted score the service
 * computes, cut to the top K; then the full rows of those K only. The scoring pass reads only
 * listings_match_candidates_idx (index-only: the match_* generated columns make every term plain
 * float arithmetic), so a request costs one index range per product type plus K row lookups.
 *
 * $1 product type, $2 max price or null, $3 requested kg, $4..$8 normalised weights (price,
 * distance, quantity, quality, social impact), $9 distance score per match_province, $10 buyer,
 * $11 K, $12 the price reference when already known (the pooled median with external offers), or null.
 */
export const CANDIDATES_SQL = `
  WITH ref AS (
    SELECT COALESCE($2::float8, $12::float8, (
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m.match_price)
        FROM listings.listings m
       WHERE m.product_type = $1 AND m.status = '${ListingStatus.ACTIVE}' AND m.available_kg > 0
    )) AS price
  ), top AS (
    SELECT l.id, l.match_price, l.created_at,
           ( $4::float8 * GREATEST(0, LEAST(1, 1 - l.match_price / (2 * ref.price)))
           + $5::float8 * ($9::float8[])[l.match_province]
           + $6::float8 * LEAST(1, l.match_available / $3::float8)
           + $7::float8 * ( ${QUALITY.certificationWeight}::float8 * l.match_certifications / ${QUALITY.certificationCap}
                          + ${QUALITY.trackRecordWeight}::float8 * LEAST(COALESCE(s.confirmed_orders, 0), ${QUALITY.trackRecordCap}) / ${QUALITY.trackRecordCap})
           + $8::float8 * l.social_impact_score ) AS score
      FROM listings.listings l
      CROSS JOIN ref
      LEFT JOIN listings.seller_stats s ON s.seller_id = l.seller_id
     WHERE l.product_type = $1 AND l.status = '${ListingStatus.ACTIVE}' AND l.available_kg > 0
       AND ($2::float8 IS NULL OR l.match_price <= $2::float8)
       AND l.seller_id <> $10::uuid
     ORDER BY score DESC, l.match_price ASC, l.created_at ASC, l.id ASC
     LIMIT $11
  )
  SELECT l.id, l.price_per_kg, l.available_kg, l.province, l.certifications, l.social_impact_score,
         l.small_scale_farmer, l.women_owned, l.youth_owned, l.community_owned, l.bee_level, l.created_at,
         COALESCE(s.confirmed_orders, 0) AS confirmed_orders, (SELECT price FROM ref) AS reference_price
    FROM top
    JOIN listings.listings l ON l.id = top.id
    LEFT JOIN listings.seller_stats s ON s.seller_id = l.seller_id`;

function socialImpactLabels(r: CandidateRow): string[] {
  const labels: string[] = [];
  if (r.small_scale_farmer) labels.push('small-scale farmer');
  if (r.women_owned) labels.push('women-owned');
  if (r.youth_owned) labels.push('youth-owned');
  if (r.community_owned) labels.push('community-owned');
  if (r.bee_level) labels.push(`B-BBEE level ${r.bee_level}`);
  return labels;
}

export async function selectCandidates(
  em: EntityManager,
  buyerId: string,
  productType: ProductType,
  quantityKg: string,
  maxPrice: string | null,
  province: Province | null,
  weights: ScoreWeights,
  limit: number,
  knownReference: number | null,
): Promise<CandidateRow[]> {
  return em.query(CANDIDATES_SQL, [
    productType,
    maxPrice,
    quantityKg,
    weights.price,
    weights.distance,
    weights.quantity,
    weights.quality,
    weights.socialImpact,
    distanceTable(province),
    buyerId,
    limit,
    knownReference,
  ]);
}

/** A pre-selected listing as the scoring sees it. */
export function listingCandidate(r: CandidateRow): Candidate {
  return {
    id: r.id,
    source: 'INTERNAL',
    pricePerKg: r.price_per_kg,
    availableKg: r.available_kg,
    province: r.province,
    certifications: r.certifications,
    confirmedOrders: Number(r.confirmed_orders),
    socialImpactScore: Number(r.social_impact_score),
    socialImpactLabels: socialImpactLabels(r),
    createdAt: r.created_at,
  };
}
