import { Province } from '#platform/infra/schema/shared-types';
import { GraphQLError } from 'graphql';
import {
  compareScored,
  DEFAULT_WEIGHTS,
  distanceScore,
  priceScore,
  qualityScore,
  rankCandidates,
  resolveWeights,
  scoreCandidate,
  type Candidate,
} from './match.scoring';
import { MATCH_PROVINCE_ORDER, MAX_PROVINCE_DISTANCE_KM, provinceDistanceKm } from './provinces';

const criteria = { quantityKg: 100, province: Province.GAUTENG, referencePrice: 50, referenceIsMaxPrice: false };

function candidate(overrides: Partial<Candidate> = {}): Candidate {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    source: 'INTERNAL',
    pricePerKg: '50.00',
    availableKg: '100.000',
    province: Province.GAUTENG,
    certifications: [],
    confirmedOrders: 0,
    socialImpactScore: 0,
    socialImpactLabels: [],
    createdAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

function codeOf(fn: () => unknown): { code?: unknown; field?: unknown } {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions as { code?: unknown; field?: unknown };
  }
  return {};
}

describe('match scoring', () => {
  it('scores price monotonically: 0.5 at the reference, 1 when free, 0 at twice the reference', () => {
    expect(priceScore(50, 50)).toBe(0.5);
    expect(priceScore(0, 50)).toBe(1);
    expect(priceScore(100, 50)).toBe(0);
    expect(priceScore(500, 50)).toBe(0);
    for (let p = 1; p < 100; p++) expect(priceScore(p, 50)).toBeGreaterThan(priceScore(p + 1, 50));
  });

  it('measures distance between province centroids, symmetric and normalised', () => {
    expect(distanceScore(Province.GAUTENG, Province.GAUTENG)).toBe(1);
    expect(distanceScore(null, Province.LIMPOPO)).toBe(0.5);
    const provinces = Object.values(Province);
    for (const a of provinces) {
      for (const b of provinces) {
        expect(provinceDistanceKm(a, b)).toBeCloseTo(provinceDistanceKm(b, a), 9);
        expect(distanceScore(a, b)).toBeGreaterThanOrEqual(0);
      }
    }
    // centroid to centroid, Gauteng to the Western Cape is about 980 km; the largest pair scores 0
    expect(provinceDistanceKm(Province.GAUTENG, Province.WESTERN_CAPE)).toBeGreaterThan(900);
    expect(MAX_PROVINCE_DISTANCE_KM).toBeGreaterThan(1200);
    expect(Math.min(...provinces.flatMap((a) => provinces.map((b) => distanceScore(a, b))))).toBe(0);
  });

  it('numbers every province once for listings.match_province', () => {
    expect([...MATCH_PROVINCE_ORDER].sort()).toEqual(Object.values(Province).sort());
  });

  it('caps quality at three certifications and ten confirmed orders', () => {
    expect(qualityScore(0, 0)).toBe(0);
    expect(qualityScore(3, 10)).toBeCloseTo(1, 12);
    expect(qualityScore(9, 99)).toBeCloseTo(1, 12);
  });

  it('resolves weights: overrides one by one, normalised, refused when negative or all zero', () => {
    const sum = (w: object) => (Object.values(w) as number[]).reduce((a, b) => a + b, 0);
    expect(sum(resolveWeights(undefined))).toBeCloseTo(1, 12);
    expect(resolveWeights(undefined)).toEqual(DEFAULT_WEIGHTS);
    const noImpact = resolveWeights({ socialImpact: 0 });
    expect(noImpact.socialImpact).toBe(0);
    expect(sum(noImpact)).toBeCloseTo(1, 12);
    expect(noImpact.price / noImpact.quantity).toBeCloseTo(DEFAULT_WEIGHTS.price / DEFAULT_WEIGHTS.quantity, 12);
    expect(codeOf(() => resolveWeights({ price: -0.1 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.weights.price',
    });
    expect(codeOf(() => resolveWeights({ distance: Number.POSITIVE_INFINITY }))).toMatchObject({
      field: 'input.weights.distance',
    });
    expect(
      codeOf(() => resolveWeights({ price: 0, distance: 0, quantity: 0, quality: 0, socialImpact: 0 })),
    ).toMatchObject({ field: 'input.weights' });
  });

  it('keeps every score within [0, 1] and equal to the weighted breakdown', () => {
    const weights = resolveWeights({ price: 3, socialImpact: 2 });
    const s = scoreCandidate(
      candidate({ pricePerKg: '20.00', certifications: ['organic'], confirmedOrders: 4, socialImpactScore: 0.7 }),
      criteria,
      weights,
    );
    const b = s.breakdown;
    expect(s.score).toBeCloseTo(
      weights.price * b.price +
        weights.distance * b.distance +
        weights.quantity * b.quantity +
        weights.quality * b.quality +
        weights.socialImpact * b.socialImpact,
      12,
    );
    expect(s.score).toBeGreaterThan(0);
    expect(s.score).toBeLessThanOrEqual(1);
    expect(s.explanation).toContain('R20.00/kg is 60% below the market median of R50.00/kg');
    expect(s.explanation).toContain('seller has 4 confirmed orders');
  });

  it('orders ties by price, then age, then id', () => {
    const weights = resolveWeights({ price: 0 });
    const older = candidate({ id: 'b', createdAt: new Date('2025-01-01T00:00:00Z') });
    const sameAgeLowerId = candidate({ id: 'a' });
    const sameAgeHigherId = candidate({ id: 'c' });
    const cheaper = candidate({ id: 'z', pricePerKg: '10.00' });
    const ranked = rankCandidates([sameAgeHigherId, cheaper, sameAgeLowerId, older], criteria, weights, 10).map(
      (s) => s.candidate.id,
    );
    expect(ranked).toEqual(['z', 'b', 'a', 'c']);
    const a = scoreCandidate(sameAgeLowerId, criteria, weights);
    expect(compareScored(a, a)).toBe(0);
  });

  it('scores an external offer by the same function: cheaper than an otherwise equal listing ranks higher', () => {
    const listing = candidate({ id: 'listing', pricePerKg: '50.00', certifications: ['organic'] });
    const offer = candidate({ id: 'offer', source: 'EXTERNAL', pricePerKg: '49.00', certifications: ['organic'] });
    const ranked = rankCandidates([listing, offer], criteria, DEFAULT_WEIGHTS, 10);
    expect(ranked.map((r) => r.candidate.id)).toEqual(['offer', 'listing']);
    const [o, l] = ranked;
    expect(o.breakdown.quality).toBe(l.breakdown.quality);
    expect(o.breakdown.distance).toBe(l.breakdown.distance);
    expect(o.breakdown.price).toBeGreaterThan(l.breakdown.price);
    expect(o.explanation).toContain('quality counts certifications only');
  });

  it('scores distance 0.5 for an external offer without a province', () => {
    const s = scoreCandidate(candidate({ source: 'EXTERNAL', province: null }), criteria, DEFAULT_WEIGHTS);
    expect(s.breakdown.distance).toBe(0.5);
    expect(s.explanation).toContain('The source gave no province');
  });
});
