import DataLoader from 'dataloader';
import type { DataSource as Db } from 'typeorm';
import { In } from 'typeorm';
import { encodeCursor, toConnection, type Connection } from '#platform/infra/schema/connection';
import { CrawlRejectionEntity, CrawlRunEntity, CrawlSourceResultEntity } from './crawl.entity';

export function createCrawlRunByIdLoader(db: Db) {
  return new DataLoader<string, CrawlRunEntity | null>(async (ids) => {
    const rows = await db.getRepository(CrawlRunEntity).findBy({ id: In([...ids]) });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

export function createResultsByRunLoader(db: Db) {
  return new DataLoader<string, CrawlSourceResultEntity[]>(async (runIds) => {
    const rows = await db
      .getRepository(CrawlSourceResultEntity)
      .find({ where: { crawlRunId: In([...runIds]) }, order: { startedAt: 'ASC', dataSourceId: 'ASC' } });
    return runIds.map((id) => rows.filter((r) => r.crawlRunId === id));
  });
}

/** The latest run that included each source (running or not), for DataSource.lastCrawl. */
export function createLastRunBySourceLoader(db: Db) {
  return new DataLoader<string, CrawlRunEntity | null>(async (sourceIds) => {
    const rows: Array<{ dataSourceId: string; runId: string }> = await db.query(
      `SELECT DISTINCT ON (data_source_id) data_source_id AS "dataSourceId", crawl_run_id AS "runId"
       FROM external.crawl_source_results WHERE data_source_id = ANY($1::uuid[])
       ORDER BY data_source_id, started_at DESC, crawl_run_id DESC`,
      [[...sourceIds]],
    );
    const runs = rows.length ? await db.getRepository(CrawlRunEntity).findBy({ id: In(rows.map((r) => r.runId)) }) : [];
    const runById = new Map(runs.map((r) => [r.id, r]));
    const bySource = new Map(rows.map((r) => [r.dataSourceId, runById.get(r.runId) ?? null]));
    return sourceIds.map((id) => bySource.get(id) ?? null);
  });
}

/** The latest finished result of each source, for DataSource.health. */
export function createLastFinishedResultBySourceLoader(db: Db) {
  return new DataLoader<string, CrawlSourceResultEntity | null>(async (sourceIds) => {
    const rows: Array<{ crawl_run_id: string; data_source_id: string }> = await db.query(
      `SELECT DISTINCT ON (data_source_id) crawl_run_id, data_source_id
       FROM external.crawl_source_results WHERE data_source_id = ANY($1::uuid[]) AND status <> 'RUNNING'
       ORDER BY data_source_id, started_at DESC, crawl_run_id DESC`,
      [[...sourceIds]],
    );
    const results = rows.length
      ? await db
          .getRepository(CrawlSourceResultEntity)
          .find({ where: rows.map((r) => ({ crawlRunId: r.crawl_run_id, dataSourceId: r.data_source_id })) })
      : [];
    const bySource = new Map(results.map((r) => [r.dataSourceId, r]));
    return sourceIds.map((id) => bySource.get(id) ?? null);
  });
}

export interface RejectionsKey {
  crawlRunId: string;
  dataSourceId: string;
  first: number;
  after: number | null;
}

/** SourceCrawlResult.rejections for every result in a response: one page query and one count per page shape. */
export function createRejectionsLoader(db: Db) {
  const keyOf = (k: RejectionsKey) => JSON.stringify([k.crawlRunId, k.dataSourceId, k.first, k.after]);
  return new DataLoader<RejectionsKey, Connection<CrawlRejectionEntity>, string>(
    async (keys) => {
      const out = new Map<string, Connection<CrawlRejectionEntity>>();
      const groups = new Map<string, RejectionsKey[]>();
      for (const k of keys) {
        const g = JSON.stringify([k.first, k.after]);
        groups.set(g, [...(groups.get(g) ?? []), k]);
      }
      for (const group of groups.values()) {
        const { first, after } = group[0];
        const runIds = group.map((k) => k.crawlRunId);
        const sourceIds = group.map((k) => k.dataSourceId);
        const [rows, counts]: [Array<Record<string, unknown>>, Array<{ run: string; source: string; n: number }>] =
          await Promise.all([
            db.query(
              `SELECT id, crawl_run_id, data_source_id, external_id, reason, record FROM (
               SELECT r.*, row_number() OVER (PARTITION BY r.crawl_run_id, r.data_source_id ORDER BY r.id) AS rn
               FROM external.crawl_rejections r
               JOIN unnest($1::uuid[], $2::uuid[]) AS k(run, source) ON k.run = r.crawl_run_id AND k.source = r.data_source_id
               WHERE r.id > $3) x
             WHERE rn <= $4 ORDER BY id`,
              [runIds, sourceIds, after ?? 0, first + 1],
            ),
            db.query(
              `SELECT r.crawl_run_id AS run, r.data_source_id AS source, count(*)::int AS n FROM external.crawl_rejections r
             JOIN unnest($1::uuid[], $2::uuid[]) AS k(run, source) ON k.run = r.crawl_run_id AND k.source = r.data_source_id
             GROUP BY r.crawl_run_id, r.data_source_id`,
              [runIds, sourceIds],
            ),
          ]);
        for (const k of group) {
          const own = rows
            .filter((r) => r.crawl_run_id === k.crawlRunId && r.data_source_id === k.dataSourceId)
            .map((r) =>
              Object.assign(new CrawlRejectionEntity(), {
                id: String(r.id),
                crawlRunId: k.crawlRunId,
                dataSourceId: k.dataSourceId,
                externalId: r.external_id as string | null,
                reason: r.reason as string,
                record: r.record,
              }),
            );
          const total = counts.find((c) => c.run === k.crawlRunId && c.source === k.dataSourceId)?.n ?? 0;
          out.set(
            keyOf(k),
            toConnection(own, first, Number(total), (r) => encodeCursor([Number(r.id)])),
          );
        }
      }
      return keys.map((k) => out.get(keyOf(k)) as Connection<CrawlRejectionEntity>);
    },
    { cacheKeyFn: keyOf },
  );
}
