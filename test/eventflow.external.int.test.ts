import { randomUUID } from 'node:crypto';
import { createConsentClient } from '#platform/contracts/consent-client';
import type {} from '#platform/infra/events/outbox';
import type {} from '#platform/infra/auth/viewer';
import { Role } from '#platform/infra/schema/shared-types';
import type { RunningSimulators } from '../subgraphs/external-sources/simulators';
import type { SourceCrawlOutcome } from '../subgraphs/external-sources/modules/crawl/crawler';
import { externalRuntime } from '../subgraphs/external-sources/runtime';
import type { DataSourceEntity } from '../subgraphs/external-sources/modules/data-source/data-source.entity';
import { EXTERNAL_CANDIDATES_SQL } from '../subgraphs/listings-matching/modules/external-offer/external-offer.candidates';
import { externalOffersConsumer } from '../subgraphs/listings-matching/modules/external-offer/external-offer.consumer';
import { consentClient, setConsentClient } from '../subgraphs/listings-matching/modules/external-offer/consents';
import { registerUser, SOURCES, type Session } from './helpers/identity';
import { startTestStack, type TestStack } from './helpers/stack';
import { waitFor } from './helpers/wait';

import { DeferredWrites } from '#platform/infra/events/deferred';
import {
  CREATE,
  crashingAfterWrite,
  eventflowQueries,
  listingInput,
  MATCH,
  ok,
  signedInBuyer,
} from './helpers/eventflow';

/**
 * Domain events end to end: listings-matching builds its read model of external offers from
 * external.offers.crawled; enhanced matching and externalOffers follow the buyer's consent as
 * identity-consent holds it, on every request. Events in the transaction of the change:
 * eventflow.int.test.ts.
 */
let t: TestStack;
let sims: RunningSimulators;
let admin: string;
let buyer: Session;
const listingsDb = () => t.stack.subgraphs['listings-matching'].deps.db.dataSource;
const { listingsSql, externalSql, outboxEvents } = eventflowQueries(() => t);

beforeAll(async () => {
  t = await startTestStack({ env: { EVENTS_POLL_MS: '50' } });
  sims = t.stack.simulators as RunningSimulators;
  admin = await t.tokenFor(randomUUID(), [Role.ADMIN]);
  buyer = await signedInBuyer(t);
});

afterAll(async () => {
  await t?.stop();
});

const OFFERS = `query($ds: ID, $pt: ProductType, $first: Int) { externalOffers(dataSourceId: $ds, productType: $pt, first: $first) {
  totalCount edges { node { id externalId source { id } } } } }`;
const GRANT = `mutation($input: GrantConsentInput!) { grantConsent(input: $input) { id status accessLevel } }`;
const WITHDRAW = `mutation($id: ID!) { withdrawConsent(dataSourceId: $id) { id status } }`;

const RUN = `id status results { dataSource { slug } normalized gone error }`;

async function crawl(ids: string[]): Promise<any> {
  const started = ok(
    await t.gql(`mutation($ids: [ID!]) { triggerCrawl(dataSourceIds: $ids) { ${RUN} } }`, { ids }, { token: admin }),
  ).triggerCrawl;
  return waitFor(
    async () => {
      const run = ok(
        await t.gql(`query($id: ID!) { crawlRun(id: $id) { ${RUN} } }`, { id: started.id }, { token: admin }),
      ).crawlRun;
      return run.status === 'RUNNING' ? undefined : run;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `crawl run ${started.id}` },
  );
}

/** Waits until listings' read model holds exactly the live offers external-sources holds for a source. */
async function readModelCaughtUp(sourceId: string): Promise<Array<{ offer_id: string }>> {
  const live: Array<{ id: string }> = await externalSql(
    `SELECT id FROM external.external_offers WHERE data_source_id = $1 AND gone_at IS NULL ORDER BY id`,
    [sourceId],
  );
  const expected = live.map((r) => r.id).join(',');
  return waitFor(
    async () => {
      const rows: Array<{ offer_id: string }> = await listingsSql(
        `SELECT offer_id FROM listings.external_offers WHERE source_id = $1 AND NOT gone ORDER BY offer_id`,
        [sourceId],
      );
      return rows.map((r) => r.offer_id).join(',') === expected ? rows : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `the read model of ${sourceId}` },
  );
}

