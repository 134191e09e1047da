import { createConsentClient, type ConsentClient } from '#platform/contracts/consent-client';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { checkSourceCredentials, createSourceRuntimes, type SourceRuntime } from './modules/connector/source-runtime';
import { startCrawlScheduler } from './modules/crawl/crawl-scheduler';
import { Crawler } from './modules/crawl/crawler';
import { loadVault, type Vault } from './modules/credential/vault';
import { DataSourceEntity } from './modules/data-source/data-source.entity';

/**
 * What lives as long as the service (not a request): each source's connector with its breaker,
 * the crawler, the vault, and how consent is asked. Resolvers reach it through their deps.
 */
export interface ExternalRuntime {
  sources: ReadonlyMap<string, SourceRuntime>;
  crawler: Crawler;
  vault: Vault;
  /** Injectable: identity-consent's signed internal route by default. */
  consents: ConsentClient;
}

const runtimes = new WeakMap<SubgraphDeps, ExternalRuntime>();

export function externalRuntime(deps: SubgraphDeps): ExternalRuntime {
  const runtime = runtimes.get(deps);
  if (!runtime) throw new Error('external-sources runtime used before the subgraph started');
  return runtime;
}

/**
 * onStart: refuse development secrets in production, build the runtime, sweep runs a dead process
 * left RUNNING, start the schedule.
 */
export async function startExternalRuntime(deps: SubgraphDeps, consents?: ConsentClient): Promise<() => Promise<void>> {
  checkSourceCredentials(deps.config);
  const vault = loadVault(deps.config);
  const rows = await deps.db.dataSource.getRepository(DataSourceEntity).find();
  const sources = createSourceRuntimes(deps.config, deps.log, Object.fromEntries(rows.map((r) => [r.slug, r.baseUrl])));
  const crawler = new Crawler(deps, sources);
  const runtime: ExternalRuntime = {
    sources,
    crawler,
    vault,
    consents: consents ?? createConsentClient(deps.config),
  };
  runtimes.set(deps, runtime);
  await crawler.sweepStale();
  const stopScheduler = startCrawlScheduler(deps, crawler);
  return async () => {
    stopScheduler();
    await crawler.stop(deps.config.SHUTDOWN_GRACE_MS);
    for (const s of sources.values()) s.http.shutdown();
  };
}
