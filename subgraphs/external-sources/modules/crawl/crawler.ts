import type { EntityManager } from 'typeorm';
import { ConflictError } from '#platform/infra/errors';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { SourceRuntime } from '../connector/source-runtime';
import type { DataSourceEntity } from '../data-source/data-source.entity';
import { CrawlRunEntity, type CrawlTrigger } from './crawl.entity';
import { emptyOutcome, fetchSource, type SourceCrawlOutcome } from './crawl.fetch';
import { createCrawlMetrics, type CrawlMetrics } from './crawl.metrics';
import { commitSourceCrawl } from './crawl.persist';

// Kept here too: callers (and tests) know the crawler, not how it is split.
export type { Rejection, SourceCrawlOutcome } from './crawl.fetch';

const HEARTBEAT_MS = 5000;
/** While a source is crawled, its result row shows records and pages read so far, at most this stale. */
export const PROGRESS_FLUSH_MS = 500;

/**
 * Crawls sources in the background. A run starts RUNNING and returns at once; each source is
 * crawled in parallel and in isolation (its own breaker, limits and error); the run ends
 * SUCCEEDED, PARTIAL or FAILED, and is never left RUNNING: shutdown stops it and marks it, and
 * runs abandoned by a crashed process are swept to FAILED by their stale heartbeat.
 */
export class Crawler {
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private stopping = false;
  private readonly metrics: CrawlMetrics;

  constructor(
    private readonly deps: SubgraphDeps,
    private readonly runtimes: ReadonlyMap<string, SourceRuntime>,
  ) {
    this.metrics = createCrawlMetrics(deps.metrics, runtimes);
  }

  /** Starts a run over `sources` and returns it while still RUNNING. */
  async trigger(
    sources: DataSourceEntity[],
    trigger: CrawlTrigger,
    requestedBy: string | null,
  ): Promise<CrawlRunEntity> {
    if (this.stopping) throw new ConflictError('The service is shutting down; try again shortly');
    const ids = sources.map((s) => s.id);
    const run = await this.deps.db.dataSource.transaction(async (m) => {
      // One trigger at a time across replicas, so two runs never crawl the same source at once.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('external:crawl-trigger'))`);
      await this.sweepStale(m);
      const busy: Array<{ slug: string }> = await m.query(
        `SELECT DISTINCT d.slug FROM external.crawl_source_results r JOIN external.data_sources d ON d.id = r.data_source_id
         WHERE r.status = 'RUNNING' AND r.data_source_id = ANY($1::uuid[])`,
        [ids],
      );
      if (busy.length) throw new ConflictError(`A crawl of ${busy.map((b) => b.slug).join(', ')} is already running`);
      const [row]: CrawlRunEntity[] = await m.query(
        `INSERT INTO external.crawl_runs (status, trigger, requested_by) VALUES ('RUNNING', $1, $2)
         RETURNING id, status, trigger, requested_by AS "requestedBy", started_at AS "startedAt", finished_at AS "finishedAt", heartbeat_at AS "heartbeatAt", error`,
        [trigger, requestedBy],
      );
      await m.query(
        `INSERT INTO external.crawl_source_results (crawl_run_id, data_source_id, status, started_at)
         SELECT $1, unnest($2::uuid[]), 'RUNNING', $3`,
        [row.id, ids, row.startedAt],
      );
      return row;
    });
    const controller = new AbortController();
    const done = this.execute(run, sources, controller.signal)
      .catch((err) => this.deps.log.error({ err, crawlRunId: run.id }, 'crawl run could not be finished'))
      .finally(() => this.active.delete(run.id));
    this.active.set(run.id, { controller, done });
    this.deps.log.info({ crawlRunId: run.id, trigger, sources: sources.map((s) => s.slug) }, 'crawl started');
    return run;
  }

  /** Resolves when every run in flight has finished (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  /** Stops runs in flight; each still records what it managed and ends FAILED or PARTIAL, never RUNNING. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const { controller } of this.active.values()) controller.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    // Anything that did not finish in time is marked here, so no run outlives the process as RUNNING.
    for (const runId of this.active.keys()) {
      await this.markRunFailed(runId, 'stopped at shutdown').catch((err) =>
        this.deps.log.error({ err, crawlRunId: runId }, 'could not mark a stopped crawl'),
      );
    }
  }

  /** Runs whose heartbeat stopped (their process died) are marked FAILED. Returns how many. */
  async sweepStale(manager: EntityManager = this.deps.db.dataSource.manager): Promise<number> {
    const stale: Array<{ id: string }> = await manager.query(
      `WITH swept AS (
         UPDATE external.crawl_runs SET status = 'FAILED', finished_at = now(), error = 'abandoned: its process stopped without finishing it'
         WHERE status = 'RUNNING' AND heartbeat_at < now() - make_interval(secs => $1)
         RETURNING id)
       SELECT id FROM swept`,
      [this.deps.config.CRAWL_STALE_AFTER_SECONDS],
    );
    if (!stale.length) return 0;
    const ids = stale.map((s) => s.id);
    await manager.query(
      `UPDATE external.crawl_source_results SET status = 'FAILED', finished_at = now(), error = coalesce(error, 'abandoned: its process stopped without finishing it')
       WHERE crawl_run_id = ANY($1::uuid[]) AND status = 'RUNNING'`,
      [ids],
    );
    this.deps.log.warn({ crawlRunIds: ids }, 'marked abandoned crawl runs FAILED');
    return ids.length;
  }

