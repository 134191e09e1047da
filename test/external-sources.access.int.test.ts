import { randomUUID } from 'node:crypto';
import { signedHeaders } from './helpers/signed';
import { createConsentClient, type ActiveConsent, type ConsentClient } from '#platform/contracts/consent-client';
import { AccessLevel } from '#platform/infra/schema/shared-types';
import type { ExternalRuntime } from '../subgraphs/external-sources/runtime';
import { DEMO_CREDENTIALS, type RunningSimulators } from '../subgraphs/external-sources/simulators';
import { type TestStack, sqlOf } from './helpers/stack';
import { HSN, SACX, crawlCalls, resetSources, startExternalStack } from './helpers/external-sources';

/** external-sources through the gateway: who may crawl and see crawls, offers and consent, stored credentials, and shutdown. Crawls themselves: external-sources.int.test.ts. */
let t: TestStack;
let sims: RunningSimulators;
let runtime: ExternalRuntime;
let admin: string;
let buyer: string;
let buyerId: string;
const { trigger, crawl } = crawlCalls(
  () => t,
  () => admin,
);
const sql = sqlOf(() => t, 'external-sources');

beforeAll(async () => {
  ({ t, sims, runtime, admin, buyer, buyerId } = await startExternalStack());
  // offers and a finished run to look at, from one crawl of every source
  expect((await crawl()).status).toBe('SUCCEEDED');
});

afterAll(async () => {
  await t?.stop();
});

beforeEach(() => resetSources({ sims, runtime }));

