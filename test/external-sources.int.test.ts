import { randomUUID } from 'node:crypto';
import type { ExternalRuntime } from '../subgraphs/external-sources/runtime';
import type { RunningSimulators } from '../subgraphs/external-sources/simulators';
import { type TestStack, sqlOf } from './helpers/stack';
import { waitFor } from './helpers/wait';
import {
  HSN,
  REG,
  RUN_FIELDS,
  SACX,
  bySlug,
  crawlCalls,
  resetSources,
  startExternalStack,
} from './helpers/external-sources';

/** Crawls through the gateway: progress, paging, rejections, upserts, retries, breakers and run states. Who may crawl, offers, consent and credentials: external-sources.access.int.test.ts. */
let t: TestStack;
let sims: RunningSimulators;
let runtime: ExternalRuntime;
let admin: string;
const { trigger, waitForRun, crawl } = crawlCalls(
  () => t,
  () => admin,
);
const sql = sqlOf(() => t, 'external-sources');

beforeAll(async () => {
  ({ t, sims, runtime, admin } = await startExternalStack());
});

afterAll(async () => {
  await t?.stop();
});

beforeEach(() => resetSources({ sims, runtime }));

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
    // 15 pages of 100 at 3 in flight, 400 ms each: about 2 s of crawling to watch
    sims.get('hemp-suppliers-network').setFaults({ latencyMs: 400 });
    const res = await trigger([HSN]);
    expect(res.body.errors).toBeUndefined();
    const id = res.body.data.triggerCrawl.id;
    const seen: Array<{ fetched: number; pages: number }> = [];
    // samples the run every 100 ms until it ends
    const run = await waitFor(
      async () => {
        const poll = await t.gql(`query($id: ID!) { crawlRun(id: $id) { ${RUN_FIELDS} } }`, { id }, { token: admin });
        const current = poll.body.data.crawlRun;
        const [source] = current.results;
        if (!source.finished) {
          seen.push({ fetched: source.fetched, pages: source.pages });
          expect(source.normalized).toBe(0); // stored only when the source finishes
        }
        return current.status !== 'RUNNING' && current;
      },
      { intervalMs: 100, what: `crawl ${id} to finish` },
    );
    const partial = seen.filter((p) => p.fetched > 0 && p.fetched < 1500);
    expect(partial.length).toBeGreaterThan(0);
    for (const p of partial) expect(p.fetched).toBe(p.pages * 100);
    // never going backwards
    for (let i = 1; i < seen.length; i++) expect(seen[i].fetched).toBeGreaterThanOrEqual(seen[i - 1].fetched);
    expect(run.results[0]).toMatchObject({ finished: true, fetched: 1500, normalized: 1500, pages: 15 });
  });

  it('lists runs newest first, in pages', async () => {
    await crawl([REG]);
    await crawl([REG]);
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
    expect((await crawl([REG])).status).toBe('SUCCEEDED'); // what the failing source had before it failed
    runtime.sources.get('regulatory-registry')!.http.resetBreaker(); // its successes must not outvote the outage
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
    for (const h of sims.handles) h.setFaults({ outage: true });
    const run = await crawl();
    expect(run.status).toBe('FAILED');
    expect(run.results.every((r: any) => r.finished && r.error)).toBe(true);
  });

  it('refuses a second crawl of a source that is still being crawled', async () => {
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