  private async markRunFailed(runId: string, error: string): Promise<void> {
    await this.deps.db.dataSource.transaction(async (m) => {
      await m.query(
        `UPDATE external.crawl_source_results SET status = 'FAILED', finished_at = now(), error = $2 WHERE crawl_run_id = $1 AND status = 'RUNNING'`,
        [runId, error],
      );
      await m.query(
        `UPDATE external.crawl_runs SET status = 'FAILED', finished_at = now(), error = $2 WHERE id = $1 AND status = 'RUNNING'`,
        [runId, error],
      );
    });
  }

  private async execute(run: CrawlRunEntity, sources: DataSourceEntity[], signal: AbortSignal): Promise<void> {
    const heartbeat = setInterval(() => {
      this.deps.db.dataSource
        .query(`UPDATE external.crawl_runs SET heartbeat_at = now() WHERE id = $1 AND status = 'RUNNING'`, [run.id])
        .catch((err) => this.deps.log.warn({ err, crawlRunId: run.id }, 'crawl heartbeat failed'));
    }, HEARTBEAT_MS);
    heartbeat.unref();
    try {
      const results = await Promise.all(sources.map((source) => this.crawlSource(run.id, source, signal)));
      const succeeded = results.filter(Boolean).length;
      const status = succeeded === results.length ? 'SUCCEEDED' : succeeded === 0 ? 'FAILED' : 'PARTIAL';
      await this.deps.db.dataSource.query(
        `UPDATE external.crawl_runs SET status = $2, finished_at = now(), heartbeat_at = now(), error = $3 WHERE id = $1 AND status = 'RUNNING'`,
        [run.id, status, signal.aborted && status !== 'SUCCEEDED' ? 'stopped at shutdown' : null],
      );
      this.metrics.runFinished(String(run.trigger), status);
      this.deps.log.info({ crawlRunId: run.id, status, succeeded, sources: results.length }, 'crawl finished');
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Crawls one source to the end (or the page cap) and commits what it found. Never throws. */
  private async crawlSource(runId: string, source: DataSourceEntity, signal: AbortSignal): Promise<boolean> {
    const started = performance.now();
    const runtime = this.runtimes.get(source.slug);
    const outcome = emptyOutcome(runId, source, runtime?.connector.produces ?? 'offers');
    const log = this.deps.log.child({ crawlRunId: runId, source: source.slug });
    // Live progress: the counts so far, written at most every PROGRESS_FLUSH_MS, one write at a time,
    // and only while the row is RUNNING (the final figures are written by commitSourceCrawl).
    let lastFlush = -Infinity;
    // typed by assertion: assignments in the closure below are invisible to narrowing
    let flushing = null as Promise<void> | null;
    const flushProgress = () => {
      if (flushing || performance.now() - lastFlush < PROGRESS_FLUSH_MS) return;
      lastFlush = performance.now();
      flushing = this.deps.db.dataSource
        .query(
          `UPDATE external.crawl_source_results SET fetched = $3, pages = $4, rejected = $5, retries = $6
           WHERE crawl_run_id = $1 AND data_source_id = $2 AND status = 'RUNNING'`,
          [runId, source.id, outcome.fetched, outcome.pages, outcome.rejected, outcome.retries],
        )
        .then(
          () => undefined,
          (err) => log.warn({ err }, 'could not record crawl progress'),
        )
        .finally(() => (flushing = null));
    };
    await fetchSource(this.deps.config, runtime, outcome, signal, log, flushProgress);
    outcome.durationMs = Math.round(performance.now() - started);
    await flushing;
    try {
      await this.commitSourceCrawl(outcome);
    } catch (err) {
      log.error({ err }, 'could not record the crawl of this source');
      await this.deps.db.dataSource
        .query(
          `UPDATE external.crawl_source_results SET status = 'FAILED', finished_at = now(), duration_ms = $3, error = 'could not store the results'
           WHERE crawl_run_id = $1 AND data_source_id = $2`,
          [runId, source.id, outcome.durationMs],
        )
        .catch(() => undefined);
      return false;
    }
    const normalized = outcome.error === null ? outcome.offers.length + outcome.licences.length : 0;
    this.metrics.sourceFinished(
      source.slug,
      outcome.error === null,
      normalized,
      outcome.rejected,
      outcome.retries,
      outcome.durationMs,
    );
    const level = outcome.error ? 'warn' : 'info';
    log[level](
      {
        fetched: outcome.fetched,
        normalized,
        rejected: outcome.rejected,
        pages: outcome.pages,
        retries: outcome.retries,
        durationMs: outcome.durationMs,
        error: outcome.error,
      },
      outcome.error ? 'source crawl failed' : 'source crawled',
    );
    return outcome.error === null;
  }

  /** Stores one source's crawl in one transaction (crawl.persist.ts). */
  async commitSourceCrawl(outcome: SourceCrawlOutcome): Promise<void> {
    await commitSourceCrawl(this.deps, outcome);
  }
}