describe('external.offers.crawled and the read model of external offers', () => {
  it('is written with the crawl, at most 500 offers per event, with non-personal fields only', async () => {
    const run = await crawl([SOURCES.suppliers, SOURCES.exchange]);
    expect(run.status).toBe('SUCCEEDED');
    const events: Array<{ payload: any }> = await externalSql(
      `SELECT payload FROM external.outbox WHERE type = 'external.offers.crawled' AND payload->>'crawlRunId' = $1 ORDER BY id`,
      [run.id],
    );
    const hsn = events.filter((e) => e.payload.dataSourceId === SOURCES.suppliers).map((e) => e.payload);
    const sacx = events.filter((e) => e.payload.dataSourceId === SOURCES.exchange).map((e) => e.payload);
    expect(hsn.map((p) => p.offers.length)).toEqual([500, 500, 500]);
    expect(hsn.map((p) => [p.chunkIndex, p.chunkCount])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    expect(sacx.map((p) => p.offers.length)).toEqual([500, 400]);
    expect(hsn[0]).toMatchObject({
      requiredAccessLevel: 'BASIC',
      fetched: 1500,
      normalized: 1500,
      rejected: 0,
      complete: true,
      goneOfferIds: [],
    });
    expect(sacx[0].requiredAccessLevel).toBe('ADVANCED');
    // the registry produces licences, not offers: no event
    expect(events.every((e) => e.payload.dataSourceId !== SOURCES.registry)).toBe(true);
    const offer = hsn[0].offers[0];
    expect(Object.keys(offer).sort()).toEqual([
      'certifications',
      'externalId',
      'fetchedAt',
      'offerId',
      'pricePerKg',
      'productType',
      'province',
      'quantityKg',
    ]);
    const [stored] = await externalSql(
      `SELECT external_id, price_per_kg::text AS price, supplier_name FROM external.external_offers WHERE id = $1`,
      [offer.offerId],
    );
    expect(stored).toMatchObject({ external_id: offer.externalId, price: offer.pricePerKg });
    expect(JSON.stringify(hsn)).not.toContain(stored.supplier_name);
  });

  it('is built in listings-matching through the relay, with the sources’ access levels', async () => {
    expect(await readModelCaughtUp(SOURCES.suppliers)).toHaveLength(1500);
    expect(await readModelCaughtUp(SOURCES.exchange)).toHaveLength(900);
    const levels = await listingsSql(
      `SELECT source_id, required_access_level FROM listings.external_sources ORDER BY source_id`,
    );
    expect(levels).toEqual([
      { source_id: SOURCES.suppliers, required_access_level: 'BASIC' },
      { source_id: SOURCES.exchange, required_access_level: 'ADVANCED' },
    ]);
    const [a] = await externalSql(
      `SELECT id, product_type, quantity_kg::text AS q, price_per_kg::text AS p, province, certifications FROM external.external_offers WHERE data_source_id = $1 LIMIT 1`,
      [SOURCES.exchange],
    );
    const [b] = await listingsSql(
      `SELECT offer_id AS id, product_type, quantity_kg::text AS q, price_per_kg::text AS p, province, certifications FROM listings.external_offers WHERE offer_id = $1`,
      [a.id],
    );
    expect(b).toEqual(a);
    const columns: Array<{ column_name: string }> = await listingsSql(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'listings' AND table_name = 'external_offers'`,
    );
    expect(columns.map((c) => c.column_name)).not.toEqual(expect.arrayContaining(['supplier_name']));
  });

  it('marks offers gone when a later crawl no longer finds them, and ignores an older event applied late', async () => {
    const before: Array<{ id: string; external_id: string }> = await externalSql(
      `SELECT id, external_id FROM external.external_offers WHERE data_source_id = $1 ORDER BY external_id LIMIT 7`,
      [SOURCES.exchange],
    );
    sims.get('sa-cannabis-exchange').withdraw(before.map((o) => o.external_id));
    try {
      const run = await crawl([SOURCES.exchange]);
      expect(run.results[0]).toMatchObject({ gone: 7 });
      const [event] = await externalSql(
        `SELECT payload FROM external.outbox WHERE type = 'external.offers.crawled' AND payload->>'crawlRunId' = $1 ORDER BY id LIMIT 1`,
        [run.id],
      );
      expect([...event.payload.goneOfferIds].sort()).toEqual(before.map((o) => o.id).sort());
      expect(await readModelCaughtUp(SOURCES.exchange)).toHaveLength(893);
      const gone = await listingsSql(`SELECT offer_id FROM listings.external_offers WHERE gone AND source_id = $1`, [
        SOURCES.exchange,
      ]);
      expect(gone).toHaveLength(7);

      // The first crawl's event again (a retry landing late, or a replay): it is older than the
      // gone marks, so the gone offers stay gone and nothing else changes.
      const [first] = await externalSql(
        `SELECT event_id, occurred_at, payload FROM external.outbox WHERE type = 'external.offers.crawled' AND aggregate_id = $1 ORDER BY id LIMIT 1`,
        [SOURCES.exchange],
      );
      const deps = t.stack.subgraphs['listings-matching'].deps;
      const deferred = new DeferredWrites();
      await listingsDb().transaction(async (manager) => {
        await externalOffersConsumer.handlers['external.offers.crawled']!(
          {
            id: first.event_id,
            type: 'external.offers.crawled',
            version: 1,
            source: 'external-sources',
            aggregateType: 'data-source',
            aggregateId: SOURCES.exchange,
            occurredAt: first.occurred_at,
            payload: first.payload,
          },
          { manager, deps, log: deps.log, defer: deferred.add },
        );
        await deferred.flush(manager);
      });
      expect(
        await listingsSql(`SELECT offer_id FROM listings.external_offers WHERE gone AND source_id = $1`, [
          SOURCES.exchange,
        ]),
      ).toHaveLength(7);
    } finally {
      sims.get('sa-cannabis-exchange').reset();
    }
    await crawl([SOURCES.exchange]);
    expect(await readModelCaughtUp(SOURCES.exchange)).toHaveLength(900);
  });

  it('rolls the event back with the crawl results', async () => {
    const deps = t.stack.subgraphs['external-sources'].deps;
    const crawler = externalRuntime(deps).crawler;
    const [source]: DataSourceEntity[] = await externalSql(
      `SELECT id, slug, required_access_level AS "requiredAccessLevel" FROM external.data_sources WHERE id = $1`,
      [SOURCES.suppliers],
    );
    const runId = randomUUID();
    const outcome: SourceCrawlOutcome = {
      runId,
      source,
      produces: 'offers',
      offers: [
        {
          externalId: `ROLLBACK-${runId}`,
          supplierName: 'Karoo Fibre Co-op',
          productType: 'HEMP_FIBRE' as never,
          quantityKg: '10.000',
          pricePerKg: '50.00',
          province: null,
          town: null,
          certifications: [],
          licenceNumber: null,
        },
      ],
      licences: [],
      fetched: 1,
      rejected: 0,
      rejections: [],
      rejectedIds: new Set(),
      pages: 1,
      retries: 0,
      durationMs: 1,
      complete: false,
      error: null,
      note: null,
    };
    const real = deps.outbox;
    deps.outbox = crashingAfterWrite(real);
    try {
      await expect(crawler.commitSourceCrawl(outcome)).rejects.toThrow('crash after');
    } finally {
      deps.outbox = real;
    }
    expect(
      await externalSql(`SELECT id FROM external.external_offers WHERE external_id = $1`, [`ROLLBACK-${runId}`]),
    ).toHaveLength(0);
    expect(await externalSql(`SELECT id FROM external.outbox WHERE payload->>'crawlRunId' = $1`, [runId])).toHaveLength(
      0,
    );
  });
});

describe('enhanced matching and externalOffers follow consent as identity-consent holds it', () => {
  const grant = (dataSourceId: string, accessLevel: string) =>
    t.gql(
      GRANT,
      {
        input: {
          dataSourceId,
          accessLevel,
          purpose: 'Show me partner offers when I ask for matches',
          consentVersion: '2024-11-01',
        },
      },
      { token: buyer.accessToken },
    );
  const match = (input: Record<string, unknown>) =>
    t.gql(MATCH, { input: { quantityKg: 1, ...input } }, { token: buyer.accessToken });
  const externalMatches = (request: any) => request.matches.filter((m: any) => m.source === 'EXTERNAL');

  /** The product type with the most live offers of a source in the read model. */
  async function busiestProductType(sourceId: string): Promise<string> {
    const [row] = await listingsSql(
      `SELECT product_type FROM listings.external_offers WHERE source_id = $1 AND NOT gone GROUP BY product_type ORDER BY count(*) DESC, product_type LIMIT 1`,
      [sourceId],
    );
    return row.product_type;
  }

  it('offers nothing external before consent', async () => {
    await readModelCaughtUp(SOURCES.suppliers);
    const offers = ok(await t.gql(OFFERS, { first: 5 }, { token: buyer.accessToken })).externalOffers;
    expect(offers.totalCount).toBe(0);
    const request = ok(
      await match({ productType: await busiestProductType(SOURCES.suppliers), includeExternal: true }),
    ).requestMatches;
    expect(externalMatches(request)).toHaveLength(0);
  });

  it('with a BASIC consent for hemp-suppliers-network: its offers, ranked with listings, and nothing from the ADVANCED exchange', async () => {
    expect(ok(await grant(SOURCES.suppliers, 'BASIC')).grantConsent).toMatchObject({
      status: 'ACTIVE',
      accessLevel: 'BASIC',
    });

    const offers = ok(await t.gql(OFFERS, { first: 100 }, { token: buyer.accessToken })).externalOffers;
    expect(offers.totalCount).toBe(1500);
    expect(offers.edges.every((e: any) => e.node.source.id === SOURCES.suppliers)).toBe(true);
    const exchange = await t.gql(OFFERS, { ds: SOURCES.exchange, first: 5 }, { token: buyer.accessToken });
    expect(exchange.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const productType = await busiestProductType(SOURCES.suppliers);
    const request = ok(await match({ productType, includeExternal: true })).requestMatches;
    const external = externalMatches(request);
    expect(external.length).toBeGreaterThan(0);
    for (const m of request.matches) {
      // exactly one of the two
      expect((m.listing === null) !== (m.externalOffer === null)).toBe(true);
      expect(m.source).toBe(m.listing ? 'INTERNAL' : 'EXTERNAL');
    }
    for (const m of external) {
      // resolved by external-sources through the gateway, under its own consent gate
      expect(m.externalOffer).toMatchObject({ productType, source: { id: SOURCES.suppliers } });
      expect(m.explanation).toContain('quality counts certifications only');
      expect(m.breakdown.socialImpact).toBe(0);
    }
    const scores = request.matches.map((m: any) => m.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const stored = await listingsSql(
      `SELECT source, listing_id, external_offer_id FROM listings.match_results WHERE match_request_id = $1 AND source = 'EXTERNAL'`,
      [request.id],
    );
    expect(stored).toHaveLength(external.length);
    expect(stored.every((r: any) => r.listing_id === null && r.external_offer_id !== null)).toBe(true);
    const [event] = await outboxEvents('listings', 'match.requested', request.id);
    expect(event.payload).toMatchObject({ includeExternal: true, externalResultCount: external.length });

    // without includeExternal, no external offer
    const internalOnly = ok(await match({ productType })).requestMatches;
    expect(externalMatches(internalOnly)).toHaveLength(0);

    // a BASIC consent does not unlock the ADVANCED exchange, even with a consent record for it at BASIC
    ok(await grant(SOURCES.exchange, 'BASIC'));
    const exchangeType = await busiestProductType(SOURCES.exchange);
    const mixed = ok(await match({ productType: exchangeType, includeExternal: true })).requestMatches;
    const ids = externalMatches(mixed).map((m: any) => m.externalOffer.id);
    if (ids.length) {
      const sources = await listingsSql(
        `SELECT DISTINCT source_id FROM listings.external_offers WHERE offer_id = ANY($1::uuid[])`,
        [ids],
      );
      expect(sources).toEqual([{ source_id: SOURCES.suppliers }]);
    }
    expect(
      (await t.gql(OFFERS, { ds: SOURCES.exchange, first: 5 }, { token: buyer.accessToken })).body.errors?.[0]
        ?.extensions?.code,
    ).toBe('FORBIDDEN');
    ok(await t.gql(WITHDRAW, { id: SOURCES.exchange }, { token: buyer.accessToken }));
  });

  it('ranks an external offer above an otherwise equal, dearer listing: one scoring function for both', async () => {
    // the cheapest hemp-suppliers offer with a province, and a listing like it that costs one cent more
    const [offer] = await listingsSql(
      `SELECT offer_id, product_type, quantity_kg::text AS q, price_per_kg::text AS p, province, certifications
         FROM listings.external_offers WHERE source_id = $1 AND NOT gone AND province IS NOT NULL AND cardinality(certifications) <= 3
        ORDER BY price_per_kg, offer_id LIMIT 1`,
      [SOURCES.suppliers],
    );
    const otherSeller = await registerUser(t, { roles: ['SELLER'] });
    const price = (Number(offer.p) + 0.01).toFixed(2);
    const listing = ok(
      await t.gql(
        CREATE,
        {
          input: listingInput({
            productType: offer.product_type,
            quantityKg: Number(offer.q),
            pricePerKg: price,
            province: offer.province,
            certifications: offer.certifications,
            socialImpact: { smallScaleFarmer: false, womenOwned: false, youthOwned: false, communityOwned: false },
          }),
        },
        { token: otherSeller.accessToken },
      ),
    ).createListing;
    const request = ok(
      await match({
        productType: offer.product_type,
        quantityKg: 1,
        maxPricePerKg: price,
        province: offer.province,
        includeExternal: true,
      }),
    ).requestMatches;
    const rankOf = (pred: (m: any) => boolean) => request.matches.findIndex(pred);
    const offerRank = rankOf((m) => m.externalOffer?.id === offer.offer_id);
    const listingRank = rankOf((m) => m.listing?.id === listing.id);
    expect(offerRank).toBeGreaterThanOrEqual(0);
    expect(listingRank).toBeGreaterThan(offerRank);
    const o = request.matches[offerRank].breakdown;
    const l = request.matches[listingRank].breakdown;
    expect(o.price).toBeGreaterThan(l.price);
    expect({ ...o, price: 0 }).toEqual({ ...l, price: 0 });
  });

  it('selects external candidates in SQL through their index', async () => {
    await listingsDb().transaction(async (m) => {
      await m.query(`SET LOCAL enable_seqscan = off`);
      const plan = await m.query(`EXPLAIN ${EXTERNAL_CANDIDATES_SQL}`, [
        'HEMP_FIBRE',
        100,
        null,
        '10',
        0.35,
        0.15,
        0.2,
        0.15,
        Array(9).fill(0.5),
        [SOURCES.suppliers],
        50,
      ]);
      expect(plan.map((r: any) => r['QUERY PLAN']).join('\n')).toContain('external_offers_match_candidates_idx');
    });
  });

  it('after withdrawConsent the very next externalOffers and requestMatches have nothing from that source', async () => {
    const productType = await busiestProductType(SOURCES.suppliers);
    const before = ok(await match({ productType, includeExternal: true })).requestMatches;
    expect(externalMatches(before).length).toBeGreaterThan(0);

    expect(
      ok(await t.gql(WITHDRAW, { id: SOURCES.suppliers }, { token: buyer.accessToken })).withdrawConsent.status,
    ).toBe('WITHDRAWN');

    const offers = ok(await t.gql(OFFERS, { first: 5 }, { token: buyer.accessToken })).externalOffers;
    expect(offers).toEqual({ totalCount: 0, edges: [] });
    const after = ok(await match({ productType, includeExternal: true })).requestMatches;
    expect(externalMatches(after)).toHaveLength(0);
    // the earlier request still lists its external matches, but the offers themselves are no longer shown
    const old = ok(
      await t.gql(
        `query($id: ID!) { matchRequest(id: $id) { matches { source externalOffer { id productType } } } }`,
        { id: before.id },
        { token: buyer.accessToken },
      ),
    ).matchRequest;
    for (const m of old.matches.filter((x: any) => x.source === 'EXTERNAL')) expect(m.externalOffer).toBeNull();
  });

  it('with an ADVANCED consent for the exchange, its offers are matched', async () => {
    ok(await grant(SOURCES.exchange, 'ADVANCED'));
    const productType = await busiestProductType(SOURCES.exchange);
    const request = ok(await match({ productType, includeExternal: true })).requestMatches;
    const external = externalMatches(request);
    expect(external.length).toBeGreaterThan(0);
    expect(external.every((m: any) => m.externalOffer.source.id === SOURCES.exchange)).toBe(true);
    ok(await t.gql(WITHDRAW, { id: SOURCES.exchange }, { token: buyer.accessToken }));
  });

  it('fails closed when identity-consent cannot be asked, and still matches without includeExternal', async () => {
    const deps = t.stack.subgraphs['listings-matching'].deps;
    const real = consentClient(deps);
    setConsentClient(
      deps,
      createConsentClient(
        {
          subgraphUrls: { ...t.config.subgraphUrls, 'identity-consent': 'http://127.0.0.1:9/graphql' },
          INTERNAL_SECRET: t.config.INTERNAL_SECRET,
        },
        500,
      ),
    );
    try {
      const requests = async () =>
        Number(
          (
            await listingsSql(`SELECT count(*)::int AS n FROM listings.match_requests WHERE buyer_id = $1`, [buyer.id])
          )[0].n,
        );
      const before = await requests();
      const refused = await match({ productType: 'HEMP_FIBRE', includeExternal: true });
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(refused.body.data).toBeNull();
      expect(await requests()).toBe(before);
      ok(await match({ productType: 'HEMP_FIBRE' }));
    } finally {
      setConsentClient(deps, real);
    }
  });
});
