import { randomUUID } from 'node:crypto';
import { signedHeaders } from './helpers/signed';
import { createConsentClient, type ActiveConsent, type ConsentClient } from '#platform/contracts/consent-client';
import { AccessLevel } from '#platform/infra/schema/shared-types';
import { externalRuntime, type ExternalRuntime } from '../subgraphs/external-sources/runtime';
import { DEMO_CREDENTIALS, type RunningSimulators } from '../subgraphs/external-sources/simulators';
import { startTestStack, type GraphQLResponse, type TestStack } from './helpers/stack';

const HSN = '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a01';
const SACX = '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a02';
const REG = '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a03';

let t: TestStack;
let sims: RunningSimulators;
let runtime: ExternalRuntime;
let admin: string;
let buyer: string;
const buyerId = randomUUID();

beforeAll(async () => {
  t = await startTestStack({
    env: {
      LOG_LEVEL: 'debug',
      CONNECTOR_TIMEOUT_MS: '500',
      CONNECTOR_MAX_RETRIES: '3',
      CONNECTOR_BACKOFF_BASE_MS: '5',
      CONNECTOR_BACKOFF_MAX_MS: '20',
      BREAKER_VOLUME_THRESHOLD: '3',
      BREAKER_RESET_MS: '200',
    },
  });
  sims = t.stack.simulators as RunningSimulators;
  runtime = externalRuntime(t.stack.subgraphs['external-sources'].deps);
  admin = await t.tokenFor(randomUUID(), ['ADMIN']);
  buyer = await t.tokenFor(buyerId, ['BUYER']);
});

afterAll(async () => {
  await t?.stop();
});

beforeEach(() => {
  for (const h of sims.handles) h.reset();
});

const RUN_FIELDS = `id status trigger startedAt finishedAt error
  results { dataSource { slug } finished fetched normalized rejected gone pages retries durationMs error }`;

async function trigger(ids?: string[]): Promise<GraphQLResponse> {
  return t.gql(
    `mutation($ids: [ID!]) { triggerCrawl(dataSourceIds: $ids) { ${RUN_FIELDS} } }`,
    { ids },
    { token: admin },
  );
}

