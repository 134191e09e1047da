import { randomUUID } from 'node:crypto';
import { signInternalRequest, INTERNAL_SIGNATURE_HEADER } from '#platform/infra/auth/gateway-signature';
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
import type { TestStack } from './helpers/stack';
import { waitFor } from './helpers/wait';
import {
  ANALYTICS,
  analyticsQueries,
  listed,
  setUpAnalytics,
  type Emit,
  at,
  buyer1,
  buyer2,
  sellerA,
  sellerB,
  L1,
  L2,
  L3,
  source1,
  order1,
  snapshot,
} from './helpers/analytics-fixture';

/**
 * Analytics end to end, what is built on the log: ML readiness, experiments, performance metrics,
 * who may not see them, and privacy (export, erasure, retention).
 * The fixture events and every figure's hand computation: helpers/analytics-fixture.ts.
 */
describe('analytics', () => {
  let t: TestStack;
  let admin: string;
  let buyerToken: string;
  let emit: Emit;
  let realUsers: Awaited<ReturnType<typeof insertUsers>>;
  const { db, count, expectRollupMatchesLog } = analyticsQueries(() => t);

  beforeAll(async () => {
    ({ t, admin, buyerToken, emit } = await setUpAnalytics());
  });

  afterAll(async () => {
    await t?.stop();
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
