import { randomUUID } from 'node:crypto';
import { signInternalRequest, INTERNAL_SIGNATURE_HEADER } from '#platform/infra/auth/gateway-signature';
import type { NewEvent, EventType, DomainEvent } from '#platform/infra/events/index';
import { Role } from '#platform/infra/schema/shared-types';
import { pseudonymise } from '../subgraphs/analytics/modules/interaction/pseudonym';
import {
  createPrivacyService,
  eraseSubject,
  exportSubject,
  purgeExpired,
} from '../subgraphs/analytics/modules/privacy/privacy.service';
import { FEATURE_DEFINITIONS } from '../subgraphs/analytics/modules/ml/feature.definitions';
import { insertListings, insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';
import { waitFor } from './helpers/wait';

/**
 * Analytics end to end: events written through a producer's outbox travel the real relay and bus
 * to analytics' consumers; every figure below is computed by hand from the fixture events.
 */
const D = Date.parse('2026-06-01T00:00:00Z'); // a Monday
const at = (dayOffset: number, hh: number, mm = 0, ss = 0) =>
  new Date(D + dayOffset * 86_400_000 + ((hh * 60 + mm) * 60 + ss) * 1000);

const buyer1 = randomUUID();
const buyer2 = randomUUID();
const sellerA = randomUUID();
const sellerB = randomUUID();
const [L1, L2, L3, L4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const source1 = randomUUID();
const [crawl1, crawl2] = [randomUUID(), randomUUID()];
const [offer1, offer2, offer3] = [randomUUID(), randomUUID(), randomUUID()];
const [order1, order2] = [randomUUID(), randomUUID()];

const impact = (score: number) => ({
  smallScaleFarmer: score > 0,
  womenOwned: false,
  youthOwned: false,
  communityOwned: false,
  beeLevel: null,
  score,
});
function snapshot(
  listingId: string,
  sellerId: string,
  province: 'GAUTENG' | 'WESTERN_CAPE',
  price: string,
  available: string,
  status: 'ACTIVE' | 'DRAFT',
  score: number,
) {
  return {
    listingId,
    sellerId,
    productType: 'HEMP_FIBRE' as const,
    province,
    pricePerKg: price,
    quantityKg: available,
    availableKg: available,
    status,
    socialImpact: impact(score),
    certificationCount: score > 0 ? 1 : 0,
    certifications: score > 0 ? ['organic'] : [],
  };
}
/** What order events say about the listing (HEMP_FIBRE like every snapshot here). */
const listed = (province: 'GAUTENG' | 'WESTERN_CAPE', pricePerKg: string, score: number) => ({
  pricePerKg,
  productType: 'HEMP_FIBRE' as const,
  province,
  hasSocialImpact: score > 0,
  socialImpactScore: score,
});
/** A one-chunk partial crawl: nothing is reported gone (analytics tells gone offers by the current crawl). */
const crawlOf = (crawledAt: Date) => ({
  requiredAccessLevel: 'BASIC' as const,
  goneOfferIds: [],
  crawledAt: crawledAt.toISOString(),
  complete: false,
  chunkIndex: 0,
  chunkCount: 1,
});
const offer = (offerId: string, province: 'GAUTENG' | 'LIMPOPO', price: string, fetchedAt: Date) => ({
  offerId,
  externalId: `ext-${offerId.slice(0, 8)}`,
  productType: 'HEMP_FIBRE' as const,
  quantityKg: 500,
  pricePerKg: price,
  province,
  certifications: [],
  fetchedAt: fetchedAt.toISOString(),
});

describe('analytics', () => {
  let t: TestStack;
  let admin: string;
  let buyerToken: string;
  let emit: <T extends EventType>(
    type: T,
    payload: NewEvent<T>['payload'],
    occurredAt: Date,
  ) => Promise<DomainEvent<T>>;
  const db = () => t.stack.subgraphs.analytics.deps.db.dataSource;
  const count = async (sql: string, params: unknown[] = []) => Number((await db().query(sql, params))[0].n);
  /** The hourly rollup says exactly what the log says. */
  const expectRollupMatchesLog = async () => {
    const q = (sql: string) =>
      db()
        .query(sql)
        .then((rows: any[]) => rows.map((r) => `${new Date(r.b).toISOString()}|${r.type}|${r.p}|${r.n}`).sort());
    const fromLog = await q(
      `SELECT date_trunc('hour', occurred_at, 'UTC') AS b, type, COALESCE(product_type, '') AS p, count(*)::int AS n FROM analytics.interactions GROUP BY 1, 2, 3`,
    );
    const fromRollup = await q(
      `SELECT bucket AS b, type, product_type AS p, count AS n FROM analytics.interaction_rollup_hourly WHERE count > 0`,
    );
    expect(fromRollup).toEqual(fromLog);
    expect(fromLog.length).toBeGreaterThan(0);
  };
  let duplicateSource: DomainEvent<'search.performed'>;
  let realUsers: Awaited<ReturnType<typeof insertUsers>>;

  beforeAll(async () => {
    t = await startTestStack({ env: { EVENTS_POLL_MS: '20' } });
    admin = await t.tokenFor(randomUUID(), [Role.ADMIN]);
    buyerToken = await t.tokenFor(buyer1, [Role.BUYER]);
    const outbox = t.stack.subgraphs['listings-matching'].deps.outbox;
    emit = (type, payload, occurredAt) => outbox.emit({ type, payload, occurredAt } as never) as never;

    const now = new Date();
    // The listing read model, in the order listings-matching writes it.
    await emit('listing.created', snapshot(L1, sellerA, 'GAUTENG', '50.00', '100', 'ACTIVE', 0.5), at(-10, 8));
    await emit('listing.created', snapshot(L2, sellerB, 'WESTERN_CAPE', '70.00', '30', 'ACTIVE', 0), at(-10, 8));
    await emit('listing.created', snapshot(L3, sellerA, 'GAUTENG', '40.00', '80', 'ACTIVE', 0), at(-10, 9));
    await emit(
      'listing.updated',
      { ...snapshot(L3, sellerA, 'GAUTENG', '45.00', '80', 'ACTIVE', 0), changedFields: ['pricePerKg'] },
      at(-9, 9),
    );
    await emit('listing.created', snapshot(L4, sellerB, 'GAUTENG', '90.00', '10', 'DRAFT', 0), at(-10, 10));
    await emit('listing.status_changed', { listingId: L4, sellerId: sellerB, from: 'DRAFT', to: 'ACTIVE' }, at(-9, 10));
    await emit(
      'listing.status_changed',
      { listingId: L4, sellerId: sellerB, from: 'ACTIVE', to: 'PAUSED' },
      at(-8, 10),
    );
    // External offers: crawl 2 brings offer 1 again (new price) and not offer 3, which is therefore gone.
    await emit(
      'external.offers.crawled',
      {
        crawlRunId: crawl1,
        dataSourceId: source1,
        fetched: 3,
        normalized: 3,
        rejected: 0,
        offers: [
          offer(offer1, 'GAUTENG', '60.00', new Date(now.getTime() - 3_600_000)),
          offer(offer2, 'GAUTENG', '30.00', new Date(now.getTime() - 40 * 86_400_000)),
          offer(offer3, 'LIMPOPO', '55.00', new Date(now.getTime() - 3_600_000)),
        ],
        ...crawlOf(new Date(now.getTime() - 3_600_000)),
      },
      new Date(now.getTime() - 3_600_000),
    );
    await emit(
      'external.offers.crawled',
      {
        crawlRunId: crawl2,
        dataSourceId: source1,
        fetched: 1,
        normalized: 1,
        rejected: 0,
        offers: [offer(offer1, 'GAUTENG', '62.00', new Date(now.getTime() - 60_000))],
        ...crawlOf(new Date(now.getTime() - 60_000)),
      },
      new Date(now.getTime() - 60_000),
    );

    // Interactions on day D, D+1, D+2, and one either side of the range.
    await emit(
      'search.performed',
      { userId: buyer2, criteria: { productType: 'CBD_OIL' }, resultCount: 1 },
      at(-1, 23, 59, 59),
    );
    duplicateSource = await emit(
      'search.performed',
      { userId: buyer1, criteria: { productType: 'HEMP_FIBRE' }, resultCount: 3 },
      at(0, 9, 10),
    );
    await emit(
      'search.performed',
      { userId: buyer2, criteria: { productType: 'HEMP_FIBRE' }, resultCount: 3 },
      at(0, 9, 40),
    );
    await emit(
      'search.performed',
      { userId: buyer1, criteria: { productType: 'CBD_OIL', sellerId: sellerB }, resultCount: 0 },
      at(0, 10, 5),
    );
    await emit(
      'match.requested',
      {
        matchRequestId: randomUUID(),
        buyerId: buyer1,
        includeExternal: false,
        resultCount: 3,
        criteria: { productType: 'HEMP_FIBRE', province: 'GAUTENG', maxPricePerKg: '60.00', minAvailableKg: 50 },
        quantityKg: '50',
        listingIds: [L1, L2, L3],
        externalResultCount: 0,
      },
      at(0, 10, 20),
    );
    await emit('listing.viewed', { listingId: L1, sellerId: sellerA, viewerId: buyer1 }, at(0, 10, 30));
    await emit('listing.viewed', { listingId: L2, sellerId: sellerB, viewerId: buyer1 }, at(0, 10, 35));
    await emit(
      'order.placed',
      {
        orderId: order1,
        listingId: L1,
        buyerId: buyer1,
        sellerId: sellerA,
        quantityKg: '60',
        totalPrice: '3000.00',
        ...listed('GAUTENG', '50.00', 0.5),
      },
      at(0, 11),
    );
    await emit(
      'search.performed',
      { userId: buyer2, criteria: { productType: 'HEMP_SEED' }, resultCount: 0 },
      at(1, 8),
    );
    await emit('listing.viewed', { listingId: L2, sellerId: sellerB, viewerId: buyer2 }, at(1, 9));
    await emit(
      'order.placed',
      {
        orderId: order2,
        listingId: L2,
        buyerId: buyer2,
        sellerId: sellerB,
        quantityKg: '10',
        totalPrice: '700.00',
        ...listed('WESTERN_CAPE', '70.00', 0),
      },
      at(1, 9, 30),
    );
    await emit(
      'consent.granted',
      {
        consentId: randomUUID(),
        userId: buyer2,
        dataSourceId: source1,
        accessLevel: 'BASIC',
        consentVersion: 'v1',
        expiresAt: null,
      },
      at(1, 12),
    );
    await emit('consent.withdrawn', { consentId: randomUUID(), userId: buyer2, dataSourceId: source1 }, at(2, 7));
    await emit(
      'order.cancelled',
      {
        orderId: order2,
        listingId: L2,
        buyerId: buyer2,
        sellerId: sellerB,
        cancelledBy: 'BUYER',
        quantityKg: '10',
        totalPrice: '700.00',
        productType: 'HEMP_FIBRE',
        province: 'WESTERN_CAPE',
      },
      at(2, 8),
    );
    await emit(
      'order.placed',
      {
        orderId: randomUUID(),
        listingId: L3,
        buyerId: buyer1,
        sellerId: sellerA,
        quantityKg: '1',
        totalPrice: '45.00',
        ...listed('GAUTENG', '45.00', 0),
      },
      at(3, 0),
    );

    await waitFor(async () => (await count(`SELECT count(*) AS n FROM analytics.interactions`)) === 14 || undefined, {
      what: '14 interactions',
    });
    await waitFor(
      async () =>
        (await count(`SELECT count(*) AS n FROM analytics.orders WHERE cancelled_at IS NOT NULL`)) === 1 || undefined,
      { what: 'the cancellation' },
    );
    await waitFor(
      async () =>
        (await count(`SELECT count(*) AS n FROM analytics.listings WHERE status = 'PAUSED'`)) === 1 || undefined,
      { what: 'L4 paused' },
    );
    await waitFor(
      async () =>
        (await count(`SELECT count(*) AS n FROM analytics.external_offers WHERE price_per_kg = 62`)) === 1 || undefined,
      { what: 'the second crawl' },
    );
  });

  afterAll(async () => {
    await t?.stop();
  });

  const ANALYTICS = `query ($from: DateTime!, $to: DateTime!, $g: Granularity) {
    interactionAnalytics(from: $from, to: $to, granularity: $g) {
      totals { type count } series { bucket type count }
      funnel { searches matchRequests listingViews orders conversionRate }
      topSearchedProductTypes { productType count } socialImpactOrderShare } }`;

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

  describe('ML readiness', () => {
    const VECTORS = `query ($first: Int, $after: String) { featureVectors(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { userKey listingId features label occurredAt } } } }`;

    it('mlStatus reports the log size, the threshold, the phase and at least 15 features', async () => {
      const res = await t.gql(
        `{ mlStatus { interactionsCollected trainingThreshold ready phase features { name description kind } } }`,
        {},
        { token: admin },
      );
      const s = res.body.data.mlStatus;
      expect(s).toMatchObject({
        interactionsCollected: 14,
        trainingThreshold: 1000,
        ready: false,
        phase: 'COLLECTING',
      });
      expect(s.features.length).toBeGreaterThanOrEqual(15);
      expect(s.features.map((f: any) => f.name)).toEqual(FEATURE_DEFINITIONS.map((f) => f.name));
      expect(new Set(s.features.map((f: any) => f.kind))).toEqual(new Set(['numeric', 'binary', 'categorical']));
    });

    it('exports one labelled, pseudonymous vector per (buyer, listing) with features computed from the data, in keyset pages', async () => {
      const first = await t.gql(VECTORS, { first: 2 }, { token: admin });
      expect(first.body.errors).toBeUndefined();
      const page1 = first.body.data.featureVectors;
      expect(page1.totalCount).toBe(4);
      expect(page1.edges).toHaveLength(2);
      expect(page1.pageInfo.hasNextPage).toBe(true);
      const second = (await t.gql(VECTORS, { first: 2, after: page1.pageInfo.endCursor }, { token: admin })).body.data
        .featureVectors;
      expect(second.pageInfo.hasNextPage).toBe(false);
      const all = [...page1.edges, ...second.edges].map((e: any) => e.node);
      const k1 = pseudonymise(t.config.PSEUDONYM_SECRET, buyer1);
      const k2 = pseudonymise(t.config.PSEUDONYM_SECRET, buyer2);
      const byPair = (k: string, l: string) => all.find((v: any) => v.userKey === k && v.listingId === l);
      expect(all.map((v: any) => [v.userKey, v.listingId])).toEqual(
        [...all].map((v: any) => [v.userKey, v.listingId]).sort(),
      );
      expect(byPair(k1, L2).label).toBe(false);
      expect(byPair(k1, L3).label).toBe(true);
      const v = byPair(k1, L1);
      expect(v).toMatchObject({ label: true, occurredAt: at(0, 10, 30).toISOString() });
      expect(Object.keys(v.features).sort()).toEqual(FEATURE_DEFINITIONS.map((f) => f.name).sort());
      // From the match request at 10:20 (GAUTENG, ≤ 60.00/kg, ≥ 50 kg) and the read model.
      expect(v.features).toMatchObject({
        price_per_kg: 50,
        price_delta_to_market_median: 0, // ACTIVE HEMP_FIBRE listings 45, 50, 70
        price_headroom_vs_buyer_max: 0.1667,
        distance_km: 0,
        same_province: 1,
        product_type_match: 1,
        product_type: 'HEMP_FIBRE',
        quantity_coverage: 1,
        available_kg: 100,
        social_impact_score: 0.5,
        social_impact_match: null,
        certification_count: 1,
        listing_age_days: 10.1,
        seller_listing_count: 2,
        seller_order_count: 0,
        seller_cancellation_rate: null,
        buyer_prior_searches: 2,
        buyer_prior_match_requests: 1,
        buyer_prior_views: 0,
        buyer_prior_orders: 0,
        hour_of_day: 10,
        day_of_week: 1,
      });
      const w = byPair(k2, L2).features;
      expect(w).toMatchObject({
        buyer_prior_searches: 3,
        distance_km: null,
        product_type_match: 1,
        social_impact_score: 0,
        seller_listing_count: 2,
      });
      const cross = byPair(k1, L2).features; // buyer 1 asked for GAUTENG; L2 is in the Western Cape
      expect(cross.same_province).toBe(0);
      expect(cross.distance_km).toBeGreaterThan(500);
      expect(cross.quantity_coverage).toBe(0.6);
    });

    it('computes a page in a fixed number of statements, however many rows it has', async () => {
      const statementsFor = async (first: number) => {
        const before = t.statements('analytics');
        const res = await t.gql(VECTORS, { first }, { token: admin });
        expect(res.body.data.featureVectors.edges).toHaveLength(first);
        return t.statements('analytics') - before;
      };
      expect(await statementsFor(4)).toBe(await statementsFor(1));
    });

    it('refuses a page over 100 and a forged cursor', async () => {
      expect((await t.gql(VECTORS, { first: 101 }, { token: admin })).body.errors![0].extensions!).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'first',
      });
      expect((await t.gql(VECTORS, { after: 'nonsense' }, { token: admin })).body.errors![0].extensions!).toMatchObject(
        { code: 'BAD_USER_INPUT', field: 'after' },
      );
    });
  });

  describe('experimentVariant', () => {
    const Q = `query ($e: String!) { experimentVariant(experiment: $e) }`;
    it('is stable per user and experiment', async () => {
      const a = await t.gql(Q, { e: 'ranking-v2' }, { token: buyerToken });
      const b = await t.gql(Q, { e: 'ranking-v2' }, { token: await t.tokenFor(buyer1, [Role.BUYER]) });
      expect(['control', 'treatment']).toContain(a.body.data.experimentVariant);
      expect(b.body.data.experimentVariant).toBe(a.body.data.experimentVariant);
    });
    it('refuses an invalid experiment name', async () => {
      const res = await t.gql(Q, { e: 'no spaces please' }, { token: buyerToken });
      expect(res.body.errors![0].extensions!).toMatchObject({ code: 'BAD_USER_INPUT', field: 'experiment' });
    });
  });

  describe('performanceMetrics', () => {
    it('reports per operation what the gateway measured', async () => {
      for (let i = 0; i < 3; i++) await t.gql(`query PerfProbe { systemHealth { status } }`);
      await t.gql(`query PerfFailing { mlStatus { phase } }`); // refused: an error response
      const res = await t.gql(
        `query { performanceMetrics { since operations { operationName count errorRate p50Ms p95Ms p99Ms } } }`,
        {},
        { token: admin },
      );
      expect(res.body.errors).toBeUndefined();
      const ops = res.body.data.performanceMetrics.operations;
      const probe = ops.find((o: any) => o.operationName === 'PerfProbe');
      expect(probe).toMatchObject({ count: 3, errorRate: 0 });
      expect(probe.p50Ms).toBeGreaterThan(0);
      expect(probe.p99Ms).toBeGreaterThanOrEqual(probe.p95Ms);
      expect(probe.p95Ms).toBeGreaterThanOrEqual(probe.p50Ms);
      expect(ops.find((o: any) => o.operationName === 'PerfFailing')).toMatchObject({ count: 1, errorRate: 1 });
    });

    it('the gateway route refuses a request without a valid internal signature', async () => {
      const base = t.gatewayUrl.replace(/\/graphql$/, '');
      expect((await fetch(`${base}/internal/operation-stats`)).status).toBe(401);
      const forged = signInternalRequest('not-the-gateway-secret-0123456789', 'GET', '/internal/operation-stats');
      expect(
        (await fetch(`${base}/internal/operation-stats`, { headers: { [INTERNAL_SIGNATURE_HEADER]: forged } })).status,
      ).toBe(401);
      // the gateway's own signing key does not open it: internal routes have their own keys
      const gatewayKey = signInternalRequest(t.config.GATEWAY_SECRET, 'GET', '/internal/operation-stats');
      expect(
        (await fetch(`${base}/internal/operation-stats`, { headers: { [INTERNAL_SIGNATURE_HEADER]: gatewayKey } }))
          .status,
      ).toBe(401);
      const signed = signInternalRequest(t.config.INTERNAL_SECRET, 'GET', '/internal/operation-stats');
      expect(
        (await fetch(`${base}/internal/operation-stats`, { headers: { [INTERNAL_SIGNATURE_HEADER]: signed } })).status,
      ).toBe(200);
    });
  });

  describe('who may not see it', () => {
    const ADMIN_QUERIES: Array<[string, string, Record<string, unknown>]> = [
      ['interactionAnalytics', ANALYTICS, { from: at(0, 0).toISOString(), to: at(1, 0).toISOString() }],
      ['mlStatus', `{ mlStatus { phase } }`, {}],
      ['featureVectors', `{ featureVectors(first: 1) { totalCount } }`, {}],
      ['performanceMetrics', `{ performanceMetrics { since } }`, {}],
    ];
    it.each(ADMIN_QUERIES)(
      '%s: anonymous is UNAUTHENTICATED, a buyer or seller FORBIDDEN',
      async (field, query, vars) => {
        const anonymous = await t.gql(query, vars);
        expect(anonymous.body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
        expect(anonymous.body.data?.[field] ?? null).toBeNull();
        const buyer = await t.gql(query, vars, { token: buyerToken });
        expect(buyer.body.errors![0].extensions!.code).toBe('FORBIDDEN');
        const seller = await t.gql(query, vars, { token: await t.tokenFor(sellerA, [Role.SELLER, Role.BUYER]) });
        expect(seller.body.errors![0].extensions!.code).toBe('FORBIDDEN');
      },
    );
    it('experimentVariant and logInteraction: anonymous is UNAUTHENTICATED', async () => {
      expect((await t.gql(`{ experimentVariant(experiment: "x") }`)).body.errors![0].extensions!.code).toBe(
        'UNAUTHENTICATED',
      );
      expect(
        (await t.gql(`mutation { logInteraction(input: { type: SEARCH }) }`)).body.errors![0].extensions!.code,
      ).toBe('UNAUTHENTICATED');
    });
  });

  describe('privacy', () => {
    it('stores no raw user id or e-mail in any analytics table after a realistic flow', async () => {
      realUsers = await insertUsers(t.stack, 2, [Role.BUYER, Role.SELLER]);
      const [listing] = await insertListings(t.stack, [realUsers[0]], 1);
      const token = await t.tokenFor(realUsers[1].id, [Role.BUYER]);
      const before = await count(`SELECT count(*) AS n FROM analytics.interactions`);
      await t.gql(`query ($id: ID!) { listing(id: $id) { id } }`, { id: listing.id }, { token });
      await t.gql(
        `query ($s: ID!) { listings(first: 5, filter: { sellerId: $s, productType: HEMP_FIBRE }) { totalCount } }`,
        { s: realUsers[0].id },
        { token },
      );
      const logged = await t.gql(
        `mutation ($l: ID!) { logInteraction(input: { type: LISTING_VIEW, listingId: $l, sessionId: "s-1", metadata: { screen: "detail" } }) }`,
        { l: listing.id },
        { token },
      );
      expect(logged.body.data.logInteraction).toBe(true);
      const LOG_ONCE = `mutation { logInteraction(input: { type: SEARCH, idempotencyKey: "retry-1" }) }`;
      expect((await t.gql(LOG_ONCE, {}, { token })).body.data.logInteraction).toBe(true);
      expect((await t.gql(LOG_ONCE, {}, { token })).body.data.logInteraction).toBe(true); // a client retry: recorded once
      await emit(
        'order.placed',
        {
          orderId: randomUUID(),
          listingId: listing.id,
          buyerId: realUsers[1].id,
          sellerId: realUsers[0].id,
          quantityKg: '5',
          totalPrice: '250.00',
          ...listed('GAUTENG', '50.00', 0),
        },
        new Date(),
      );
      await emit(
        'consent.granted',
        {
          consentId: randomUUID(),
          userId: realUsers[1].id,
          dataSourceId: source1,
          accessLevel: 'ADVANCED',
          consentVersion: 'v2',
          expiresAt: null,
        },
        new Date(),
      );
      await emit(
        'listing.created',
        snapshot(randomUUID(), realUsers[0].id, 'GAUTENG', '41.00', '20', 'ACTIVE', 0.2),
        new Date(),
      );
      await waitFor(
        async () => (await count(`SELECT count(*) AS n FROM analytics.interactions`)) === before + 6 || undefined,
        { what: 'the flow’s interactions' },
      );
      await waitFor(async () => (await count(`SELECT count(*) AS n FROM analytics.listings`)) === 5 || undefined, {
        what: 'the new listing',
      });
      const search = (
        await db().query(
          `SELECT metadata FROM analytics.interactions WHERE type = 'SEARCH' AND occurred_at > now() - interval '1 hour' AND metadata -> 'criteria' IS NOT NULL`,
        )
      )[0];
      expect(search.metadata.criteria).toEqual({
        productType: 'HEMP_FIBRE',
        sellerKey: pseudonymise(t.config.PSEUDONYM_SECRET, realUsers[0].id),
        sort: 'NEWEST',
      });

      const secrets = [buyer1, buyer2, sellerA, sellerB, ...realUsers.flatMap((u) => [u.id, u.email, u.displayName])];
      const columns: Array<{ table_name: string; column_name: string }> = await db().query(
        `SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables tb USING (table_schema, table_name)
          WHERE c.table_schema = 'analytics' AND tb.table_type = 'BASE TABLE' AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'uuid')`,
      );
      expect(columns.map((c) => `${c.table_name}.${c.column_name}`)).toEqual(
        expect.arrayContaining([
          'interactions.metadata',
          'interactions.user_key',
          'listings.seller_key',
          'orders.buyer_key',
        ]),
      );
      const found: string[] = [];
      for (const c of columns) {
        const hits = await count(
          `SELECT count(*) AS n FROM analytics."${c.table_name}" WHERE "${c.column_name}"::text ILIKE ANY ($1)`,
          [secrets.map((s) => `%${s}%`)],
        );
        if (hits) found.push(`${c.table_name}.${c.column_name}`);
      }
      expect(found).toEqual([]);
    });

    it('exports and then erases one subject, reporting counts; a second erasure erases nothing', async () => {
      const deps = t.stack.subgraphs.analytics.deps;
      const exported = await exportSubject(deps, buyer1);
      expect(exported.userKey).toBe(pseudonymise(t.config.PSEUDONYM_SECRET, buyer1));
      // 2 searches, a match request, 2 views and 2 orders (one after the range of the aggregates).
      expect(exported.interactions.map((i) => i.type)).toEqual([
        'SEARCH',
        'SEARCH',
        'MATCH_REQUEST',
        'LISTING_VIEW',
        'LISTING_VIEW',
        'ORDER',
        'ORDER',
      ]);
      expect(exported.orders.map((o) => o.orderId)).toContain(order1);
      expect(JSON.stringify(exported)).not.toContain(buyer1);
      const sellerExport = await exportSubject(deps, sellerA);
      expect(sellerExport.listings.map((l) => l.listingId).sort()).toEqual([L1, L3].sort());

      const report = await eraseSubject(deps, buyer1);
      expect(report).toMatchObject({
        subgraph: 'analytics',
        erased: 9,
        retained: 0,
        details: { interactions: 7, ordersAsBuyer: 2, ordersAsSellerUnlinked: 0, listingsUnlinked: 0 },
      });
      expect(
        await count(`SELECT count(*) AS n FROM analytics.interactions WHERE user_key = $1`, [exported.userKey]),
      ).toBe(0);
      const sellerB_ = await eraseSubject(deps, sellerB);
      // sellerB sold L2 and L4 and the (cancelled) order on L2; buyer 1's search that filtered on sellerB loses it.
      expect(sellerB_).toMatchObject({
        erased: 0,
        retained: 3,
        details: { ordersAsSellerUnlinked: 1, listingsUnlinked: 2 },
      });
      expect(
        await count(`SELECT count(*) AS n FROM analytics.interactions WHERE metadata::text LIKE '%sellerKey%'`),
      ).toBe(1); // only the real user's search
      expect(await createPrivacyService(deps).eraseSubject(buyer1)).toMatchObject({ erased: 0, retained: 0 });
      await expectRollupMatchesLog();
    });

    it('the retention purge deletes interactions and orders older than the retention period, and offers past the price window', async () => {
      expect(t.config.analyticsPurgeIntervalSeconds).toBe(0); // off in tests; called directly here
      const old = new Date(Date.now() - 400 * 86_400_000);
      await emit('search.performed', { userId: buyer2, criteria: {}, resultCount: 0 }, old);
      await emit(
        'order.placed',
        {
          orderId: randomUUID(),
          listingId: L1,
          buyerId: buyer2,
          sellerId: sellerA,
          quantityKg: '1',
          totalPrice: '50.00',
          ...listed('GAUTENG', '50.00', 0.5),
        },
        old,
      );
      await waitFor(
        async () =>
          (await count(
            `SELECT count(*) AS n FROM analytics.interactions WHERE occurred_at < now() - interval '365 days'`,
          )) === 2 || undefined,
        { what: 'old interactions' },
      );
      await waitFor(
        async () =>
          (await count(`SELECT count(*) AS n FROM analytics.orders WHERE placed_at < now() - interval '365 days'`)) ===
            1 || undefined,
        { what: 'old order' },
      );
      const total = await count(`SELECT count(*) AS n FROM analytics.interactions`);
      expect(await purgeExpired(db(), t.config.ANALYTICS_RETENTION_DAYS)).toEqual({
        interactions: 2,
        orders: 1,
        externalOffers: 1,
      }); // offer 2, fetched 40 days ago
      expect(await count(`SELECT count(*) AS n FROM analytics.interactions`)).toBe(total - 2);
      expect(await purgeExpired(db(), 365)).toEqual({ interactions: 0, orders: 0, externalOffers: 0 });
      await expectRollupMatchesLog();
    });
  });
});
