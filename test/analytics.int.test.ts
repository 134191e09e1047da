import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '#platform/infra/events/index';
import { pseudonymise } from '../subgraphs/analytics/modules/interaction/pseudonym';
import type { TestStack } from './helpers/stack';
import { ANALYTICS, analyticsQueries, at, L3, L4, sellerA, sellerB, setUpAnalytics } from './helpers/analytics-fixture';

/**
 * Analytics end to end, the figures: interaction analytics, idempotency, the read models and the
 * market price index.
 * The fixture events and every figure's hand computation: helpers/analytics-fixture.ts.
 */
describe('analytics', () => {
  let t: TestStack;
  let admin: string;
  let buyerToken: string;
  let duplicateSource: DomainEvent<'search.performed'>;
  const { db, count, expectRollupMatchesLog } = analyticsQueries(() => t);

  beforeAll(async () => {
    ({ t, admin, buyerToken, duplicateSource } = await setUpAnalytics());
  });

  afterAll(async () => {
    await t?.stop();
  });

  describe('interactionAnalytics', () => {
    it('totals, a DAY series with empty buckets as 0, the funnel, top product types and the social-impact share', async () => {
      const res = await t.gql(
        ANALYTICS,
        { from: at(0, 0).toISOString(), to: at(3, 0).toISOString(), g: 'DAY' },
        { token: admin },
      );
      expect(res.body.errors).toBeUndefined();
      const a = res.body.data.interactionAnalytics;
      expect(a.totals).toEqual([
        { type: 'SEARCH', count: 4 },
        { type: 'MATCH_REQUEST', count: 1 },
        { type: 'LISTING_VIEW', count: 3 },
        { type: 'ORDER', count: 2 },
        { type: 'CONSENT_GRANTED', count: 1 },
        { type: 'CONSENT_WITHDRAWN', count: 1 },
      ]);
      expect(a.series).toHaveLength(3 * 6);
      const point = (day: number, type: string) =>
        a.series.find((p: any) => p.bucket === at(day, 0).toISOString() && p.type === type)?.count;
      expect([
        point(0, 'SEARCH'),
        point(0, 'MATCH_REQUEST'),
        point(0, 'LISTING_VIEW'),
        point(0, 'ORDER'),
        point(0, 'CONSENT_GRANTED'),
      ]).toEqual([3, 1, 2, 1, 0]);
      expect([
        point(1, 'SEARCH'),
        point(1, 'LISTING_VIEW'),
        point(1, 'ORDER'),
        point(1, 'CONSENT_GRANTED'),
        point(1, 'CONSENT_WITHDRAWN'),
      ]).toEqual([1, 1, 1, 1, 0]);
      expect([point(2, 'SEARCH'), point(2, 'ORDER'), point(2, 'CONSENT_WITHDRAWN')]).toEqual([0, 0, 1]);
      expect(a.funnel).toEqual({ searches: 4, matchRequests: 1, listingViews: 3, orders: 2, conversionRate: 0.5 });
      expect(a.topSearchedProductTypes).toEqual([
        { productType: 'HEMP_FIBRE', count: 3 },
        { productType: 'CBD_OIL', count: 1 },
        { productType: 'HEMP_SEED', count: 1 },
      ]);
      expect(a.socialImpactOrderShare).toBe(0.5);
    });

    it('a range that does not start or end on a whole hour (edges read from the log, the rest from the rollup)', async () => {
      const res = await t.gql(
        ANALYTICS,
        { from: at(0, 9, 30).toISOString(), to: at(1, 9, 15).toISOString(), g: 'DAY' },
        { token: admin },
      );
      const a = res.body.data.interactionAnalytics;
      expect(a.totals.slice(0, 4)).toEqual([
        { type: 'SEARCH', count: 3 },
        { type: 'MATCH_REQUEST', count: 1 },
        { type: 'LISTING_VIEW', count: 3 },
        { type: 'ORDER', count: 1 },
      ]);
      const nonZero = a.series
        .filter((p: any) => p.count > 0)
        .map((p: any) => [p.bucket.slice(0, 10), p.type, p.count]);
      expect(nonZero).toEqual([
        ['2026-06-01', 'SEARCH', 2],
        ['2026-06-01', 'MATCH_REQUEST', 1],
        ['2026-06-01', 'LISTING_VIEW', 2],
        ['2026-06-01', 'ORDER', 1],
        ['2026-06-02', 'SEARCH', 1],
        ['2026-06-02', 'LISTING_VIEW', 1],
      ]);
      expect(a.topSearchedProductTypes).toEqual([
        { productType: 'HEMP_FIBRE', count: 2 },
        { productType: 'CBD_OIL', count: 1 },
        { productType: 'HEMP_SEED', count: 1 },
      ]);
      expect(a.socialImpactOrderShare).toBe(1);
    });

    it('an HOUR series', async () => {
      const res = await t.gql(
        ANALYTICS,
        { from: at(0, 9).toISOString(), to: at(0, 12).toISOString(), g: 'HOUR' },
        { token: admin },
      );
      const a = res.body.data.interactionAnalytics;
      expect(
        a.series.map((p: any) => p.bucket).filter((b: string, i: number, all: string[]) => all.indexOf(b) === i),
      ).toEqual([at(0, 9).toISOString(), at(0, 10).toISOString(), at(0, 11).toISOString()]);
      const nonZero = a.series
        .filter((p: any) => p.count > 0)
        .map((p: any) => [p.bucket.slice(11, 13), p.type, p.count]);
      expect(nonZero).toEqual([
        ['09', 'SEARCH', 2],
        ['10', 'SEARCH', 1],
        ['10', 'MATCH_REQUEST', 1],
        ['10', 'LISTING_VIEW', 2],
        ['11', 'ORDER', 1],
      ]);
      expect(a.funnel.conversionRate).toBeCloseTo(1 / 3);
    });

    it('conversionRate is 0 and every bucket is 0 in a range without interactions', async () => {
      const res = await t.gql(
        ANALYTICS,
        { from: '2020-01-01T00:00:00Z', to: '2020-01-03T00:00:00Z' },
        { token: admin },
      );
      const a = res.body.data.interactionAnalytics;
      expect(a.funnel).toEqual({ searches: 0, matchRequests: 0, listingViews: 0, orders: 0, conversionRate: 0 });
      expect(a.series).toHaveLength(12);
      expect(a.series.every((p: any) => p.count === 0)).toBe(true);
      expect(a.socialImpactOrderShare).toBe(0);
      expect(a.topSearchedProductTypes).toEqual([]);
    });

    it.each([
      ['to before from', { from: '2026-06-02T00:00:00Z', to: '2026-06-01T00:00:00Z', g: 'DAY' }, 'to'],
      ['more than 366 days', { from: '2025-01-01T00:00:00Z', to: '2026-01-03T00:00:00Z', g: 'DAY' }, 'to'],
      [
        'more than 93 days of hours',
        { from: '2026-01-01T00:00:00Z', to: '2026-04-05T00:00:00Z', g: 'HOUR' },
        'granularity',
      ],
    ])('refuses %s with BAD_USER_INPUT', async (_name, vars, field) => {
      const res = await t.gql(ANALYTICS, vars, { token: admin });
      expect(res.body.errors![0].extensions!).toMatchObject({ code: 'BAD_USER_INPUT', field });
    });
  });

  describe('idempotency', () => {
    it('the same event delivered twice counts once, even when its processed-id row is gone (a replay)', async () => {
      const processor = t.stack.subgraphs.analytics.events.processors.find((p) => p.name === 'analytics.interactions')!;
      const rows = `SELECT count(*) AS n FROM analytics.interactions WHERE event_id = $1`;
      expect(await count(rows, [duplicateSource.id])).toBe(1);
      expect(await processor.process(duplicateSource)).toBe('duplicate');
      await db().query(`DELETE FROM analytics.processed_events WHERE event_id = $1`, [duplicateSource.id]);
      expect(await processor.process(duplicateSource)).toBe('applied');
      expect(await count(rows, [duplicateSource.id])).toBe(1);
      expect(await count(`SELECT count(*) AS n FROM analytics.interactions`)).toBe(14);
      await expectRollupMatchesLog();
    });
  });

  describe('read models', () => {
    it('applies listing updates and status changes in order, and a stale event does not move a listing back', async () => {
      const [l3] = await db().query(
        `SELECT price_per_kg::text AS price, seller_key FROM analytics.listings WHERE listing_id = $1`,
        [L3],
      );
      expect(l3).toEqual({ price: '45.00', seller_key: pseudonymise(t.config.PSEUDONYM_SECRET, sellerA) });
      const processor = t.stack.subgraphs.analytics.events.processors.find((p) => p.name === 'analytics.read-models')!;
      const stale = {
        id: randomUUID(),
        type: 'listing.status_changed' as const,
        version: 1,
        source: 'listings-matching',
        aggregateType: 'listing',
        aggregateId: L4,
        occurredAt: at(-9, 12),
        payload: { listingId: L4, sellerId: sellerB, from: 'DRAFT' as const, to: 'ACTIVE' as const },
      };
      expect(await processor.process(stale)).toBe('applied');
      expect((await db().query(`SELECT status FROM analytics.listings WHERE listing_id = $1`, [L4]))[0].status).toBe(
        'PAUSED',
      );
    });
  });

  describe('marketPriceIndex', () => {
    const PRICE = `query ($p: ProductType!, $r: Province) { marketPriceIndex(productType: $p, province: $r) {
      productType province medianPricePerKg { amount currency } p25 { amount } p75 { amount } sampleSize } }`;

    it('percentiles over ACTIVE listings and current external offers, for anyone', async () => {
      // 45 (L3), 50 (L1), 70 (L2) and 62 (offer 1 from the latest crawl); L4 is paused, offer 2 stale, offer 3 gone.
      const res = await t.gql(PRICE, { p: 'HEMP_FIBRE' });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.marketPriceIndex).toEqual({
        productType: 'HEMP_FIBRE',
        province: null,
        medianPricePerKg: { amount: '56.00', currency: 'ZAR' },
        p25: { amount: '48.75' },
        p75: { amount: '64.00' },
        sampleSize: 4,
      });
      const gauteng = (await t.gql(PRICE, { p: 'HEMP_FIBRE', r: 'GAUTENG' }, { token: buyerToken })).body.data
        .marketPriceIndex;
      expect(gauteng).toMatchObject({
        province: 'GAUTENG',
        medianPricePerKg: { amount: '50.00' },
        p25: { amount: '47.50' },
        p75: { amount: '56.00' },
        sampleSize: 3,
      });
    });

    it('answers sampleSize 0 and "0.00" without data', async () => {
      const res = await t.gql(PRICE, { p: 'CANNABIS_FLOWER', r: 'LIMPOPO' });
      expect(res.body.data.marketPriceIndex).toEqual({
        productType: 'CANNABIS_FLOWER',
        province: 'LIMPOPO',
        medianPricePerKg: { amount: '0.00', currency: 'ZAR' },
        p25: { amount: '0.00' },
        p75: { amount: '0.00' },
        sampleSize: 0,
      });
    });
  });
});
