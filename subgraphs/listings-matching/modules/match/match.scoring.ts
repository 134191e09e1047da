import { BadUserInputError } from '#platform/infra/errors';
import type { Province } from '#platform/infra/schema/shared-types';
import { MATCH_PROVINCE_ORDER, MAX_PROVINCE_DISTANCE_KM, provinceDistanceKm, provinceLabel } from './provinces';

/**
 * How a listing, or an external offer, is scored against a match request: both by this one
 * function, so an external offer and a listing that differ only in price rank by price.
 *
 * score = Σ weightᵢ × componentᵢ over the five components below, each in [0, 1], with the weights
 * normalised to sum to 1 (so the score is in [0, 1] too).
 *
 * - price:     1 − price / (2 × reference), clamped to [0, 1]. The reference is the buyer's
 *              maxPricePerKg when given (listings above it are not candidates at all), otherwise
 *              the median price of the ACTIVE listings with stock of that product type. At the
 *              reference the component is 0.5; free would be 1; twice the reference or more is 0.
 *              Strictly decreasing in price, so a cheaper listing never scores lower on price.
 * - distance:  1 − d / dmax, d the haversine distance between the buyer's and the listing's
 *              province centroids, dmax the largest centroid distance in the country (Western Cape
 *              to Limpopo). Same province = 1. Without a buyer province: 0.5 for every listing.
 * - quantity:  availableKg / requested, capped at 1 (a listing covering the whole order scores 1).
 * - quality:   0.6 × min(certifications, 3) / 3 + 0.4 × min(confirmed orders, 10) / 10. The data we
 *              hold on quality are the listing's certifications and the seller's track record
 *              (orders confirmed and not cancelled, kept in listings.seller_stats); identity holds
 *              no "verified seller" flag, so the track record stands in for it.
 * - social impact: the listing's social impact score (social-impact.ts).
 *
 * External offers (includeExternal, consented sources only): the same five components, with what
 * the sources do not tell us set to its neutral or empty value. Distance is 0.5 when the source gave
 * no province; quality is the certification part only (there is no track record of an external
 * supplier here, so that part is 0, as for a seller without confirmed orders); social impact is 0
 * (the sources report none). The price reference, when the buyer gives no maximum, is the median
 * over listings and the consented sources' offers together.
 *
 * Ties (equal score) go to the cheaper listing, then the older one, then the lower id, so the
 * order is total and repeatable.
 */

export interface ScoreWeights {
  price: number;
  distance: number;
  quantity: number;
  quality: number;
  socialImpact: number;
}

export const WEIGHT_NAMES = ['price', 'distance', 'quantity', 'quality', 'socialImpact'] as const;

/** Price matters most to buyers; the rest share what is left, quantity a little more. */
export const DEFAULT_WEIGHTS: ScoreWeights = {
  price: 0.35,
  distance: 0.15,
  quantity: 0.2,
  quality: 0.15,
  socialImpact: 0.15,
};
export const WEIGHT_MAX = 1000;

export const QUALITY = {
  certificationWeight: 0.6,
  certificationCap: 3,
  trackRecordWeight: 0.4,
  trackRecordCap: 10,
} as const;
export const NO_PROVINCE_DISTANCE_SCORE = 0.5;

/** Given weights replace the defaults one by one; the result is normalised to sum to 1. */
export function resolveWeights(
  input: Partial<Record<keyof ScoreWeights, number | null>> | null | undefined,
): ScoreWeights {
  const merged: ScoreWeights = { ...DEFAULT_WEIGHTS };
  for (const name of WEIGHT_NAMES) {
    const value = input?.[name];
    if (value === undefined || value === null) continue;
    if (!Number.isFinite(value) || value < 0 || value > WEIGHT_MAX) {
      throw new BadUserInputError(`weights.${name} must be a number from 0 to ${WEIGHT_MAX}`, `input.weights.${name}`);
    }
    merged[name] = value;
  }
  const sum = WEIGHT_NAMES.reduce((s, n) => s + merged[n], 0);
  if (sum <= 0) throw new BadUserInputError('At least one weight must be above zero', 'input.weights');
  const out = { ...merged };
  for (const name of WEIGHT_NAMES) out[name] = merged[name] / sum;
  return out;
}

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);

export function priceScore(price: number, reference: number): number {
  return clamp01(1 - price / (2 * reference));
}

export function distanceScore(buyer: Province | null, seller: Province | null): number {
  if (!buyer || !seller) return NO_PROVINCE_DISTANCE_SCORE;
  return clamp01(1 - provinceDistanceKm(buyer, seller) / MAX_PROVINCE_DISTANCE_KM);
}

/** The distance component for every province, indexed like listings.match_province (1-based), for the SQL pre-selection. */
export function distanceTable(buyer: Province | null): number[] {
  return MATCH_PROVINCE_ORDER.map((p) => distanceScore(buyer, p));
}

export function quantityScore(availableKg: number, requestedKg: number): number {
  return Math.min(1, availableKg / requestedKg);
}

export function qualityScore(certifications: number, confirmedOrders: number): number {
  return (
    (QUALITY.certificationWeight * Math.min(certifications, QUALITY.certificationCap)) / QUALITY.certificationCap +
    (QUALITY.trackRecordWeight * Math.min(confirmedOrders, QUALITY.trackRecordCap)) / QUALITY.trackRecordCap
  );
}

export interface Candidate {
  /** A listing id (INTERNAL) or an external offer id (EXTERNAL). */
  id: string;
  source: 'INTERNAL' | 'EXTERNAL';
  pricePerKg: string;
  availableKg: string;
  /** Null only for an external offer whose source gave none. */
  province: Province | null;
  certifications: string[];
  confirmedOrders: number;
  socialImpactScore: number;
  socialImpactLabels: string[];
  createdAt: Date;
}

