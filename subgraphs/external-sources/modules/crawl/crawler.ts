import type { EntityManager } from 'typeorm';
import { ConflictError } from '#platform/infra/errors';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { NormalisedLicence, NormalisedOffer, Page } from '../connector/connector';
import { SourceRequestError } from '../connector/http-client';
import { serviceCredential, type SourceRuntime } from '../connector/source-runtime';
import type { DataSourceEntity } from '../data-source/data-source.entity';
import { CrawlRunEntity, type CrawlTrigger } from './crawl.entity';
import { createCrawlMetrics, type CrawlMetrics } from './crawl.metrics';

export interface Rejection {
  externalId: string | null;
  reason: string;
  record: unknown;
}

/** Everything one source's crawl produced, handed to `commitSourceCrawl` in one piece. */
export interface SourceCrawlOutcome {
  runId: string;
  source: DataSourceEntity;
  produces: 'offers' | 'licences';
  offers: NormalisedOffer[];
  licences: NormalisedLicence[];
  fetched: number;
  rejected: number;
  rejections: Rejection[];
  /** Ids of every rejected record that had one: still listed at the source, so never marked gone. */
  rejectedIds: Set<string>;
  pages: number;
  retries: number;
  durationMs: number;
  /** True when every page was read: only then do records not seen count as gone. */
  complete: boolean;
  /** Set when the source failed: nothing is upserted and nothing marked gone. */
  error: string | null;
  note: string | null;
}

const MAX_RECORD_CHARS = 4000;
const UPSERT_CHUNK = 1000;
/** Offers (and gone ids) per `external.offers.crawled` event; the catalogue allows 500. */
export const EVENT_CHUNK = 500;
const HEARTBEAT_MS = 5000;
/** While a source is crawled, its result row shows records and pages read so far, at most this stale. */
export const PROGRESS_FLUSH_MS = 500;

