import CircuitBreaker from 'opossum';
import type { Logger } from '#platform/infra/observability/logger';

export interface HttpPolicy {
  timeoutMs: number;
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A Retry-After longer than this fails the request rather than stalling the crawl. */
  retryAfterMaxMs: number;
  /** Requests in flight to this source at once, across crawls and connection tests. */
  concurrency: number;
}

export interface BreakerPolicy {
  errorThresholdPercentage: number;
  volumeThreshold: number;
  resetTimeout: number;
}

export type FailureKind = 'http' | 'timeout' | 'network' | 'bad-body' | 'breaker-open' | 'aborted' | 'invalid-request';

/** Why a request to a source failed, in words fit for an admin (never the credential or headers). */
export class SourceRequestError extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly retryable: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SourceRequestError';
  }
}

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  reason: string;
  retryAfter: boolean;
}

export interface RequestHooks {
  onRetry?(info: RetryInfo): void;
  /** Fewer retries than the policy's, for a caller who is waiting (a connection test). */
  maxRetries?: number;
  /**
   * False for calls one user starts with their own credential (a connection test): they respect an
   * open breaker, but their failures are not counted in it, so no user can open the breaker every
   * other user and the crawler share.
   */
  countsTowardBreaker?: boolean;
}

/** A header value fetch can send: visible ASCII, spaces and tabs (RFC 9110 field-value, no obs-text). */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** A FIFO limit on concurrent work. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await work();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