describe('who may crawl and see crawls', () => {
  it('refuses anonymous callers and non-admins', async () => {
    const anon = await t.gql(`mutation { triggerCrawl { id } }`);
    expect(anon.body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    const asBuyer = await t.gql(`mutation { triggerCrawl { id } }`, {}, { token: buyer });
    expect(asBuyer.body.errors![0].extensions!.code).toBe('FORBIDDEN');
    const seller = await t.tokenFor(randomUUID(), ['SELLER']);
    for (const q of [
      `{ crawlRuns { totalCount } }`,
      `{ crawlRun(id: "${randomUUID()}") { id } }`,
      `{ dataSources { slug lastCrawl { id } } }`,
    ]) {
      const res = await t.gql(q, {}, { token: seller });
      expect(res.body.errors![0].extensions!.code).toBe('FORBIDDEN');
      const anonymous = await t.gql(q);
      expect(anonymous.body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    }
    const publicFields = await t.gql(`{ dataSources { slug name kind requiredAccessLevel health } }`);
    expect(publicFields.body.errors).toBeUndefined();
    expect(publicFields.body.data.dataSources).toHaveLength(3);
  });

  it('keeps CrawlRun fields admin-only when reached through _entities', async () => {
    const [{ id }] = await sql(`SELECT id FROM external.crawl_runs LIMIT 1`);
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on CrawlRun { id status } } }`;
    const sg = t.stack.subgraphs['external-sources'];
    const body = JSON.stringify({ query, variables: { r: [{ __typename: 'CrawlRun', id }] } });
    const call = async (token?: string) => {
      const headers = signedHeaders(
        t.config.GATEWAY_SECRET,
        sg.url,
        body,
        token ? { authorization: `Bearer ${token}` } : {},
      );
      const res = await fetch(sg.url, { method: 'POST', headers, body });
      return (await res.json()) as any;
    };
    const asAdmin = await call(admin);
    expect(asAdmin.errors).toBeUndefined();
    expect(asAdmin.data._entities[0]).toEqual({ id, status: expect.any(String) });
    // like crawlRun(id): not even the run's existence is disclosed
    const asBuyer = await call(buyer);
    expect(asBuyer.errors).toBeUndefined();
    expect(asBuyer.data._entities).toEqual([null]);
  });

  it('answers dataSources with lastCrawl and results in a fixed number of statements', async () => {
    const before = t.statements('external-sources');
    const res = await t.gql(
      `{ dataSources { slug health lastCrawl { status results { dataSource { name } rejections(first: 2) { totalCount } } } } }`,
      {},
      { token: admin },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.dataSources).toHaveLength(3);
    // sources, last results (2), last runs (2), results, data sources, rejections page + count
    expect(t.statements('external-sources') - before).toBeLessThanOrEqual(9);
  });
});

describe('offers and consent', () => {
  it('refuses anonymous callers', async () => {
    const res = await t.gql(`{ externalOffers { totalCount } }`);
    expect(res.body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    expect(res.body.data).toBeNull();
  });

  it('fails closed when identity-consent cannot be asked', async () => {
    const original = runtime.consents;
    runtime.consents = createConsentClient(
      {
        subgraphUrls: { ...t.config.subgraphUrls, 'identity-consent': 'http://127.0.0.1:9/graphql' },
        INTERNAL_SECRET: t.config.INTERNAL_SECRET,
      },
      500,
    );
    try {
      const res = await t.gql(
        `{ externalOffers(first: 5) { totalCount edges { node { id } } } }`,
        {},
        { token: buyer },
      );
      expect(res.body.errors![0].extensions!.code).toBe('INTERNAL_SERVER_ERROR');
      expect(res.body.data).toBeNull();
    } finally {
      runtime.consents = original;
    }
  });

  it('lists offers only from consented sources, paged, with their source batched', async () => {
    // identity-consent's answer, injected at the service's ConsentClient seam (its route lands on another branch)
    const consents: ActiveConsent[] = [
      { dataSourceId: HSN, accessLevel: AccessLevel.BASIC, consentVersion: 'v1', expiresAt: null },
    ];
    const original = runtime.consents;
    runtime.consents = {
      activeConsents: async (userId) => (userId === buyerId ? consents : []),
    } satisfies ConsentClient;
    try {
      const before = t.statements('external-sources');
      const res = await t.gql(
        `{ externalOffers(first: 50, productType: HEMP_FIBRE) { totalCount edges { cursor node { id externalId supplierName productType quantityKg pricePerKg { amount currency } province source { slug } } } pageInfo { hasNextPage endCursor } } }`,
        {},
        { token: buyer },
      );
      expect(res.body.errors).toBeUndefined();
      const page = res.body.data.externalOffers;
      expect(page.totalCount).toBeGreaterThan(50);
      expect(page.edges).toHaveLength(50);
      for (const { node } of page.edges) {
        expect(node.source.slug).toBe('hemp-suppliers-network');
        expect(node.productType).toBe('HEMP_FIBRE');
        expect(node.pricePerKg.amount).toMatch(/^\d+\.\d{2}$/);
        expect(node.pricePerKg.currency).toBe('ZAR');
      }
      expect(t.statements('external-sources') - before).toBeLessThanOrEqual(4); // sources, page, count, batched source
      const next = await t.gql(
        `query($a: String) { externalOffers(first: 50, productType: HEMP_FIBRE, after: $a) { edges { node { id } } } }`,
        { a: page.pageInfo.endCursor },
        { token: buyer },
      );
      const seen = new Set(page.edges.map((e: any) => e.node.id));
      for (const e of next.body.data.externalOffers.edges) expect(seen.has(e.node.id)).toBe(false);

      const exchange = await t.gql(
        `query($id: ID) { externalOffers(dataSourceId: $id) { totalCount } }`,
        { id: SACX },
        { token: buyer },
      );
      expect(exchange.body.errors![0].extensions!.code).toBe('FORBIDDEN');
    } finally {
      runtime.consents = original;
    }
  });
});

describe('credentials', () => {
  const secret = `hsn-user-secret-${randomUUID()}`;

  it('stores a credential encrypted and never shows it in a response or a log line', async () => {
    const responses: string[] = [];
    const call = async (q: string, v: Record<string, unknown>, token?: string) => {
      const res = await t.gql(q, v, { token });
      responses.push(JSON.stringify(res.body));
      return res;
    };
    const store = `mutation($id: ID!, $c: String!) { storeDataSourceCredential(dataSourceId: $id, credential: $c) }`;
    expect((await call(store, { id: HSN, c: secret })).body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    expect((await call(store, { id: 'nope', c: secret }, buyer)).body.errors![0].extensions!).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'dataSourceId',
    });
    expect((await call(store, { id: randomUUID(), c: secret }, buyer)).body.errors![0].extensions!.code).toBe(
      'NOT_FOUND',
    );
    expect((await call(store, { id: HSN, c: `${secret}\n` }, buyer)).body.errors![0].extensions!).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'credential',
    });
    const ok = await call(store, { id: HSN, c: secret }, buyer);
    expect(ok.body).toEqual({ data: { storeDataSourceCredential: true } });
    // stored again: replaced, still one row
    expect((await call(store, { id: HSN, c: secret }, buyer)).body.data.storeDataSourceCredential).toBe(true);

    const rows: Array<{ key_id: string; ciphertext: Buffer }> = await sql(
      `SELECT key_id, ciphertext FROM external.data_source_credentials WHERE user_id = $1`,
      [buyerId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].ciphertext.toString('utf8')).not.toContain('hsn-user-secret');
    expect(rows[0].key_id).toBe(runtime.vault.activeKeyId);

    await call(`{ dataSources { slug } }`, {}, buyer);
    await call(
      `mutation($id: ID!) { testDataSourceConnection(dataSourceId: $id) { ok message latencyMs } }`,
      { id: HSN },
      buyer,
    );
    for (const body of responses) expect(body).not.toContain(secret);
    expect(t.logs.length).toBeGreaterThan(0);
    const leaked = t.logs.filter((line) => line.includes(secret) || line.includes('hsn-user-secret'));
    expect(leaked).toEqual([]);
  });

  it('tests a connection only for signed-in callers with consent', async () => {
    const q = `mutation($id: ID!) { testDataSourceConnection(dataSourceId: $id) { ok latencyMs message } }`;
    expect((await t.gql(q, { id: HSN })).body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    const original = runtime.consents;
    runtime.consents = {
      activeConsents: async () => [
        { dataSourceId: HSN, accessLevel: AccessLevel.BASIC, consentVersion: 'v1', expiresAt: null },
      ],
    };
    try {
      // consent for HSN only: the exchange is refused
      expect((await t.gql(q, { id: SACX }, { token: buyer })).body.errors![0].extensions!.code).toBe('FORBIDDEN');
      // the stored credential is not one the source accepts
      const refused = await t.gql(q, { id: HSN }, { token: buyer });
      expect(refused.body.data.testDataSourceConnection).toMatchObject({
        ok: false,
        message: expect.stringMatching(/refused the stored credential \(HTTP 401\)/),
      });
      // a credential the source accepts
      await t.gql(
        `mutation($id: ID!, $c: String!) { storeDataSourceCredential(dataSourceId: $id, credential: $c) }`,
        { id: HSN, c: DEMO_CREDENTIALS['hemp-suppliers-network'] },
        { token: buyer },
      );
      const accepted = await t.gql(q, { id: HSN }, { token: buyer });
      expect(accepted.body.data.testDataSourceConnection).toMatchObject({
        ok: true,
        message: expect.stringMatching(/Connected/),
      });
      // none stored
      const other = await t.tokenFor(randomUUID(), ['BUYER']);
      const none = await t.gql(q, { id: HSN }, { token: other });
      expect(none.body.data.testDataSourceConnection).toMatchObject({
        ok: false,
        message: expect.stringMatching(/No credential stored/),
      });
      // deleted
      const del = await t.gql(
        `mutation($id: ID!) { deleteDataSourceCredential(dataSourceId: $id) }`,
        { id: HSN },
        { token: buyer },
      );
      expect(del.body.data.deleteDataSourceCredential).toBe(true);
      expect((await t.gql(q, { id: HSN }, { token: buyer })).body.data.testDataSourceConnection.ok).toBe(false);
    } finally {
      runtime.consents = original;
    }
  });
});

describe('shutdown', () => {
  it('stops a crawl still RUNNING and marks it, never leaving it RUNNING', async () => {
    sims.get('hemp-suppliers-network').setFaults({ latencyMs: 300 });
    const res = await trigger([HSN]);
    const id = res.body.data.triggerCrawl.id;
    await runtime.crawler.stop(5000);
    const [row] = await sql(`SELECT status, error FROM external.crawl_runs WHERE id = $1`, [id]);
    expect(row).toEqual({ status: 'FAILED', error: 'stopped at shutdown' });
    const [result] = await sql(`SELECT status, error FROM external.crawl_source_results WHERE crawl_run_id = $1`, [id]);
    expect(result).toEqual({ status: 'FAILED', error: 'stopped at shutdown' });
    const after = await trigger([HSN]);
    expect(after.body.errors![0].extensions!.code).toBe('CONFLICT');
  });
});