function keepRecord(raw: unknown): unknown {
  try {
    const text = JSON.stringify(raw);
    if (text === undefined) return null;
    return text.length <= MAX_RECORD_CHARS ? raw : { truncated: true, preview: text.slice(0, 1000) };
  } catch {
    return { unserialisable: true };
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof SourceRequestError) return err.kind === 'aborted' ? 'stopped at shutdown' : err.message;
  return 'unexpected error while crawling (see the service log)';
}

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
    const outcome: SourceCrawlOutcome = {
      runId,
      source,
      produces: runtime?.connector.produces ?? 'offers',
      offers: [],
      licences: [],
      fetched: 0,
      rejected: 0,
      rejections: [],
      rejectedIds: new Set(),
      pages: 0,
      retries: 0,
      durationMs: 0,
      complete: false,
      error: null,
      note: null,
    };
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
    try {
      if (!runtime) throw new SourceRequestError(`no connector for source "${source.slug}"`, 'http', false);
      const credential = serviceCredential(this.deps.config, source.slug);
      if (!credential)
        throw new SourceRequestError(`no service credential configured for "${source.slug}"`, 'http', false);
      const seen = new Map<string, NormalisedOffer | NormalisedLicence>();
      const keepLimit = this.deps.config.CRAWL_REJECTIONS_KEPT;
      const reject = (externalId: string | null, reason: string, raw: unknown) => {
        outcome.rejected += 1;
        if (externalId !== null) outcome.rejectedIds.add(externalId);
        if (outcome.rejections.length < keepLimit)
          outcome.rejections.push({ externalId, reason, record: keepRecord(raw) });
      };
      const take = (page: Page) => {
        outcome.pages += 1;
        for (const raw of page.records) {
          outcome.fetched += 1;
          const result = runtime.connector.normalise(raw);
          if (!result.ok) {
            reject(result.externalId, result.reason, raw);
          } else if (seen.has(result.value.externalId)) {
            reject(
              result.value.externalId,
              'duplicate: the source sent this id twice in one crawl; the first was kept',
              raw,
            );
          } else {
            seen.set(result.value.externalId, result.value);
          }
        }
        if (outcome.pages % 10 === 0)
          log.info({ pages: outcome.pages, fetched: outcome.fetched, rejected: outcome.rejected }, 'crawl progress');
        else log.debug({ pages: outcome.pages, fetched: outcome.fetched }, 'page fetched');
        flushProgress();
      };
      outcome.complete = await this.fetchAll(runtime, credential, signal, take, () => (outcome.retries += 1));
      if (!outcome.complete)
        outcome.note = `stopped at the page cap (${this.deps.config.CRAWL_PAGE_CAP} pages); records not seen were not marked gone`;
      if (runtime.connector.produces === 'offers') outcome.offers = [...seen.values()] as NormalisedOffer[];
      else outcome.licences = [...seen.values()] as NormalisedLicence[];
    } catch (err) {
      outcome.error = errorMessage(err);
      if (!(err instanceof SourceRequestError)) log.error({ err }, 'unexpected error while crawling');
    }
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

  /**
   * Reads every page: pages known up front (page numbers, offsets) several at a time within the
   * source's concurrency limit, cursors one after another. Returns false when the page cap stopped it.
   */
  private async fetchAll(
    runtime: SourceRuntime,
    credential: string,
    signal: AbortSignal,
    take: (page: Page) => void,
    onRetry: () => void,
  ): Promise<boolean> {
    const cap = this.deps.config.CRAWL_PAGE_CAP;
    const options = { signal, hooks: { onRetry } };
    const first = await runtime.connector.fetchPage(null, credential, options);
    take(first);
    if (first.rest) {
      const queue = first.rest.slice(0, cap - 1);
      const workers = Array.from(
        { length: Math.min(this.deps.config.CONNECTOR_CONCURRENCY, queue.length) },
        async () => {
          for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) {
            try {
              if (signal.aborted) throw new SourceRequestError('stopped', 'aborted', false);
              take(await runtime.connector.fetchPage(ref, credential, options));
            } catch (err) {
              queue.length = 0; // one page failed for good: the others stop instead of piling on
              throw err;
            }
          }
        },
      );
      const settled = await Promise.allSettled(workers);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      return first.rest.length <= cap - 1;
    }
    let next = first.next;
    let pages = 1;
    while (next !== null) {
      if (pages >= cap) return false;
      const page = await runtime.connector.fetchPage(next, credential, options);
      take(page);
      pages += 1;
      next = page.next;
    }
    return true;
  }

  /**
   * The end of one source's crawl, in one transaction: upsert what was found by (source, externalId),
   * mark what disappeared as gone, keep the rejections, record the result, and write
   * `external.offers.crawled` (transactional outbox): the events exist exactly when the offers do.
   */
  async commitSourceCrawl(o: SourceCrawlOutcome): Promise<void> {
    await this.deps.db.dataSource.transaction(async (m) => {
      const now = new Date();
      let gone = 0;
      if (o.error === null) {
        if (o.produces === 'offers') {
          const stored: StoredOffer[] = [];
          for (let i = 0; i < o.offers.length; i += UPSERT_CHUNK)
            stored.push(...(await upsertOffers(m, o, o.offers.slice(i, i + UPSERT_CHUNK), now)));
          const goneIds = o.complete ? await markGone(m, 'external_offers', o) : [];
          gone = goneIds.length;
          await this.addCrawledEvents(m, o, stored, goneIds, now);
        } else {
          for (let i = 0; i < o.licences.length; i += UPSERT_CHUNK)
            await upsertLicences(m, o, o.licences.slice(i, i + UPSERT_CHUNK), now);
          if (o.complete) gone = (await markGone(m, 'licences', o)).length;
        }
      }
      for (let i = 0; i < o.rejections.length; i += UPSERT_CHUNK) {
        await m.query(
          `INSERT INTO external.crawl_rejections (crawl_run_id, data_source_id, external_id, reason, record)
           SELECT $1, $2, r.external_id, r.reason, r.record FROM jsonb_to_recordset($3::jsonb) AS r(external_id text, reason text, record jsonb)`,
          [
            o.runId,
            o.source.id,
            JSON.stringify(
              o.rejections
                .slice(i, i + UPSERT_CHUNK)
                .map((r) => ({ external_id: r.externalId, reason: r.reason, record: r.record })),
            ),
          ],
        );
      }
      const normalized = o.error === null ? o.offers.length + o.licences.length : 0;
      await m.query(
        `UPDATE external.crawl_source_results
         SET status = $3, fetched = $4, normalized = $5, rejected = $6, gone = $7, pages = $8, retries = $9, duration_ms = $10, error = $11, finished_at = now()
         WHERE crawl_run_id = $1 AND data_source_id = $2`,
        [
          o.runId,
          o.source.id,
          o.error === null ? 'SUCCEEDED' : 'FAILED',
          o.fetched,
          normalized,
          o.rejected,
          gone,
          o.pages,
          o.retries,
          o.durationMs,
          o.error ?? o.note,
        ],
      );
    });
  }

  /**
   * One source's crawl as `external.offers.crawled` events, at most EVENT_CHUNK offers and
   * EVENT_CHUNK gone ids each, in order. Only non-personal fields travel: no supplier names,
   * towns or licence numbers.
   */
  private async addCrawledEvents(
    m: EntityManager,
    o: SourceCrawlOutcome,
    stored: StoredOffer[],
    goneIds: string[],
    crawledAt: Date,
  ): Promise<void> {
    const chunkCount = Math.max(1, Math.ceil(stored.length / EVENT_CHUNK), Math.ceil(goneIds.length / EVENT_CHUNK));
    const fetchedAt = crawledAt.toISOString();
    for (let chunkIndex = 0; chunkIndex < chunkCount; chunkIndex++) {
      const slice = stored.slice(chunkIndex * EVENT_CHUNK, (chunkIndex + 1) * EVENT_CHUNK);
      await this.deps.outbox.add(m, {
        type: 'external.offers.crawled',
        payload: {
          crawlRunId: o.runId,
          dataSourceId: o.source.id,
          fetched: o.fetched,
          normalized: o.offers.length,
          rejected: o.rejected,
          offers: slice.map(({ id, offer }) => ({
            offerId: id,
            externalId: offer.externalId,
            productType: offer.productType,
            quantityKg: Number(offer.quantityKg),
            pricePerKg: offer.pricePerKg,
            province: offer.province,
            // the connectors bound these already; the catalogue's limits must never fail a crawl
            certifications: offer.certifications.slice(0, 50).map((c) => c.slice(0, 100)),
            fetchedAt,
          })),
          requiredAccessLevel: o.source.requiredAccessLevel,
          goneOfferIds: goneIds.slice(chunkIndex * EVENT_CHUNK, (chunkIndex + 1) * EVENT_CHUNK),
          crawledAt: fetchedAt,
          complete: o.complete,
          chunkIndex,
          chunkCount,
        },
      });
    }
  }
}

