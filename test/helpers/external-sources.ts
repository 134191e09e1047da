import { randomUUID } from 'node:crypto';
import { externalRuntime, type ExternalRuntime } from '../../subgraphs/external-sources/runtime';
import type { RunningSimulators } from '../../subgraphs/external-sources/simulators';
import { startTestStack, type GraphQLResponse, type TestStack } from './stack';
import { waitFor } from './wait';

/** Shared by the external-sources tests (external-sources*.int.test.ts): the stack, its simulators, crawls. */
export const HSN = '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a01';
export const SACX = '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a02';
export const REG = '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a03';

export interface ExternalFixture {
  t: TestStack;
  sims: RunningSimulators;
  runtime: ExternalRuntime;
  admin: string;
  buyer: string;
  buyerId: string;
}

/** A stack whose simulated sources and connectors are tuned for fast, observable failures. */
export async function startExternalStack(): Promise<ExternalFixture> {
  const t = await startTestStack({
    env: {
      LOG_LEVEL: 'debug',
      // Not tight: simulators answering slowly on a busy machine must not turn every crawl into a
      // timeout (no test here is about the connector's timeout; external-connectors.test.ts is).
      CONNECTOR_TIMEOUT_MS: '5000',
      CONNECTOR_MAX_RETRIES: '3',
      CONNECTOR_BACKOFF_BASE_MS: '5',
      CONNECTOR_BACKOFF_MAX_MS: '20',
      BREAKER_VOLUME_THRESHOLD: '3',
      BREAKER_RESET_MS: '200',
    },
  });
  const buyerId = randomUUID();
  return {
    t,
    sims: t.stack.simulators as RunningSimulators,
    runtime: externalRuntime(t.stack.subgraphs['external-sources'].deps),
    admin: await t.tokenFor(randomUUID(), ['ADMIN']),
    buyer: await t.tokenFor(buyerId, ['BUYER']),
    buyerId,
  };
}

/**
 * Healthy simulators and fresh breakers (closed, no failures remembered), whatever the test before
 * broke: for a beforeEach, so no test depends on the order they run in, or on waiting for a breaker
 * to reach half-open.
 */
export function resetSources(f: Pick<ExternalFixture, 'sims' | 'runtime'>): void {
  for (const h of f.sims.handles) h.reset();
  for (const source of f.runtime.sources.values()) source.http.resetBreaker();
}

export const RUN_FIELDS = `id status trigger startedAt finishedAt error
  results { dataSource { slug } finished fetched normalized rejected gone pages retries durationMs error }`;

export const bySlug = (run: any) => Object.fromEntries(run.results.map((r: any) => [r.dataSource.slug, r]));

/** Crawls through the gateway as `admin()` against the stack `stack()` returns. */
export function crawlCalls(stack: () => TestStack, admin: () => string) {
  async function trigger(ids?: string[]): Promise<GraphQLResponse> {
    return stack().gql(
      `mutation($ids: [ID!]) { triggerCrawl(dataSourceIds: $ids) { ${RUN_FIELDS} } }`,
      { ids },
      { token: admin() },
    );
  }

  /** Polls crawlRun until it leaves RUNNING, with a deadline: a crawl that hangs fails the test. */
  async function waitForRun(id: string, timeoutMs = 30_000): Promise<any> {
    return waitFor(
      async () => {
        const res = await stack().gql(
          `query($id: ID!) { crawlRun(id: $id) { ${RUN_FIELDS} } }`,
          { id },
          { token: admin() },
        );
        expect(res.body.errors).toBeUndefined();
        const run = res.body.data.crawlRun;
        return run.status !== 'RUNNING' && run;
      },
      { timeoutMs, intervalMs: 100, what: `crawl ${id} to leave RUNNING` },
    );
  }

  async function crawl(ids?: string[]): Promise<any> {
    const res = await trigger(ids);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.triggerCrawl.status).toBe('RUNNING');
    return waitForRun(res.body.data.triggerCrawl.id);
  }

  return { trigger, waitForRun, crawl };
}
