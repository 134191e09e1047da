import type { CrawlRunEntity, CrawlSourceResultEntity } from './crawl.entity';
import { CrawlStatus, CrawlTriggerKind, type CrawlRun, type SourceCrawlResult } from './crawl.type';
import type { DataSource } from '../data-source/data-source.type';

export function toCrawlRun(row: CrawlRunEntity): CrawlRun {
  return {
    id: row.id,
    status: row.status as CrawlStatus,
    trigger: row.trigger as CrawlTriggerKind,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    error: row.error,
  };
}

export function toSourceCrawlResult(row: CrawlSourceResultEntity): SourceCrawlResult {
  const finished = row.status !== 'RUNNING';
  return {
    crawlRunId: row.crawlRunId,
    dataSourceId: row.dataSourceId,
    dataSource: { id: row.dataSourceId } as DataSource,
    finished,
    fetched: row.fetched,
    normalized: row.normalized,
    rejected: row.rejected,
    gone: row.gone,
    pages: row.pages,
    retries: row.retries,
    durationMs: finished ? row.durationMs : Math.round(Date.now() - row.startedAt.getTime()),
    error: row.error,
  };
}