export interface MatchCriteria {
  quantityKg: number;
  province: Province | null;
  referencePrice: number;
  referenceIsMaxPrice: boolean;
}

export interface ScoredCandidate {
  candidate: Candidate;
  score: number;
  breakdown: ScoreWeights;
  explanation: string;
}

export function scoreCandidate(c: Candidate, criteria: MatchCriteria, weights: ScoreWeights): ScoredCandidate {
  const { score, breakdown } = scoreOnly(c, criteria, weights);
  return { candidate: c, score, breakdown, explanation: explain(c, criteria, weights, breakdown) };
}

/** The score and its components, without the explanation (which reads what only the full row has). */
export function scoreOnly(
  c: Candidate,
  criteria: MatchCriteria,
  weights: ScoreWeights,
): Omit<ScoredCandidate, 'explanation'> {
  const breakdown: ScoreWeights = {
    price: priceScore(Number(c.pricePerKg), criteria.referencePrice),
    distance: distanceScore(criteria.province, c.province),
    quantity: quantityScore(Number(c.availableKg), criteria.quantityKg),
    quality: qualityScore(c.certifications.length, c.confirmedOrders),
    socialImpact: c.socialImpactScore,
  };
  // Summed in WEIGHT_NAMES order, as the SQL pre-selection does.
  const score =
    weights.price * breakdown.price +
    weights.distance * breakdown.distance +
    weights.quantity * breakdown.quantity +
    weights.quality * breakdown.quality +
    weights.socialImpact * breakdown.socialImpact;
  return { candidate: c, score, breakdown };
}

/** Best first; ties to the cheaper, then the older listing, then the lower id. */
export function compareScored(
  a: Pick<ScoredCandidate, 'candidate' | 'score'>,
  b: Pick<ScoredCandidate, 'candidate' | 'score'>,
): number {
  if (a.score !== b.score) return b.score - a.score;
  const price = Number(a.candidate.pricePerKg) - Number(b.candidate.pricePerKg);
  if (price !== 0) return price;
  const age = a.candidate.createdAt.getTime() - b.candidate.createdAt.getTime();
  if (age !== 0) return age;
  return a.candidate.id < b.candidate.id ? -1 : a.candidate.id > b.candidate.id ? 1 : 0;
}

export function rankCandidates(
  candidates: Candidate[],
  criteria: MatchCriteria,
  weights: ScoreWeights,
  limit: number,
): ScoredCandidate[] {
  return candidates
    .map((c) => scoreCandidate(c, criteria, weights))
    .sort(compareScored)
    .slice(0, limit);
}

const LABELS: Record<keyof ScoreWeights, string> = {
  price: 'price',
  distance: 'distance',
  quantity: 'quantity',
  quality: 'quality',
  socialImpact: 'social impact',
};

function kg(value: number): string {
  return `${Number(value.toFixed(3))} kg`;
}

/** One readable paragraph: what helped most, then each component in plain words. */
export function explain(c: Candidate, criteria: MatchCriteria, weights: ScoreWeights, b: ScoreWeights): string {
  const contributions = WEIGHT_NAMES.filter((n) => weights[n] > 0)
    .map((n) => ({ n, v: weights[n] * b[n] }))
    .sort((x, y) => y.v - x.v)
    .slice(0, 2)
    .map((x) => `${LABELS[x.n]} (${b[x.n].toFixed(2)})`);
  const price = Number(c.pricePerKg);
  const ref = criteria.referencePrice;
  const diff = Math.round(((price - ref) / ref) * 100);
  const relation = diff === 0 ? 'equal to' : diff < 0 ? `${-diff}% below` : `${diff}% above`;
  const refName = criteria.referenceIsMaxPrice ? 'your maximum' : 'the market median';
  const parts = [
    `Strongest on ${contributions.join(' and ')}.`,
    `R${price.toFixed(2)}/kg is ${relation} ${refName} of R${ref.toFixed(2)}/kg.`,
    !c.province
      ? 'The source gave no province (distance scored 0.5).'
      : criteria.province
        ? c.province === criteria.province
          ? `In your province (${provinceLabel(c.province)}).`
          : `${provinceLabel(c.province)} is about ${Math.round(provinceDistanceKm(criteria.province, c.province))} km from ${provinceLabel(criteria.province)}.`
        : `From ${provinceLabel(c.province)} (no buyer province given, distance not compared).`,
    Number(c.availableKg) >= criteria.quantityKg
      ? `${kg(Number(c.availableKg))} available covers the ${kg(criteria.quantityKg)} requested.`
      : `${kg(Number(c.availableKg))} available covers ${Math.round(b.quantity * 100)}% of the ${kg(criteria.quantityKg)} requested.`,
    c.source === 'EXTERNAL'
      ? `${c.certifications.length ? `Certified: ${c.certifications.join(', ')}` : 'No certifications'}; an offer from a consented external source, so quality counts certifications only.`
      : `${c.certifications.length ? `Certified: ${c.certifications.join(', ')}` : 'No certifications'}; seller has ${c.confirmedOrders} confirmed order${c.confirmedOrders === 1 ? '' : 's'}.`,
    c.socialImpactLabels.length
      ? `Social impact ${c.socialImpactScore.toFixed(2)}: ${c.socialImpactLabels.join(', ')}.`
      : 'No social impact attributes.',
  ];
  if (weights.socialImpact === 0) parts.pop();
  return parts.join(' ');
}