/** An offer as stored: the normalised record with the id external-sources gave it. */
interface StoredOffer {
  id: string;
  offer: NormalisedOffer;
}

async function upsertOffers(
  m: EntityManager,
  o: SourceCrawlOutcome,
  offers: NormalisedOffer[],
  now: Date,
): Promise<StoredOffer[]> {
  const rows = offers.map((x) => ({
    external_id: x.externalId,
    supplier_name: x.supplierName,
    product_type: x.productType,
    quantity_kg: x.quantityKg,
    price_per_kg: x.pricePerKg,
    province: x.province,
    town: x.town,
    certifications: x.certifications,
    licence_number: x.licenceNumber,
  }));
  const returned = await m.query(
    `INSERT INTO external.external_offers
       (data_source_id, external_id, supplier_name, product_type, quantity_kg, price_per_kg, province, town, certifications, licence_number, fetched_at, first_seen_at, last_crawl_run_id)
     SELECT $1, r.external_id, r.supplier_name, r.product_type, r.quantity_kg, r.price_per_kg, r.province, r.town, r.certifications, r.licence_number, $3, $3, $4
     FROM jsonb_to_recordset($2::jsonb) AS r(external_id text, supplier_name text, product_type text, quantity_kg numeric, price_per_kg numeric,
                                            province text, town text, certifications text[], licence_number text)
     ON CONFLICT (data_source_id, external_id) DO UPDATE SET
       supplier_name = EXCLUDED.supplier_name, product_type = EXCLUDED.product_type, quantity_kg = EXCLUDED.quantity_kg,
       price_per_kg = EXCLUDED.price_per_kg, province = EXCLUDED.province, town = EXCLUDED.town,
       certifications = EXCLUDED.certifications, licence_number = EXCLUDED.licence_number,
       fetched_at = EXCLUDED.fetched_at, last_crawl_run_id = EXCLUDED.last_crawl_run_id, gone_at = NULL
     RETURNING id, external_id`,
    [o.source.id, JSON.stringify(rows), now, o.runId],
  );
  const ids = new Map<string, string>(
    (returned as Array<{ id: string; external_id: string }>).map((r) => [r.external_id, r.id]),
  );
  return offers.map((offer) => ({ id: ids.get(offer.externalId) as string, offer }));
}

