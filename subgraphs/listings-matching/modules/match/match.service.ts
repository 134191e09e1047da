import type { DataSource, EntityManager } from 'typeorm';
import type { Viewer } from '#platform/infra/auth/viewer';
import type { ActiveConsent } from '#platform/contracts/consent-client';
import type { Outbox } from '#platform/infra/events/outbox';
import type { ProductType, Province } from '#platform/infra/schema/shared-types';
import { ListingStatus } from '../listing/listing-status';
import { parsePrice, parseQuantity } from '../listing/listing.validation';
import { decimal } from '../listing/listing.events';
import {
  permittedSources,
  pooledMedianPrice,
  selectExternalCandidates,
} from '../external-offer/external-offer.candidates';
import { MatchRequestEntity, MatchResultEntity } from './match.entity';
import type { MatchInput } from './match.input';
import {
  distanceTable,
  QUALITY,
  rankCandidates,
  resolveWeights,
  type Candidate,
  type ScoredCandidate,
  type ScoreWeights,
} from './match.scoring';
import { MatchSource } from './match.type';

export interface MatchLimits {
  /** Matches kept per request. */
  results: number;
  /** Candidates the SQL pre-selection returns for exact scoring. */
  candidates: number;
}

interface CandidateRow {
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

async function selectCandidates(
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

export interface MatchOutcome {
  request: MatchRequestEntity;
  results: MatchResultEntity[];
}

/**
 * Ranks the candidates for a buyer's request and stores the request with its matches and its
 * `match.requested` event, in one transaction. Scoring is documented in match.scoring.ts.
 *
 * `consents` are the buyer's ACTIVE consents, asked of identity-consent for this request (never
 * cached), or null when the buyer did not ask for external offers. External offers come only from
 * the sources those consents cover at the source's required level, so a withdrawal counts from
 * the very next request.
 */
export async function requestMatches(
  dataSource: DataSource,
  outbox: Outbox,
  viewer: Viewer,
  input: MatchInput,
  limits: MatchLimits,
  consents: readonly ActiveConsent[] | null,
): Promise<MatchOutcome> {
  const quantity = parseQuantity(input.quantityKg, 'input.quantityKg');
  const maxPrice =
    input.maxPricePerKg === undefined || input.maxPricePerKg === null
      ? null
      : parsePrice(input.maxPricePerKg, 'input.maxPricePerKg');
  const weights = resolveWeights(input.weights);
  const province = input.province ?? null;
  const candidateLimit = Math.max(limits.candidates, limits.results);
  const includeExternal = !!input.includeExternal;

  return dataSource.transaction(async (em) => {
    // A match request is derived data the buyer can ask for again: if the server crashed in the
    // few hundred ms before the WAL reaches disk, losing it is harmless, and not waiting for the
    // flush takes a disk sync off every request. Orders keep synchronous commits.
    await em.query(`SET LOCAL synchronous_commit = off`);
    const sources = includeExternal && consents ? await permittedSources(em, consents) : [];
    // With external offers in the pool, the reference (without a maximum) is the median of the pool.
    const pooledReference =
      sources.length && maxPrice === null ? await pooledMedianPrice(em, input.productType, sources) : null;
    const rows = await selectCandidates(
      em,
      viewer.userId,
      input.productType,
      quantity,
      maxPrice,
      province,
      weights,
      candidateLimit,
      pooledReference,
    );
    const referencePrice = maxPrice ?? pooledReference ?? rows[0]?.reference_price ?? null;
    let ranked: ScoredCandidate[] = [];
    if (referencePrice !== null) {
      const candidates: Candidate[] = rows.map((r) => ({
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
      }));
      if (sources.length) {
        candidates.push(
          ...(await selectExternalCandidates(em, {
            productType: input.productType,
            referencePrice: Number(referencePrice),
            maxPrice,
            quantityKg: quantity,
            weights,
            distances: distanceTable(province),
            sources,
            limit: candidateLimit,
          })),
        );
      }
      ranked = rankCandidates(
        candidates,
        {
          quantityKg: Number(quantity),
          province,
          referencePrice: Number(referencePrice),
          referenceIsMaxPrice: maxPrice !== null,
        },
        weights,
        limits.results,
      );
    }

    const requestRepo = em.getRepository(MatchRequestEntity);
    const [inserted] = await em.query(
      `INSERT INTO listings.match_requests (buyer_id, product_type, quantity_kg, max_price_per_kg, province, include_external, weights, reference_price_per_kg)
       VALUES ($1, $2, $3::numeric, $4::numeric, $5, $6, $7::jsonb, round($8::numeric, 2))
       RETURNING id, created_at`,
      [
        viewer.userId,
        input.productType,
        quantity,
        maxPrice,
        province,
        includeExternal,
        JSON.stringify(weights),
        referencePrice,
      ],
    );
    const request = requestRepo.create({
      id: inserted.id,
      buyerId: viewer.userId,
      productType: input.productType,
      quantityKg: quantity,
      maxPricePerKg: maxPrice,
      province,
      includeExternal,
      weights,
      referencePricePerKg: referencePrice === null ? null : Number(referencePrice).toFixed(2),
      createdAt: inserted.created_at,
    });

    const results = ranked.map((m, i) => {
      const external = m.candidate.source === 'EXTERNAL';
      return em.getRepository(MatchResultEntity).create({
        matchRequestId: request.id,
        rank: i + 1,
        source: external ? MatchSource.EXTERNAL : MatchSource.INTERNAL,
        listingId: external ? null : m.candidate.id,
        externalOfferId: external ? m.candidate.id : null,
        score: m.score,
        priceScore: m.breakdown.price,
        distanceScore: m.breakdown.distance,
        quantityScore: m.breakdown.quantity,
        qualityScore: m.breakdown.quality,
        socialImpactScore: m.breakdown.socialImpact,
        explanation: m.explanation,
      });
    });
    if (results.length) {
      // One multi-row INSERT for all matches.
      const values: unknown[] = [];
      const tuples = results.map((r) => {
        const base = values.length;
        values.push(
          r.matchRequestId,
          r.rank,
          r.source,
          r.listingId,
          r.externalOfferId,
          r.score,
          r.priceScore,
          r.distanceScore,
          r.quantityScore,
          r.qualityScore,
          r.socialImpactScore,
          r.explanation,
        );
        return `(${Array.from({ length: 12 }, (_, k) => `$${base + k + 1}`).join(', ')})`;
      });
      await em.query(
        `INSERT INTO listings.match_results (match_request_id, rank, source, listing_id, external_offer_id, score, price_score, distance_score, quantity_score, quality_score, social_impact_score, explanation)
         VALUES ${tuples.join(', ')}`,
        values,
      );
    }
    const listingIds = results.flatMap((r) => (r.listingId ? [r.listingId] : []));
    await outbox.add(em, {
      type: 'match.requested',
      payload: {
        matchRequestId: request.id,
        buyerId: viewer.userId,
        criteria: {
          productType: input.productType,
          ...(province ? { province } : {}),
          ...(maxPrice !== null ? { maxPricePerKg: decimal(maxPrice, 2) } : {}),
        },
        includeExternal,
        resultCount: results.length,
        quantityKg: decimal(quantity, 3),
        listingIds: listingIds.slice(0, 100),
        externalResultCount: results.length - listingIds.length,
      },
    });
    return { request, results };
  });
}
