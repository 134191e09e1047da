import { In, type EntityManager } from 'typeorm';
import type { ProductType, Province } from '#platform/infra/schema/shared-types';
import { preparedQueryIn } from '#platform/infra/db/prepared';
import { distanceTable, type Candidate, type ScoreWeights } from './match.scoring';
import { ListingEntity } from '../listing/listing.entity';
import { MATCH_PROVINCE_ORDER } from './provinces';
import { CANDIDATES_SQL, PILOT_PER_RANGE } from './match.candidates-sql';

export { CANDIDATES_SQL };

/** A listing as the pre-selection returns it: what scoring reads, from the index (match.candidates-sql.ts). */
export interface CandidateRow {
  id: string;
  match_price: number;
  match_available: number;
  /** 1-based, in MATCH_PROVINCE_ORDER. */
  match_province: number;
  /** min(certifications, 3): all the quality score reads of them. */
  match_certifications: number;
  social_impact_score: number;
  created_at: Date;
  confirmed_orders: number;
  /** The SQL score, the order of the pre-selection (rescored by match.scoring.ts). */
  score: number;
}

/** The statement's last row: the reference only (id null). */
interface ReferenceRow {
  id: null;
  reference_price: number | null;
  reference_computed: boolean;
  reference_version: string | null;
  reference_count: number | null;
  /** The threshold the statement pruned with (float8, −Infinity when it read every row). */
  threshold: number | string;
}

/** The reference the statement used, and whether it computed the median itself (to be stored: match.reference-price.ts). */
export interface ReferenceInfo {
  price: number | null;
  /** True when no fresh stored median existed and the statement computed it from the listings. */
  computed: boolean;
  /** price_reference.version in the statement's snapshot (null: no row yet). */
  version: string | null;
  listingCount: number | null;
}

export interface CandidateRequest {
  buyerId: string;
  productType: ProductType;
  quantityKg: string;
  maxPrice: string | null;
  province: Province | null;
  weights: ScoreWeights;
  limit: number;
  /** The pooled median with external offers, when the request has one. */
  knownReference: number | null;
}

/**
 * CANDIDATES_SQL's parameters in their order (match.candidates-sql.ts): the request, the reference
 * price when already known, and the pruning threshold (null: the pilot's; -Infinity: read every row).
 */
export function candidateParams(req: CandidateRequest, reference: number | null, threshold: number | null): unknown[] {
  return [
    req.productType,
    req.maxPrice,
    req.quantityKg,
    req.weights.price,
    req.weights.distance,
    req.weights.quantity,
    req.weights.quality,
    req.weights.socialImpact,
    distanceTable(req.province),
    req.buyerId,
    req.limit,
    reference,
    threshold === null ? null : Number.isFinite(threshold) ? threshold : '-Infinity',
    PILOT_PER_RANGE,
  ];
}

/** The K-th best SQL score of the rows read, or null with fewer than K. */
function kthScore(rows: CandidateRow[], k: number): number | null {
  if (rows.length < k) return null;
  return rows.map((r) => Number(r.score)).sort((a, b) => b - a)[k - 1];
}

/**
 * The top K listings of the request, exactly as a scan of every listing of the type would rank
 * them (the pruning argument is in match.candidates-sql.ts), and the reference price used.
 *
 * The first statement prunes with its pilot's threshold, which passes the check by construction;
 * the loop is the check itself, so that the result never rests on that argument alone: a failed
 * check runs again with the K-th score read as threshold, whose rows are a superset (same
 * snapshot: run it in a REPEATABLE READ transaction), and a result short of K rows with a finite
 * threshold runs again reading every row.
 */
export async function selectCandidates(
  em: EntityManager,
  req: CandidateRequest,
): Promise<{ rows: CandidateRow[]; reference: ReferenceInfo }> {
  let threshold: number | null = null; // the pilot's
  let reference: ReferenceInfo | null = null;
  for (let round = 1; ; round++) {
    const out: Array<CandidateRow | ReferenceRow> = await preparedQueryIn(
      em,
      CANDIDATES_SQL,
      candidateParams(
        req,
        req.knownReference ?? (req.maxPrice === null ? (reference?.price ?? null) : null),
        threshold,
      ),
    );
    const rows = out.filter((r): r is CandidateRow => r.id !== null);
    const last = out.find((r): r is ReferenceRow => r.id === null)!;
    // The first statement's reference is the one to report and store; later ones are handed it.
    reference ??= {
      price: last.reference_price === null ? null : Number(last.reference_price),
      computed: last.reference_computed,
      version: last.reference_version,
      listingCount: last.reference_count,
    };
    const used = Number(last.threshold);
    const kth = kthScore(rows, req.limit);
    const readAll = threshold === -Infinity || used === -Infinity;
    if (readAll || reference.price === null || (kth !== null && kth >= used)) return { rows, reference };
    // Not reached with one snapshot; the statement after a second one reads every row, come what may.
    threshold = kth === null || round >= 2 || Number.isNaN(used) ? -Infinity : kth;
  }
}

