import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Viewer } from '#platform/infra/auth/viewer';
import type { ActiveConsent } from '#platform/contracts/consent-client';
import type { Outbox } from '#platform/infra/events/outbox';
import { parsePrice, parseQuantity } from '../listing/listing.validation';
import { decimal } from '../listing/listing.events';
import type { ListingEntity } from '../listing/listing.entity';
import {
  permittedSources,
  pooledMedianPrice,
  selectExternalCandidates,
} from '../external-offer/external-offer.candidates';
import {
  exactWithin,
  fullListings,
  lastSqlScore,
  listingCandidate,
  selectCandidates,
  WIDEN_FACTOR,
  type PreselectionCut,
  type ReferenceInfo,
} from './match.candidates';
import { storeComputedReference } from './match.reference-price';
import { MatchRequestEntity, MatchResultEntity } from './match.entity';
import type { MatchInput } from './match.input';
import {
  compareScored,
  distanceTable,
  explain,
  resolveWeights,
  scoreOnly,
  type Candidate,
  type ScoredCandidate,
} from './match.scoring';
import { MatchSource } from './match.type';

// The pre-selection lives in match.candidates.ts; its SQL stays importable from here (bench/matching.bench.ts).
export { CANDIDATES_SQL } from './match.candidates';

export interface MatchLimits {
  /** Matches kept per request. */
  results: number;
  /** Candidates the SQL pre-selection returns for exact scoring. */
  candidates: number;
}

export interface MatchOutcome {
  request: MatchRequestEntity;
  results: MatchResultEntity[];
  /** The matched listings as the transaction read them, for the request's listing loader. */
  listings: ListingEntity[];
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