/** Resolves after `ms`, or rejects at once when the signal aborts (shutdown must not wait out a backoff). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SourceRequestError('stopped', 'aborted', false));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new SourceRequestError('stopped', 'aborted', false));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Seconds or an HTTP date, as RFC 9110 allows; null when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Exponential backoff with full jitter: a random wait in [0, min(max, base·2^attempt)]. */
export function backoffDelay(
  attempt: number,
  policy: Pick<HttpPolicy, 'backoffBaseMs' | 'backoffMaxMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

interface Attempt {
  url: string;
  headers: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * GET JSON from one source with everything a flaky partner needs: a timeout per attempt, retries
 * with jittered exponential backoff on 5xx, timeouts and network errors, Retry-After honoured on
 * 429/503, a concurrency limit, and a circuit breaker that stops calling a source that keeps
 * failing (each attempt counts; client errors such as a refused credential do not trip it).
 */
export class ResilientHttpClient {
  private currentBreaker: CircuitBreaker<[Attempt], unknown>;
  private readonly limiter: Semaphore;

  constructor(
    readonly slug: string,
    private readonly policy: HttpPolicy,
    private readonly breakerPolicy: BreakerPolicy,
    private readonly log: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.limiter = new Semaphore(policy.concurrency);
    this.currentBreaker = this.newBreaker();
  }

  get breaker(): CircuitBreaker<[Attempt], unknown> {
    return this.currentBreaker;
  }

  /** A closed breaker with no history (tests: each starts from a healthy source, whatever ran before). */
  resetBreaker(): void {
    this.currentBreaker.shutdown();
    this.currentBreaker = this.newBreaker();
  }

  private newBreaker(): CircuitBreaker<[Attempt], unknown> {
    const slug = this.slug;
    const breaker = new CircuitBreaker((attempt: Attempt) => this.attempt(attempt), {
      name: slug,
      timeout: false,
      errorThresholdPercentage: this.breakerPolicy.errorThresholdPercentage,
      volumeThreshold: this.breakerPolicy.volumeThreshold,
      resetTimeout: this.breakerPolicy.resetTimeout,
      rollingCountTimeout: 30_000,
      rollingCountBuckets: 10,
      errorFilter: (err: unknown) => err instanceof SourceRequestError && (!err.retryable || err.kind === 'aborted'),
    });
    breaker.on('open', () =>
      this.log.warn({ source: slug }, 'circuit breaker opened: calls to this source are suspended'),
    );
    breaker.on('halfOpen', () => this.log.info({ source: slug }, 'circuit breaker half-open: trying the source again'));
    breaker.on('close', () => this.log.info({ source: slug }, 'circuit breaker closed'));
    return breaker;
  }

  async getJson(
    url: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
    hooks: RequestHooks = {},
  ): Promise<unknown> {
    // A value no HTTP request can carry is our caller's mistake, not the source's: it never reaches the breaker.
    for (const [name, value] of Object.entries(headers)) {
      if (!HEADER_VALUE.test(value))
        throw new SourceRequestError(`the ${name} header holds characters HTTP cannot send`, 'invalid-request', false);
    }
    const shared = hooks.countsTowardBreaker !== false;
    for (let attempt = 0; ; attempt++) {
      try {
        if (shared) return await this.breaker.fire({ url, headers, signal });
        if (this.breaker.opened)
          throw new SourceRequestError(
            'circuit breaker open: the source failed too often recently',
            'breaker-open',
            false,
          );
        return await this.attempt({ url, headers, signal });
      } catch (raw) {
        const err = this.classify(raw);
        if (
          !err.retryable ||
          attempt >= Math.min(this.policy.maxRetries, hooks.maxRetries ?? Infinity) ||
          signal?.aborted
        )
          throw err;
        let delayMs = backoffDelay(attempt, this.policy, this.random);
        const honoured = err.retryAfterMs !== undefined;
        if (honoured) {
          if ((err.retryAfterMs as number) > this.policy.retryAfterMaxMs) {
            throw new SourceRequestError(
              `${err.message}; Retry-After ${err.retryAfterMs} ms is longer than we wait`,
              err.kind,
              false,
              err.status,
            );
          }
          delayMs = err.retryAfterMs as number;
        }
        hooks.onRetry?.({ attempt: attempt + 1, delayMs, reason: err.message, retryAfter: honoured });
        this.log.debug(
          { source: this.slug, attempt: attempt + 1, delayMs, reason: err.message },
          'retrying source request',
        );
        await sleep(delayMs, signal);
      }
    }
  }

  private classify(raw: unknown): SourceRequestError {
    if (raw instanceof SourceRequestError) return raw;
    if (CircuitBreaker.isOurError(raw as Error) && (raw as { code?: string }).code === 'EOPENBREAKER') {
      return new SourceRequestError(
        'circuit breaker open: the source failed too often recently',
        'breaker-open',
        false,
      );
    }
    return new SourceRequestError(`request failed: ${(raw as Error)?.message ?? String(raw)}`, 'network', true);
  }

  private attempt({ url, headers, signal }: Attempt): Promise<unknown> {
    return this.limiter.run(async () => {
      if (signal?.aborted) throw new SourceRequestError('stopped', 'aborted', false);
      const timeout = AbortSignal.timeout(this.policy.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let res: Response;
      try {
        res = await fetch(url, {
          headers: { accept: 'application/json', ...headers },
          signal: combined,
          redirect: 'error',
        });
      } catch (err) {
        if (signal?.aborted) throw new SourceRequestError('stopped', 'aborted', false);
        if (timeout.aborted)
          throw new SourceRequestError(`no answer within ${this.policy.timeoutMs} ms`, 'timeout', true);
        throw new SourceRequestError(
          `could not reach the source (${(err as Error).cause ? String((err as { cause: { code?: string } }).cause.code ?? 'network error') : 'network error'})`,
          'network',
          true,
        );
      }
      try {
        if (!res.ok) {
          await res.body?.cancel().catch(() => undefined);
          const retryAfter =
            res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : null;
          const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
          throw new SourceRequestError(
            `source answered HTTP ${res.status}`,
            'http',
            retryable,
            res.status,
            retryAfter ?? undefined,
          );
        }
        const declared = Number(res.headers.get('content-length') ?? 0);
        if (declared > MAX_BODY_BYTES)
          throw new SourceRequestError(`response larger than ${MAX_BODY_BYTES} bytes`, 'bad-body', false);
        const text = await res.text();
        if (text.length > MAX_BODY_BYTES)
          throw new SourceRequestError(`response larger than ${MAX_BODY_BYTES} bytes`, 'bad-body', false);
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new SourceRequestError('source sent a body that is not valid JSON', 'bad-body', true);
        }
      } catch (err) {
        if (err instanceof SourceRequestError) throw err;
        if (signal?.aborted) throw new SourceRequestError('stopped', 'aborted', false);
        if (timeout.aborted)
          throw new SourceRequestError(`no answer within ${this.policy.timeoutMs} ms`, 'timeout', true);
        throw new SourceRequestError('the connection broke while reading the response', 'network', true);
      }
    });
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
