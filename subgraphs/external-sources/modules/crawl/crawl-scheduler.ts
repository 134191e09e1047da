import { ConflictError } from '#platform/infra/errors';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { DataSourceEntity } from '../data-source/data-source.entity';
import type { Crawler } from './crawler';

/**
 * Crawls every source each CRAWL_INTERVAL_SECONDS (0: never), and sweeps abandoned runs more often
 * than that so a run left by a dead process is marked FAILED within about its stale age.
 */
export function startCrawlScheduler(deps: SubgraphDeps, crawler: Crawler): () => void {
  const timers: NodeJS.Timeout[] = [];
  const interval = deps.config.crawlIntervalSeconds;
  if (interval > 0) {
    const tick = async () => {
      try {
        const sources = await deps.db.dataSource.getRepository(DataSourceEntity).find({ order: { slug: 'ASC' } });
        await crawler.trigger(sources, 'SCHEDULED', null);
      } catch (err) {
        if (err instanceof ConflictError) deps.log.info({ reason: err.message }, 'scheduled crawl skipped');
        else deps.log.error({ err }, 'scheduled crawl could not start');
      }
    };
    timers.push(setTimeout(() => void tick(), 2000)); // a first crawl soon after start, so a fresh stack has offers
    timers.push(setInterval(() => void tick(), interval * 1000));
    deps.log.info({ everySeconds: interval }, 'scheduled crawls on');
  }
  const sweepMs = Math.max(5, Math.floor(deps.config.CRAWL_STALE_AFTER_SECONDS / 2)) * 1000;
  timers.push(
    setInterval(
      () => void crawler.sweepStale().catch((err) => deps.log.warn({ err }, 'stale crawl sweep failed')),
      sweepMs,
    ),
  );
  for (const t of timers) t.unref();
  return () => timers.forEach(clearInterval);
}