  // REPEATABLE READ: the pre-selection may take more than one statement (match.candidates.ts) and
  // its exactness needs them all to see the same listings. The transaction only inserts new rows,
  // so it never meets a serialization failure.
  const outcome = await dataSource.transaction(async (em) => {
    // One round trip after BEGIN (a statement list without parameters goes in one message):
    // - the isolation level, which must come before the transaction's first query;
    // - no wait for the WAL flush at commit. A match request is derived data the buyer can ask for
    //   again: if the server crashed in the few hundred ms before the WAL reaches disk, losing it is
    //   harmless. Orders keep synchronous commits.
    // - a generic plan for the pre-selection, a prepared statement whose plan is the same whatever
    //   the parameters (one index range per bucket, match.candidates.ts): planning it per request
    //   cost more than running it.
    await em.query(
      `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SET LOCAL synchronous_commit = off; SET LOCAL plan_cache_mode = force_generic_plan`,
    );
    const sources = includeExternal && consents ? await permittedSources(em, consents) : [];
    // With external offers in the pool, the reference (without a maximum) is the median of the pool.
    const pooledReference =
      sources.length && maxPrice === null ? await pooledMedianPrice(em, input.productType, sources) : null;
    const wanted = {
      buyerId: viewer.userId,
      productType: input.productType,
      quantityKg: quantity,
      maxPrice,
      province,
      weights,
      knownReference: pooledReference,
    };
    let ranked: ScoredCandidate[] = [];
    let listings: ListingEntity[] = [];
    let reference: ReferenceInfo | null = null;
    let referencePrice: string | number | null;
    // The pre-selections cut each source at K rows by the SQL score; scoring here keeps the best
    // limits.results. Widening K until exactWithin says the cut could not have changed that top is
    // what lets K start small (most requests: one round).
    for (let limit = candidateLimit; ; limit *= WIDEN_FACTOR) {
      const internal = await selectCandidates(em, {
        ...wanted,
        limit,
        // A later round is handed the first round's reference (same snapshot, same number): not computed again.
        knownReference: reference?.price ?? pooledReference,
      });
      reference ??= internal.reference;
      // As before: no median when there is no listing to rank against it.
      referencePrice = maxPrice ?? pooledReference ?? (internal.rows.length ? reference.price : null);
      if (referencePrice === null) break;
      const cuts: PreselectionCut[] = [{ rows: internal.rows.length, limit, lastScore: lastSqlScore(internal.rows) }];
      const candidates: Candidate[] = internal.rows.map(listingCandidate);
      if (sources.length) {
        const external = await selectExternalCandidates(em, {
          productType: input.productType,
          referencePrice: Number(referencePrice),
          maxPrice,
          quantityKg: quantity,
          weights,
          distances: distanceTable(province),
          sources,
          limit,
        });
        cuts.push({ rows: external.length, limit, lastScore: lastSqlScore(external) });
        candidates.push(...external.map((e) => e.candidate));
      }
      const criteria = {
        quantityKg: Number(quantity),
        province,
        referencePrice: Number(referencePrice),
        referenceIsMaxPrice: maxPrice !== null,
      };
      // Scored on what the index gave; only the kept listings are read in full, for their explanations.
      const kept = candidates
        .map((c) => scoreOnly(c, criteria, weights))
        .sort(compareScored)
        .slice(0, limits.results);
      if (!exactWithin(kept, limits.results, cuts)) continue;
      const full = await fullListings(
        em,
        kept.flatMap((k) => (k.candidate.source === 'INTERNAL' ? [k.candidate] : [])),
      );
      listings = full.rows;
      ranked = kept.map((k) => {
        const candidate = full.candidates.get(k.candidate.id) ?? k.candidate;
        return { ...k, candidate, explanation: explain(candidate, criteria, weights, k.breakdown) };
      });
      break;
    }

    // The request, its matches and its event in one statement: the request's id is chosen here.
    const requestId = randomUUID();
    const results = ranked.map((m, i) => {
      const external = m.candidate.source === 'EXTERNAL';
      return em.getRepository(MatchResultEntity).create({
        matchRequestId: requestId,
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
    const values: unknown[] = [
      requestId,
      viewer.userId,
      input.productType,
      quantity,
      maxPrice,
      province,
      includeExternal,
      JSON.stringify(weights),
      referencePrice,
    ];
    const tuples = results.map((r) => {
      const base = values.length;
      values.push(
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
      return `($1, ${Array.from({ length: 11 }, (_, k) => `$${base + k + 1}`).join(', ')})`;
    });
    const listingIds = results.flatMap((r) => (r.listingId ? [r.listingId] : []));
    const { result: inserted } = await outbox.addWithin(
      em,
      {
        type: 'match.requested',
        payload: {
          matchRequestId: requestId,
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
      },
      values.length + 1,
      (insertEvent, eventParams) =>
        em.query(
          `WITH request AS (
             INSERT INTO listings.match_requests (id, buyer_id, product_type, quantity_kg, max_price_per_kg, province, include_external, weights, reference_price_per_kg)
             VALUES ($1, $2, $3, $4::numeric, $5::numeric, $6, $7, $8::jsonb, round($9::numeric, 2))
             RETURNING created_at
           )${
             tuples.length
               ? `, results AS (
             INSERT INTO listings.match_results (match_request_id, rank, source, listing_id, external_offer_id, score, price_score, distance_score, quantity_score, quality_score, social_impact_score, explanation)
             VALUES ${tuples.join(', ')}
           )`
               : ''
           }, event AS (${insertEvent})
           SELECT created_at FROM request`,
          [...values, ...eventParams],
        ) as Promise<Array<{ created_at: Date }>>,
    );
    const request = em.getRepository(MatchRequestEntity).create({
      id: requestId,
      buyerId: viewer.userId,
      productType: input.productType,
      quantityKg: quantity,
      maxPricePerKg: maxPrice,
      province,
      includeExternal,
      weights,
      referencePricePerKg: referencePrice === null ? null : Number(referencePrice).toFixed(2),
      createdAt: inserted[0].created_at,
    });
    return { outcome: { request, results, listings }, reference: reference! };
  });
  // Losing this write costs the next request a recomputation, never a wrong median.
  await storeComputedReference(dataSource, input.productType, outcome.reference).catch(() => undefined);
  return outcome.outcome;
}
