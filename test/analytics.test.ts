import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { experimentVariant, VARIANTS } from '../subgraphs/analytics/modules/experiment/experiment.service';
import { bucketsOf, validateRange, MAX_HOUR_BUCKETS } from '../subgraphs/analytics/modules/aggregate/aggregate.service';
import { Granularity } from '../subgraphs/analytics/modules/aggregate/aggregate.type';
import { computeFeatures } from '../subgraphs/analytics/modules/ml/ml.service';
import { FEATURE_DEFINITIONS } from '../subgraphs/analytics/modules/ml/feature.definitions';
import { OperationStats, OTHER_OPERATIONS } from '../gateway/edge/operation-stats';

const SECRET = 'unit-test-pseudonym-secret-0123456789';

describe('experimentVariant', () => {
  it('splits 10,000 users evenly (each variant within 50 % ± 2 %) and independently per experiment', () => {
    // Deterministic ids, so the tolerance is checked on the same population every run (no flakiness).
    const ids = Array.from({ length: 10_000 }, (_, i) => `00000000-0000-4000-8000-${i.toString().padStart(12, '0')}`);
    const tally = (experiment: string) => {
      const counts: Record<string, number> = Object.fromEntries(VARIANTS.map((v) => [v, 0]));
      for (const id of ids) counts[experimentVariant(SECRET, id, experiment)] += 1;
      return counts;
    };
    for (const experiment of ['ranking-v2', 'checkout.button', 'price_hint']) {
      const counts = tally(experiment);
      for (const v of VARIANTS) expect(Math.abs(counts[v] / ids.length - 0.5)).toBeLessThan(0.02);
    }
    // Two experiments agree for about half of the users, not all: the buckets are independent.
    const same = ids.filter((id) => experimentVariant(SECRET, id, 'a') === experimentVariant(SECRET, id, 'b')).length;
    expect(Math.abs(same / ids.length - 0.5)).toBeLessThan(0.03);
  });

  it('is a pure function of (secret, user, experiment): stable across calls and restarts', () => {
    const id = randomUUID();
    const first = experimentVariant(SECRET, id, 'ranking-v2');
    for (let i = 0; i < 20; i++) expect(experimentVariant(SECRET, id, 'ranking-v2')).toBe(first);
    // Another secret (another deployment) buckets independently.
    const ids = Array.from({ length: 2000 }, () => randomUUID());
    const agree = ids.filter(
      (u) => experimentVariant(SECRET, u, 'e') === experimentVariant(`${SECRET}-other`, u, 'e'),
    ).length;
    expect(agree).toBeLessThan(ids.length * 0.6);
  });

  it.each(['', 'a b', 'x'.repeat(65), 'émoji', '-leading'])('refuses the experiment name %j', (name) => {
    expect(() => experimentVariant(SECRET, randomUUID(), name)).toThrow(GraphQLError);
  });
});

describe('interactionAnalytics ranges', () => {
  const d = (s: string) => new Date(s);
  it('buckets start on whole UTC hours/days and cover [from, to)', () => {
    expect(
      bucketsOf(d('2026-06-01T09:30:00Z'), d('2026-06-01T11:00:00Z'), Granularity.HOUR).map((b) => b.toISOString()),
    ).toEqual(['2026-06-01T09:00:00.000Z', '2026-06-01T10:00:00.000Z']);
    expect(bucketsOf(d('2026-06-01T09:30:00Z'), d('2026-06-03T00:00:01Z'), Granularity.DAY)).toHaveLength(3);
  });

  it('allows exactly 366 days and 93 days of hours, and refuses one more', () => {
    expect(() => validateRange(d('2025-01-01T00:00:00Z'), d('2026-01-02T00:00:00Z'), Granularity.DAY)).not.toThrow();
    expect(() => validateRange(d('2025-01-01T00:00:00Z'), d('2026-01-02T00:00:01Z'), Granularity.DAY)).toThrow(
      /366 days/,
    );
    const from = d('2026-01-01T00:00:00Z');
    expect(() =>
      validateRange(from, new Date(from.getTime() + MAX_HOUR_BUCKETS * 3_600_000), Granularity.HOUR),
    ).not.toThrow();
    expect(() =>
      validateRange(from, new Date(from.getTime() + MAX_HOUR_BUCKETS * 3_600_000 + 1), Granularity.HOUR),
    ).toThrow(/93 days/);
    expect(() => validateRange(from, from, Granularity.DAY)).toThrow(/after from/);
  });
});

