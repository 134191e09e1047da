import { randomUUID } from 'node:crypto';
import { Role } from '#platform/infra/schema/shared-types';
import { eraseSubject } from '../subgraphs/analytics/modules/privacy/privacy.service';
import { startTestStack, type TestStack } from './helpers/stack';
import { waitFor, EMBEDDED_START_TIMEOUT_MS } from './helpers/wait';

/** The analytics statements (rollup CTEs, percentiles, JSON record sets) on the embedded database too. */
describe('analytics on the embedded database', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ embedded: true, env: { EVENTS_POLL_MS: '20' } });
  }, EMBEDDED_START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.stop();
  });

  it('consumes events and answers the aggregates, the price index, the features and an erasure', async () => {
    const outbox = t.stack.subgraphs['listings-matching'].deps.outbox;
    const buyer = randomUUID();
    const seller = randomUUID();
    const listingId = randomUUID();
    const at = new Date('2026-06-01T10:30:00Z');
    await outbox.emit({
      type: 'listing.created',
      occurredAt: new Date('2026-05-01T00:00:00Z'),
      payload: {
        listingId,
        sellerId: seller,
        productType: 'HEMP_OIL',
        province: 'GAUTENG',
        pricePerKg: '120.00',
        quantityKg: '50',
        availableKg: '50',
        status: 'ACTIVE',
        socialImpact: {
          smallScaleFarmer: true,
          womenOwned: false,
          youthOwned: false,
          communityOwned: false,
          beeLevel: 2,
          score: 0.3,
        },
        certificationCount: 0,
        certifications: [],
      },
    });
    await outbox.emit({
      type: 'search.performed',
      occurredAt: new Date('2026-06-01T10:00:00Z'),
      payload: { userId: buyer, criteria: { productType: 'HEMP_OIL' }, resultCount: 1 },
    });
    await outbox.emit({
      type: 'listing.viewed',
      occurredAt: at,
      payload: { listingId, sellerId: seller, viewerId: buyer },
    });
    await outbox.emit({
      type: 'order.placed',
      occurredAt: new Date('2026-06-01T11:00:00Z'),
      payload: {
        orderId: randomUUID(),
        listingId,
        buyerId: buyer,
        sellerId: seller,
        quantityKg: '5',
        totalPrice: '600.00',
        pricePerKg: '120.00',
        productType: 'HEMP_OIL',
        province: 'GAUTENG',
        hasSocialImpact: true,
        socialImpactScore: 0.3,
      },
    });
    await outbox.emit({
      type: 'external.offers.crawled',
      payload: {
        crawlRunId: randomUUID(),
        dataSourceId: randomUUID(),
        fetched: 1,
        normalized: 1,
        rejected: 0,
        offers: [
          {
            offerId: randomUUID(),
            externalId: 'x-1',
            productType: 'HEMP_OIL',
            quantityKg: 10,
            pricePerKg: '100.00',
            province: 'GAUTENG',
            certifications: [],
            fetchedAt: new Date().toISOString(),
          },
        ],
        requiredAccessLevel: 'BASIC',
        goneOfferIds: [],
        crawledAt: new Date().toISOString(),
        complete: false,
        chunkIndex: 0,
        chunkCount: 1,
      },
    });
    const db = t.stack.subgraphs.analytics.deps.db.dataSource;
    await waitFor(
      async () => Number((await db.query(`SELECT count(*) AS n FROM analytics.interactions`))[0].n) === 3 || undefined,
      { what: '3 interactions' },
    );
    await waitFor(
      async () =>
        Number((await db.query(`SELECT count(*) AS n FROM analytics.external_offers`))[0].n) === 1 || undefined,
      { what: 'the offer' },
    );
    await waitFor(
      async () => Number((await db.query(`SELECT count(*) AS n FROM analytics.listings`))[0].n) === 1 || undefined,
      { what: 'the listing' },
    );

    const admin = await t.tokenFor(randomUUID(), [Role.ADMIN]);
    const res = await t.gql(
      `{ interactionAnalytics(from: "2026-06-01T09:45:00Z", to: "2026-06-02T00:00:00Z") { totals { type count } funnel { conversionRate } socialImpactOrderShare topSearchedProductTypes { productType count } }
         marketPriceIndex(productType: HEMP_OIL) { medianPricePerKg { amount } sampleSize }
         featureVectors(first: 5) { totalCount edges { node { label features } } } }`,
      {},
      { token: admin },
    );
    expect(res.body.errors).toBeUndefined();
    const d = res.body.data;
    expect(d.interactionAnalytics.totals.filter((x: any) => x.count > 0)).toEqual([
      { type: 'SEARCH', count: 1 },
      { type: 'LISTING_VIEW', count: 1 },
      { type: 'ORDER', count: 1 },
    ]);
    expect(d.interactionAnalytics.funnel.conversionRate).toBe(1);
    expect(d.interactionAnalytics.socialImpactOrderShare).toBe(1);
    expect(d.interactionAnalytics.topSearchedProductTypes).toEqual([{ productType: 'HEMP_OIL', count: 1 }]);
    expect(d.marketPriceIndex).toEqual({ medianPricePerKg: { amount: '110.00' }, sampleSize: 2 });
    expect(d.featureVectors.totalCount).toBe(1);
    expect(d.featureVectors.edges[0].node).toMatchObject({
      label: true,
      features: { price_per_kg: 120, buyer_prior_searches: 1, product_type_match: 1 },
    });

    expect(await eraseSubject(t.stack.subgraphs.analytics.deps, buyer)).toMatchObject({
      erased: 4,
      details: { interactions: 3, ordersAsBuyer: 1 },
    });
    expect(
      Number((await db.query(`SELECT COALESCE(sum(count), 0) AS n FROM analytics.interaction_rollup_hourly`))[0].n),
    ).toBe(0);
  });
});
