import { randomUUID } from 'node:crypto';
import type { DomainEvent, EventType, NewEvent } from '#platform/infra/events/index';
import { Role } from '#platform/infra/schema/shared-types';
import { startTestStack, type TestStack } from './stack';
import { waitFor } from './wait';

/**
 * The fixture of the analytics end-to-end tests (analytics*.int.test.ts): events written through a
 * producer's outbox travel the real relay and bus to analytics' consumers; every figure the tests
 * check is computed by hand from these events.
 */
export const D = Date.parse('2026-06-01T00:00:00Z'); // a Monday
export const at = (dayOffset: number, hh: number, mm = 0, ss = 0) =>
  new Date(D + dayOffset * 86_400_000 + ((hh * 60 + mm) * 60 + ss) * 1000);

export const buyer1 = randomUUID();
export const buyer2 = randomUUID();
export const sellerA = randomUUID();
export const sellerB = randomUUID();
export const [L1, L2, L3, L4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
export const source1 = randomUUID();
export const [crawl1, crawl2] = [randomUUID(), randomUUID()];
export const [offer1, offer2, offer3] = [randomUUID(), randomUUID(), randomUUID()];
export const [order1, order2] = [randomUUID(), randomUUID()];

export const impact = (score: number) => ({
  smallScaleFarmer: score > 0,
  womenOwned: false,
  youthOwned: false,
  communityOwned: false,
  beeLevel: null,
  score,
});
export function snapshot(
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
export const listed = (province: 'GAUTENG' | 'WESTERN_CAPE', pricePerKg: string, score: number) => ({
  pricePerKg,
  productType: 'HEMP_FIBRE' as const,
  province,
  hasSocialImpact: score > 0,
  socialImpactScore: score,
});
/** A one-chunk partial crawl: nothing is reported gone (analytics tells gone offers by the current crawl). */
export const crawlOf = (crawledAt: Date) => ({
  requiredAccessLevel: 'BASIC' as const,
  goneOfferIds: [],
  crawledAt: crawledAt.toISOString(),
  complete: false,
  chunkIndex: 0,
  chunkCount: 1,
});
export const offer = (offerId: string, province: 'GAUTENG' | 'LIMPOPO', price: string, fetchedAt: Date) => ({
  offerId,
  externalId: `ext-${offerId.slice(0, 8)}`,
  productType: 'HEMP_FIBRE' as const,
  quantityKg: 500,
  pricePerKg: price,
  province,
  certifications: [],
  fetchedAt: fetchedAt.toISOString(),
});

/** The interactionAnalytics query the figures are read with. */
export const ANALYTICS = `query ($from: DateTime!, $to: DateTime!, $g: Granularity) {
    interactionAnalytics(from: $from, to: $to, granularity: $g) {
      totals { type count } series { bucket type count }
      funnel { searches matchRequests listingViews orders conversionRate }
      topSearchedProductTypes { productType count } socialImpactOrderShare } }`;

export type Emit = <T extends EventType>(
  type: T,
  payload: NewEvent<T>['payload'],
  occurredAt: Date,
) => Promise<DomainEvent<T>>;

export interface AnalyticsFixture {
  t: TestStack;
  admin: string;
  buyerToken: string;
  emit: Emit;
  /** An event the idempotency test delivers again. */
  duplicateSource: DomainEvent<'search.performed'>;
}

/** Reading analytics' own tables on the stack `stack()` returns. */
export function analyticsQueries(stack: () => TestStack) {
  const db = () => stack().stack.subgraphs.analytics.deps.db.dataSource;
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
  return { db, count, expectRollupMatchesLog };
}

/** A stack with the fixture events applied by analytics (waits until they all are). */
export async function setUpAnalytics(): Promise<AnalyticsFixture> {
  const { count } = analyticsQueries(() => t);
  const t = await startTestStack({ env: { EVENTS_POLL_MS: '20' } });
  const admin = await t.tokenFor(randomUUID(), [Role.ADMIN]);
  const buyerToken = await t.tokenFor(buyer1, [Role.BUYER]);
  const outbox = t.stack.subgraphs['listings-matching'].deps.outbox;
  const emit: Emit = (type, payload, occurredAt) => outbox.emit({ type, payload, occurredAt } as never) as never;

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
  await emit('listing.status_changed', { listingId: L4, sellerId: sellerB, from: 'ACTIVE', to: 'PAUSED' }, at(-8, 10));
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
  const duplicateSource = await emit(
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
  await emit('search.performed', { userId: buyer2, criteria: { productType: 'HEMP_SEED' }, resultCount: 0 }, at(1, 8));
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
  return { t, admin, buyerToken, emit, duplicateSource };
}