describe('computeFeatures', () => {
  const base = {
    user_key: 'k',
    listing_id: 'l',
    price: 80,
    available: 20,
    product_type: 'CBD_OIL',
    province: 'LIMPOPO',
    social_impact_score: 0,
    certification_count: 0,
    created_at: new Date('2026-06-01T00:00:00Z'),
    market_median: 100,
    searches: 1,
    match_requests: 0,
    views: 2,
    orders: 1,
    criteria: {
      productType: 'HEMP_OIL',
      province: 'GAUTENG',
      maxPricePerKg: '100.00',
      minAvailableKg: 40,
      socialImpactOnly: true,
    },
    seller_listings: 3,
    seller_orders: 4,
    seller_cancelled: 1,
  };

  it('gives every defined feature a value', () => {
    const f = computeFeatures(base, new Date('2026-06-07T15:00:00Z'));
    expect(Object.keys(f).sort()).toEqual(FEATURE_DEFINITIONS.map((d) => d.name).sort());
    expect(f).toMatchObject({
      price_delta_to_market_median: -0.2,
      price_headroom_vs_buyer_max: 0.2,
      same_province: 0,
      product_type_match: 0,
      quantity_coverage: 0.5,
      social_impact_match: 0,
      seller_cancellation_rate: 0.25,
      listing_age_days: 6.63,
      hour_of_day: 15,
      day_of_week: 7,
    });
    expect(f.distance_km).toBeGreaterThan(200);
  });

  it('says null, not 0, where the data does not tell (no criteria, no listing, no seller orders)', () => {
    const f = computeFeatures(
      {
        ...base,
        criteria: null,
        price: null,
        available: null,
        province: null,
        market_median: null,
        seller_orders: 0,
        seller_cancelled: 0,
        created_at: null,
      },
      new Date('2026-06-07T15:00:00Z'),
    );
    for (const name of [
      'price_delta_to_market_median',
      'price_headroom_vs_buyer_max',
      'distance_km',
      'same_province',
      'product_type_match',
      'quantity_coverage',
      'social_impact_match',
      'seller_cancellation_rate',
      'listing_age_days',
    ]) {
      expect([name, f[name]]).toEqual([name, null]);
    }
  });
});

describe('gateway OperationStats', () => {
  it('tracks a bounded number of names; the rest share "other"', () => {
    const stats = new OperationStats(3, 16);
    for (const name of ['A', 'B', 'C', 'D', 'E', 'A']) stats.record(name, 1, false);
    const ops = stats.snapshot().operations;
    expect(ops.map((o) => [o.operationName, o.count])).toEqual([
      ['A', 2],
      [OTHER_OPERATIONS, 2],
      ['B', 1],
      ['C', 1],
    ]);
  });

  it('computes nearest-rank percentiles over the most recent samples and the error rate', () => {
    const stats = new OperationStats(10, 100);
    for (let i = 1; i <= 100; i++) stats.record('Q', i, i % 10 === 0);
    const [q] = stats.snapshot().operations;
    expect(q).toEqual({ operationName: 'Q', count: 100, errorRate: 0.1, p50Ms: 50, p95Ms: 95, p99Ms: 99 });
    // The window slides: 100 more fast requests push the slow ones out.
    for (let i = 0; i < 100; i++) stats.record('Q', 1, false);
    expect(stats.snapshot().operations[0]).toMatchObject({ count: 200, p99Ms: 1, errorRate: 0.05 });
  });

  it("merges workers' parts: counts add up, percentiles over every worker's samples, the earliest start", () => {
    const a = new OperationStats(10, 100);
    const b = new OperationStats(10, 100);
    for (let i = 1; i <= 50; i++) a.record('Q', i, false);
    for (let i = 51; i <= 100; i++) b.record('Q', i, i === 100);
    b.record('R', 7, false);
    const parts = [b.part(), a.part()].map((p) => JSON.parse(JSON.stringify(p))); // as they cross IPC
    const merged = OperationStats.merged(parts);
    expect(merged.operations).toEqual([
      { operationName: 'Q', count: 100, errorRate: 0.01, p50Ms: 50, p95Ms: 95, p99Ms: 99 },
      { operationName: 'R', count: 1, errorRate: 0, p50Ms: 7, p95Ms: 7, p99Ms: 7 },
    ]);
    expect(merged.since).toBe([a.since, b.since].map((d) => d.toISOString()).sort()[0]);
  });

  it('names unnamed operations "anonymous" and cuts long names', () => {
    const stats = new OperationStats();
    stats.record(null, 1, false);
    stats.record('x'.repeat(100), 1, false);
    expect(
      stats
        .snapshot()
        .operations.map((o) => o.operationName)
        .sort(),
    ).toEqual(['anonymous', 'x'.repeat(64)]);
  });
});
