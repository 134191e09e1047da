import type { Logger } from '#platform/infra/observability/logger';
import type { AppConfig } from '#platform/infra/config';
import type { NormalisedLicence, NormalisedOffer, Page } from '../connector/connector';
import { SourceRequestError } from '../connector/http-client';
import { serviceCredential, type SourceRuntime } from '../connector/source-runtime';
import type { DataSourceEntity } from '../data-source/data-source.entity';

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

/** A source's outcome before anything was read. */
export function emptyOutcome(
  runId: string,
  source: DataSourceEntity,
  produces: SourceCrawlOutcome['produces'],
): SourceCrawlOutcome {
  return {
    runId,
    source,
    produces,
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
}

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
 * Reads one source to the end (or the page cap), normalising each record as it arrives: the counts
 * in `outcome` grow page by page (`onPage` is called after each, for live progress), and at the end
 * it holds the normalised records, the rejections and whether every page was read. Never throws: a
 * failure is left in `outcome.error`.
 */
export async function fetchSource(
  config: AppConfig,
  runtime: SourceRuntime | undefined,
  outcome: SourceCrawlOutcome,
  signal: AbortSignal,
  log: Logger,
  onPage: () => void,
): Promise<void> {
  const { source } = outcome;
  try {
    if (!runtime) throw new SourceRequestError(`no connector for source "${source.slug}"`, 'http', false);
    const credential = serviceCredential(config, source.slug);
    if (!credential)
      throw new SourceRequestError(`no service credential configured for "${source.slug}"`, 'http', false);
    const seen = new Map<string, NormalisedOffer | NormalisedLicence>();
    const keepLimit = config.CRAWL_REJECTIONS_KEPT;
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
      onPage();
    };
    outcome.complete = await fetchAll(config, runtime, credential, signal, take, () => (outcome.retries += 1));
    if (!outcome.complete)
      outcome.note = `stopped at the page cap (${config.CRAWL_PAGE_CAP} pages); records not seen were not marked gone`;
    if (runtime.connector.produces === 'offers') outcome.offers = [...seen.values()] as NormalisedOffer[];
    else outcome.licences = [...seen.values()] as NormalisedLicence[];
  } catch (err) {
    outcome.error = errorMessage(err);
    if (!(err instanceof SourceRequestError)) log.error({ err }, 'unexpected error while crawling');
  }
}

/**
 * Reads every page: pages known up front (page numbers, offsets) several at a time within the
 * source's concurrency limit, cursors one after another. Returns false when the page cap stopped it.
 */
async function fetchAll(
  config: AppConfig,
  runtime: SourceRuntime,
  credential: string,
  signal: AbortSignal,
  take: (page: Page) => void,
  onRetry: () => void,
): Promise<boolean> {
  const cap = config.CRAWL_PAGE_CAP;
  const options = { signal, hooks: { onRetry } };
  const first = await runtime.connector.fetchPage(null, credential, options);
  take(first);
  if (first.rest) {
    const queue = first.rest.slice(0, cap - 1);
    const workers = Array.from({ length: Math.min(config.CONNECTOR_CONCURRENCY, queue.length) }, async () => {
      for (let ref = queue.shift(); ref !== undefined; ref = queue.shift()) {
        try {
          if (signal.aborted) throw new SourceRequestError('stopped', 'aborted', false);
          take(await runtime.connector.fetchPage(ref, credential, options));
        } catch (err) {
          queue.length = 0; // one page failed for good: the others stop instead of piling on
          throw err;
        }
      }
    });
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
