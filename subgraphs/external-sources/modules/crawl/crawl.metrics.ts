import { Counter, Gauge, Histogram } from 'prom-client';
import type { ServiceMetrics } from '#platform/infra/observability/metrics';
import type { SourceRuntime } from '../connector/source-runtime';

/** What /metrics shows about crawling: records by outcome, source durations, retries, open breakers. */
export function createCrawlMetrics(metrics: ServiceMetrics, runtimes: ReadonlyMap<string, SourceRuntime>) {
  const registers = [metrics.registry];
  const records = new Counter({
    name: 'external_crawl_records_total',
    help: 'Records read from external sources, by source and outcome (normalized, rejected)',
    labelNames: ['source', 'outcome'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'external_crawl_source_duration_seconds',
    help: "Duration of one source's crawl, by source and status",
    labelNames: ['source', 'status'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  });
  const retries = new Counter({
    name: 'external_source_retries_total',
    help: 'Requests to external sources retried after a transient failure',
    labelNames: ['source'] as const,
    registers,
  });
  const runs = new Counter({
    name: 'external_crawl_runs_total',
    help: 'Finished crawl runs, by trigger (MANUAL, SCHEDULED) and status (SUCCEEDED, PARTIAL, FAILED)',
    labelNames: ['trigger', 'status'] as const,
    registers,
  });
  new Gauge({
    name: 'external_source_breaker_open',
    help: "1 while a source's circuit breaker is open (calls suspended), 0.5 half-open, 0 closed",
    labelNames: ['source'] as const,
    registers,
    collect() {
      for (const [slug, r] of runtimes)
        this.set({ source: slug }, r.http.breaker.opened ? 1 : r.http.breaker.halfOpen ? 0.5 : 0);
    },
  });
  return {
    runFinished(trigger: string, status: string) {
      runs.inc({ trigger, status });
    },
    sourceFinished(
      source: string,
      ok: boolean,
      normalized: number,
      rejected: number,
      retried: number,
      durationMs: number,
    ) {
      records.inc({ source, outcome: 'normalized' }, normalized);
      records.inc({ source, outcome: 'rejected' }, rejected);
      retries.inc({ source }, retried);
      duration.observe({ source, status: ok ? 'SUCCEEDED' : 'FAILED' }, durationMs / 1000);
    },
  };
}
export type CrawlMetrics = ReturnType<typeof createCrawlMetrics>;