async function upsertLicences(
  m: EntityManager,
  o: SourceCrawlOutcome,
  licences: NormalisedLicence[],
  now: Date,
): Promise<void> {
  const rows = licences.map((x) => ({
    licence_number: x.externalId,
    holder_name: x.holderName,
    licence_type: x.licenceType,
    province: x.province,
    status: x.status,
    issued_on: x.issuedOn,
    expires_on: x.expiresOn,
  }));
  await m.query(
    `INSERT INTO external.licences (data_source_id, licence_number, holder_name, licence_type, province, status, issued_on, expires_on, fetched_at, last_crawl_run_id)
     SELECT $1, r.licence_number, r.holder_name, r.licence_type, r.province, r.status, r.issued_on, r.expires_on, $3, $4
     FROM jsonb_to_recordset($2::jsonb) AS r(licence_number text, holder_name text, licence_type text, province text, status text, issued_on date, expires_on date)
     ON CONFLICT (data_source_id, licence_number) DO UPDATE SET
       holder_name = EXCLUDED.holder_name, licence_type = EXCLUDED.licence_type, province = EXCLUDED.province, status = EXCLUDED.status,
       issued_on = EXCLUDED.issued_on, expires_on = EXCLUDED.expires_on, fetched_at = EXCLUDED.fetched_at,
       last_crawl_run_id = EXCLUDED.last_crawl_run_id, gone_at = NULL`,
    [o.source.id, JSON.stringify(rows), now, o.runId],
  );
}

/**
 * Rows of this source that the completed crawl did not see are gone (kept for history, no longer
 * offered). A record the source still lists but sent malformed is not gone: it keeps its last good
 * copy, whose fetchedAt shows its age. Returns the keys of the rows marked (offer ids, licence numbers).
 */
async function markGone(
  m: EntityManager,
  table: 'external_offers' | 'licences',
  o: SourceCrawlOutcome,
): Promise<string[]> {
  const idColumn = table === 'external_offers' ? 'external_id' : 'licence_number';
  const keyColumn = table === 'external_offers' ? 'id::text' : 'licence_number';
  const rows: Array<{ key: string }> = await m.query(
    `WITH gone AS (
       UPDATE external.${table} SET gone_at = now()
       WHERE data_source_id = $1 AND gone_at IS NULL AND last_crawl_run_id <> $2 AND ${idColumn} <> ALL($3::text[])
       RETURNING ${keyColumn} AS key)
     SELECT key FROM gone`,
    [o.source.id, o.runId, [...o.rejectedIds]],
  );
  return rows.map((r) => r.key);
}