/** Polls crawlRun until it leaves RUNNING, with a deadline: a crawl that hangs fails the test. */
async function waitForRun(id: string, deadlineMs = 30_000): Promise<any> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const res = await t.gql(`query($id: ID!) { crawlRun(id: $id) { ${RUN_FIELDS} } }`, { id }, { token: admin });
    expect(res.body.errors).toBeUndefined();
    const run = res.body.data.crawlRun;
    if (run.status !== 'RUNNING') return run;
    if (Date.now() > deadline) throw new Error(`crawl ${id} still RUNNING after ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function crawl(ids?: string[]): Promise<any> {
  const res = await trigger(ids);
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data.triggerCrawl.status).toBe('RUNNING');
  return waitForRun(res.body.data.triggerCrawl.id);
}

const bySlug = (run: any) => Object.fromEntries(run.results.map((r: any) => [r.dataSource.slug, r]));
const sql = (text: string, params: unknown[] = []) =>
  t.stack.subgraphs['external-sources'].deps.db.dataSource.query(text, params);

describe('a crawl through the gateway', () => {
  it('returns at once with a RUNNING run and crawls every source to the end', async () => {
    const res = await trigger();
    expect(res.body.errors).toBeUndefined();
    const started = res.body.data.triggerCrawl;
    expect(started).toMatchObject({ status: 'RUNNING', trigger: 'MANUAL', finishedAt: null });
    expect(started.results).toHaveLength(3);
    expect(started.results.every((r: any) => r.finished === false)).toBe(true);

    const run = await waitForRun(started.id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.finishedAt).not.toBeNull();
    const r = bySlug(run);
    expect(r['hemp-suppliers-network']).toMatchObject({
      finished: true,
      fetched: 1500,
      normalized: 1500,
      rejected: 0,
      pages: 15,
      error: null,
    });
    expect(r['sa-cannabis-exchange']).toMatchObject({
      fetched: 900,
      normalized: 900,
      rejected: 0,
      pages: 5,
      error: null,
    });
    expect(r['regulatory-registry']).toMatchObject({
      fetched: 600,
      normalized: 600,
      rejected: 0,
      pages: 3,
      error: null,
    });

    const [{ offers }] = await sql(
      `SELECT count(*)::int AS offers FROM external.external_offers WHERE gone_at IS NULL`,
    );
    const [{ licences }] = await sql(`SELECT count(*)::int AS licences FROM external.licences WHERE gone_at IS NULL`);
    expect(offers).toBe(2400);
    expect(licences).toBe(600);
    const [sample] = await sql(
      `SELECT price_per_kg::text AS price, quantity_kg::text AS qty FROM external.external_offers WHERE external_id = 'HSN-010000'`,
    );
    expect(sample.price).toMatch(/^\d+\.\d{2}$/);

    const health = await t.gql(`{ dataSources { slug health lastCrawl { id status } } }`, {}, { token: admin });
    expect(health.body.errors).toBeUndefined();
    for (const ds of health.body.data.dataSources)
      expect(ds).toMatchObject({ health: 'HEALTHY', lastCrawl: { id: started.id, status: 'SUCCEEDED' } });
  });

  it('exports crawl figures at /metrics', async () => {
    const base = t.stack.subgraphs['external-sources'].url.replace(/\/graphql$/, '');
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(
      /external_crawl_records_total\{[^}]*source="hemp-suppliers-network"[^}]*outcome="normalized"[^}]*\} 1500/,
    );
    expect(text).toMatch(/external_source_breaker_open\{[^}]*source="regulatory-registry"[^}]*\} 0/);
    expect(text).toMatch(/external_crawl_runs_total\{[^}]*trigger="MANUAL"[^}]*status="SUCCEEDED"[^}]*\} [1-9]/);
  });

  it('shows records and pages read so far while a source is still being crawled', async () => {
    await new Promise((r) => setTimeout(r, 250)); // let the breakers of earlier tests settle
    // 15 pages of 100 at 3 in flight, 400 ms each: about 2 s of crawling to watch
    sims.get('hemp-suppliers-network').setFaults({ latencyMs: 400 });
    const res = await trigger([HSN]);
    expect(res.body.errors).toBeUndefined();
    const id = res.body.data.triggerCrawl.id;
    const seen: Array<{ fetched: number; pages: number }> = [];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      const poll = await t.gql(`query($id: ID!) { crawlRun(id: $id) { ${RUN_FIELDS} } }`, { id }, { token: admin });
      const run = poll.body.data.crawlRun;
      if (run.status !== 'RUNNING') break;
      const [source] = run.results;
      if (!source.finished) {
        seen.push({ fetched: source.fetched, pages: source.pages });
        expect(source.normalized).toBe(0); // stored only when the source finishes
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const partial = seen.filter((p) => p.fetched > 0 && p.fetched < 1500);
    expect(partial.length).toBeGreaterThan(0);
    for (const p of partial) expect(p.fetched).toBe(p.pages * 100);
    // never going backwards
    for (let i = 1; i < seen.length; i++) expect(seen[i].fetched).toBeGreaterThanOrEqual(seen[i - 1].fetched);
    const run = await waitForRun(id);
    expect(run.results[0]).toMatchObject({ finished: true, fetched: 1500, normalized: 1500, pages: 15 });
  });

  it('lists runs newest first, in pages', async () => {
    await crawl([HSN]);
    const res = await t.gql(
      `{ crawlRuns(first: 1) { totalCount edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }`,
      {},
      { token: admin },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.crawlRuns.totalCount).toBeGreaterThanOrEqual(2);
    expect(res.body.data.crawlRuns.pageInfo.hasNextPage).toBe(true);
    const next = await t.gql(
      `query($a: String) { crawlRuns(first: 1, after: $a) { edges { node { id startedAt } } } }`,
      { a: res.body.data.crawlRuns.pageInfo.endCursor },
      { token: admin },
    );
    expect(next.body.data.crawlRuns.edges[0].node.id).not.toBe(res.body.data.crawlRuns.edges[0].node.id);
    const tooMany = await t.gql(`{ crawlRuns(first: 101) { totalCount } }`, {}, { token: admin });
    expect(tooMany.body.errors![0].extensions!).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('counts malformed records as rejected and keeps them inspectable', async () => {
    sims.get('hemp-suppliers-network').setFaults({ malformedRate: 0.05 });
    const run = await crawl([HSN]);
    expect(run.status).toBe('SUCCEEDED');
    const r = run.results[0];
    expect(r.rejected).toBeGreaterThan(30);
    expect(r.normalized + r.rejected).toBe(r.fetched);
    expect(r.fetched).toBe(1500);

    const res = await t.gql(
      `query($id: ID!) { crawlRun(id: $id) { results { rejected rejections(first: 100) { totalCount edges { node { externalId reason record } } pageInfo { hasNextPage } } } } }`,
      { id: run.id },
      { token: admin },
    );
    expect(res.body.errors).toBeUndefined();
    const result = res.body.data.crawlRun.results[0];
    expect(result.rejections.totalCount).toBe(result.rejected);
    const reasons = result.rejections.edges.map((e: any) => e.node.reason).join('\n');
    expect(reasons).toMatch(/quantity_tonnes/);
    expect(reasons).toMatch(/no product type/);
    expect(reasons).toMatch(/price_zar_per_tonne/);
    for (const e of result.rejections.edges) {
      expect(e.node.externalId).toMatch(/^HSN-/);
      expect(e.node.record).toMatchObject({ listing_ref: e.node.externalId });
    }
    // what the partner broke is not counted as gone: a rejected record keeps its earlier good copy
    expect(r.gone).toBe(0);
  });

  it('re-crawling upserts by (source, externalId) and marks offers that disappeared as gone', async () => {
    await crawl([SACX]);
    const before: Array<{ id: string; external_id: string }> = await sql(
      `SELECT id, external_id FROM external.external_offers WHERE data_source_id = $1 ORDER BY external_id`,
      [SACX],
    );
    const withdrawn = before.slice(0, 12).map((o) => o.external_id);
    sims.get('sa-cannabis-exchange').withdraw(withdrawn);
    const run = await crawl([SACX]);
    expect(run.results[0]).toMatchObject({ fetched: 888, normalized: 888, gone: 12 });
    const after: Array<{ id: string; external_id: string; gone: boolean }> = await sql(
      `SELECT id, external_id, gone_at IS NOT NULL AS gone FROM external.external_offers WHERE data_source_id = $1 ORDER BY external_id`,
      [SACX],
    );
    expect(after.map((o) => o.id)).toEqual(before.map((o) => o.id)); // the same rows, updated in place
    expect(after.filter((o) => o.gone).map((o) => o.external_id)).toEqual(withdrawn);

    sims.get('sa-cannabis-exchange').reset();
    const back = await crawl([SACX]);
    expect(back.results[0]).toMatchObject({ normalized: 900, gone: 0 });
    const [{ gone }] = await sql(
      `SELECT count(*)::int AS gone FROM external.external_offers WHERE data_source_id = $1 AND gone_at IS NOT NULL`,
      [SACX],
    );
    expect(gone).toBe(0);
  });

  it('stops at the page cap without marking unseen offers gone', async () => {
    const config = t.stack.subgraphs['external-sources'].deps.config;
    const cap = config.CRAWL_PAGE_CAP;
    config.CRAWL_PAGE_CAP = 2;
    try {
      const run = await crawl([HSN]);
      expect(run.status).toBe('SUCCEEDED');
      expect(run.results[0]).toMatchObject({
        pages: 2,
        fetched: 200,
        normalized: 200,
        gone: 0,
        error: expect.stringMatching(/page cap \(2 pages\)/),
      });
      const [{ live }] = await sql(
        `SELECT count(*)::int AS live FROM external.external_offers WHERE data_source_id = $1 AND gone_at IS NULL`,
        [HSN],
      );
      expect(live).toBe(1500);
    } finally {
      config.CRAWL_PAGE_CAP = cap;
    }
  });

  it('recovers from transient failures by retrying and reports the retries', async () => {
    const sim = sims.get('hemp-suppliers-network');
    sim.failNext('500', 1);
    sim.failNext('429', 1);
    sim.setFaults({ retryAfterSeconds: 0 });
    const run = await crawl([HSN]);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.results[0]).toMatchObject({ fetched: 1500, normalized: 1500, retries: 2, error: null });
  });

  it('isolates a failing source: its breaker opens, the run ends PARTIAL, the others succeed', async () => {
    sims.get('regulatory-registry').setFaults({ outage: true });
    let opened = false;
    runtime.sources.get('regulatory-registry')!.http.breaker.once('open', () => (opened = true));
    const run = await crawl();
    expect(run.status).toBe('PARTIAL');
    const r = bySlug(run);
    expect(r['regulatory-registry']).toMatchObject({
      finished: true,
      normalized: 0,
      error: expect.stringMatching(/503|circuit breaker open/),
    });
    expect(r['hemp-suppliers-network']).toMatchObject({ normalized: 1500, error: null });
    expect(r['sa-cannabis-exchange']).toMatchObject({ normalized: 900, error: null });
    expect(opened).toBe(true);
    const ds = await t.gql(`{ dataSources { slug health } }`);
    const health = Object.fromEntries(ds.body.data.dataSources.map((d: any) => [d.slug, d.health]));
    expect(health['regulatory-registry']).toBe('DOWN');
    expect(health['hemp-suppliers-network']).toBe('HEALTHY');
    // a failed source keeps what it had: nothing is marked gone
    const [{ live }] = await sql(`SELECT count(*)::int AS live FROM external.licences WHERE gone_at IS NULL`);
    expect(live).toBe(600);
  });

  it('ends FAILED when every source fails', async () => {
    await new Promise((r) => setTimeout(r, 250)); // let the breaker from the previous test reach half-open
    for (const h of sims.handles) h.setFaults({ outage: true });
    const run = await crawl();
    expect(run.status).toBe('FAILED');
    expect(run.results.every((r: any) => r.finished && r.error)).toBe(true);
  });

  it('refuses a second crawl of a source that is still being crawled', async () => {
    await new Promise((r) => setTimeout(r, 250));
    sims.get('hemp-suppliers-network').setFaults({ latencyMs: 100 });
    const first = await trigger([HSN]);
    expect(first.body.errors).toBeUndefined();
    const second = await trigger([HSN]);
    expect(second.body.errors![0].extensions!.code).toBe('CONFLICT');
    expect(second.body.errors![0].message).toMatch(/hemp-suppliers-network/);
    const run = await waitForRun(first.body.data.triggerCrawl.id);
    expect(run.status).toBe('SUCCEEDED');
  });

  it('checks the ids it is given', async () => {
    const bad = await trigger(['nope']);
    expect(bad.body.errors![0].extensions!).toMatchObject({ code: 'BAD_USER_INPUT', field: 'dataSourceIds' });
    const empty = await trigger([]);
    expect(empty.body.errors![0].extensions!).toMatchObject({ code: 'BAD_USER_INPUT', field: 'dataSourceIds' });
    const unknown = await trigger([randomUUID()]);
    expect(unknown.body.errors![0].extensions!.code).toBe('NOT_FOUND');
  });

  it('marks runs abandoned by a dead process FAILED', async () => {
    const [{ id }] = await sql(
      `INSERT INTO external.crawl_runs (status, trigger, started_at, heartbeat_at) VALUES ('RUNNING', 'SCHEDULED', now() - interval '1 hour', now() - interval '1 hour') RETURNING id`,
    );
    await sql(
      `INSERT INTO external.crawl_source_results (crawl_run_id, data_source_id, status) VALUES ($1, $2, 'RUNNING')`,
      [id, REG],
    );
    expect(await runtime.crawler.sweepStale()).toBe(1);
    const run = await waitForRun(id, 1);
    expect(run).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/abandoned/) });
    expect(run.results[0]).toMatchObject({ finished: true, error: expect.stringMatching(/abandoned/) });
  });
});

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