/**
 * How far a score computed here (match.scoring.ts) may lie from the SQL score of the same row. Both
 * sum the same five terms in the same order in float8, from the same doubles, but for one: a
 * listing's social impact score is a float4 column, which SQL widens exactly to float8 while the
 * driver hands over its shortest decimal text (0.35 rather than 0.3499999940395355). The difference
 * is at most 2⁻²⁴ × the social impact weight (≤ 1); this bound is sixteen times that.
 */
export const SCORE_AGREEMENT = 1e-6;

/** How much larger K gets when a pre-selection's cut could have changed the top. */
export const WIDEN_FACTOR = 4;

/** One pre-selection's cut: the rows it returned for its limit K, and the lowest SQL score among them. */
export interface PreselectionCut {
  rows: number;
  limit: number;
  /** Null when no row came back. */
  lastScore: number | null;
}

/** The lowest SQL score of a pre-selection's rows (in whatever order they came), or null without rows. */
export function lastSqlScore(rows: ReadonlyArray<{ score: number | string }>): number | null {
  let lowest: number | null = null;
  for (const r of rows) {
    const score = Number(r.score);
    if (lowest === null || score < lowest) lowest = score;
  }
  return lowest;
}

/**
 * Whether the best `results` of the rescored candidates (`kept`, best first) are exactly the best
 * over every row the pre-selections could have returned. A pre-selection that returned fewer rows
 * than its K returned every row it could. One that stopped at K left out only rows whose SQL score
 * is at most its last row's, so whose score here is at most that plus SCORE_AGREEMENT: none of
 * them can reach the top when the last kept score is above that (strictly, so a tie broken by
 * price, age or id cannot reach it either). A top short of `results` rows while some pre-selection
 * stopped at K (K below `results`) is never exact.
 */
export function exactWithin(
  kept: ReadonlyArray<{ score: number }>,
  results: number,
  cuts: readonly PreselectionCut[],
): boolean {
  const stopped = cuts.filter((c) => c.rows >= c.limit);
  if (!stopped.length) return true;
  if (kept.length < results) return false;
  const last = kept[results - 1].score;
  return stopped.every((c) => c.lastScore === null || last > c.lastScore + SCORE_AGREEMENT);
}

/**
 * A pre-selected listing as the scoring sees it. Prices and quantities come from the float8 columns
 * (Number of the numeric's text is the same double); the certifications are only counted here (up
 * to the cap, as scoring counts them): their names and the social impact labels, which only the
 * explanation reads, come with fullListings for the listings kept.
 */
export function listingCandidate(r: CandidateRow): Candidate {
  return {
    id: r.id,
    source: 'INTERNAL',
    pricePerKg: String(r.match_price),
    availableKg: String(r.match_available),
    province: MATCH_PROVINCE_ORDER[r.match_province - 1],
    certifications: Array.from({ length: r.match_certifications }, () => ''),
    confirmedOrders: Number(r.confirmed_orders),
    socialImpactScore: Number(r.social_impact_score),
    socialImpactLabels: [],
    createdAt: r.created_at,
  };
}

function socialImpactLabels(r: ListingEntity): string[] {
  const labels: string[] = [];
  if (r.smallScaleFarmer) labels.push('small-scale farmer');
  if (r.womenOwned) labels.push('women-owned');
  if (r.youthOwned) labels.push('youth-owned');
  if (r.communityOwned) labels.push('community-owned');
  if (r.beeLevel) labels.push(`B-BBEE level ${r.beeLevel}`);
  return labels;
}

/**
 * The kept listings in full, for their explanations: the scored candidate with the row's own texts
 * (price, quantity, certification names, social impact labels). Same transaction, same snapshot,
 * so the numbers agree with those scored. The rows come back too: the caller hands them to the
 * request's listing loader, so `Match.listing` reads nothing again.
 */
export async function fullListings(
  em: EntityManager,
  kept: Candidate[],
): Promise<{ candidates: Map<string, Candidate>; rows: ListingEntity[] }> {
  if (!kept.length) return { candidates: new Map(), rows: [] };
  const rows = await em.getRepository(ListingEntity).findBy({ id: In(kept.map((c) => c.id)) });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const candidates = new Map<string, Candidate>();
  for (const c of kept) {
    const r = byId.get(c.id);
    if (!r) continue;
    candidates.set(c.id, {
      ...c,
      pricePerKg: r.pricePerKg,
      availableKg: r.availableKg,
      certifications: r.certifications,
      socialImpactLabels: socialImpactLabels(r),
    });
  }
  return { candidates, rows };
}
