import CircuitBreaker from 'opossum';
import { GraphQLError } from 'graphql';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Counter, Gauge, Histogram } from 'prom-client';
import { signGatewayRequest, SIGNATURE_HEADER } from '#platform/infra/auth/gateway-signature';
import type { ServiceMetrics } from '#platform/infra/observability/metrics';
import type { Logger } from '#platform/infra/observability/logger';
import type { GatewayContext } from './context.type';
import { dedupeInFlight } from './subgraph-dedupe';
import { isViewerIndependentFetch, publicSelections } from './public-fetch';
import type { EntityCache } from './entity-cache';

export interface SubgraphCallOptions {
  name: string;
  url: string;
  timeoutMs: number;
  breakerResetMs: number;
  secret: string;
  metrics: SubgraphMetrics;
  log: Logger;
  /** Share identical in-flight queries within one identity scope (subgraph-dedupe.ts). */
  dedupe?: boolean;
  /** How the HTTP call is made: the global fetch unless given (subgraph-http.ts). */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** Answers fetches of public entity fields per entity where it can (entity-cache.ts). */
  entityCache?: EntityCache;
}

export interface SubgraphMetrics {
  duration: Histogram<'subgraph' | 'outcome'>;
  breakerOpen: Gauge<'subgraph'>;
  retries: Counter<'subgraph'>;
}

export function createSubgraphMetrics(metrics: ServiceMetrics): SubgraphMetrics {
  return {
    duration: new Histogram({
      name: 'subgraph_request_duration_seconds',
      help: 'Gateway to subgraph calls by subgraph and outcome',
      labelNames: ['subgraph', 'outcome'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [metrics.registry],
    }),
    breakerOpen: new Gauge({
      name: 'subgraph_breaker_open',
      help: '1 while the circuit breaker of a subgraph is open',
      labelNames: ['subgraph'] as const,
      // Several workers (GATEWAY_WORKERS): 1 while any worker's breaker is open.
      aggregator: 'max',
      registers: [metrics.registry],
    }),
    retries: new Counter({
      name: 'subgraph_retries_total',
      help: 'Idempotent subgraph calls retried after a network failure',
      labelNames: ['subgraph'] as const,
      registers: [metrics.registry],
    }),
  };
}

class SubgraphUnavailable extends Error {}

/** What the gateway reports for a subgraph it could not reach: coded, with the service named. */
function unavailable(name: string, cause: unknown): GraphQLError {
  return new GraphQLError(`The ${name} service is unavailable`, {
    extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: name },
    originalError: cause instanceof Error ? cause : undefined,
  });
}

/** Queries may be retried; mutations never (they could apply twice). */
function isQuery(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  const match = /"query":"\s*(query|mutation|subscription|\{)/.exec(body);
  return !!match && (match[1] === 'query' || match[1] === '{');
}

/**
 * How the gateway calls one subgraph: a deadline per call, one retry of an idempotent query after
 * a network failure, and a circuit breaker that fails fast while the subgraph is down and lets a
 * probe through after `breakerResetMs`, so the gateway recovers by itself when it comes back.
 */
function createResilientFetcher(options: SubgraphCallOptions) {
  const { name, timeoutMs, metrics, log } = options;
  // the global fetch is looked up per call, so whatever wraps it later (instrumentation, a test) sees the call
  const send = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
  const call = async (url: string, unsigned: RequestInit): Promise<Response> => {
    // Signed per attempt, over the exact body: a retry carries a fresh nonce, so the subgraph's
    // replay cache refuses only real replays.
    const init = signed(options.secret, url, unsigned);
    // A plain controller and a cleared timer: AbortSignal.timeout keeps every signal alive until it
    // fires, which at a few hundred calls a second is thousands of live timers for the GC to walk.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`${name} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    let response: Response;
    try {
      response = await send(url, { ...init, signal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
    // 502-504 mean the subgraph (or what is in front of it) is not serving: count them as failures.
    if (response.status >= 502 && response.status <= 504)
      throw new SubgraphUnavailable(`${name} answered ${response.status}`);
    return response;
  };
  const breaker = new CircuitBreaker(call, {
    timeout: false,
    resetTimeout: options.breakerResetMs,
    errorThresholdPercentage: 50,
    volumeThreshold: 3,
    rollingCountTimeout: 10_000,
  });
  breaker.on('open', () => {
    metrics.breakerOpen.set({ subgraph: name }, 1);
    log.warn({ subgraph: name }, 'subgraph circuit breaker opened');
  });
  breaker.on('close', () => {
    metrics.breakerOpen.set({ subgraph: name }, 0);
    log.info({ subgraph: name }, 'subgraph circuit breaker closed');
  });

  return async (url: string, init: RequestInit): Promise<Response> => {
    const started = performance.now();
    let outcome = 'ok';
    try {
      try {
        return await breaker.fire(url, init);
      } catch (err) {
        if (breaker.opened || !isQuery(init.body)) throw err;
        metrics.retries.inc({ subgraph: name });
        await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
        return await breaker.fire(url, init);
      }
    } catch (err) {
      outcome = breaker.opened ? 'breaker_open' : 'error';
      throw unavailable(name, err);
    } finally {
      metrics.duration.observe({ subgraph: name, outcome }, (performance.now() - started) / 1000);
    }
  };
}

/** Path and query of each subgraph URL, parsed once: the gateway calls a handful of URLs all the time. */
const paths = new Map<string, string>();
function pathWithQuery(url: string): string {
  let path = paths.get(url);
  if (path === undefined) {
    const { pathname, search } = new URL(url);
    path = pathname + search;
    if (paths.size < 100) paths.set(url, path);
  }
  return path;
}

/** The request with the gateway's signature over its method, path, body and identity headers. */
function signed(secret: string, url: string, init: RequestInit): RequestInit {
  const headers = { ...(init.headers as Record<string, string>) };
  // `exact`: the signature covers the body text as sent, which the subgraph digests as received
  // (no parse, no canonical form; docs/signatures.md).
  headers[SIGNATURE_HEADER] = signGatewayRequest(
    secret,
    { method: init.method ?? 'POST', pathWithQuery: pathWithQuery(url), body: init.body, get: (name) => headers[name] },
    Date.now(),
    typeof init.body === 'string' ? 'exact' : 'canonical',
  );
  return { ...init, headers };
}

/**
 * Every subgraph request carries the request id, the caller's credentials and client details as
 * the gateway saw them, and the gateway's signature over all of them and the body (added by the
 * fetcher, once the body is serialised). Nothing a client sent in these headers is passed on: the
 * gateway sets each one itself.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly entityCache?: EntityCache;

  constructor(options: SubgraphCallOptions) {
    const fetcher = createResilientFetcher(options);
    super({ url: options.url, fetcher: (options.dedupe ? dedupeInFlight(fetcher) : fetcher) as never });
    this.entityCache = options.entityCache;
  }

  /**
   * A subgraph that refused the request as bad input (HTTP 400, BAD_USER_INPUT: a scalar literal the
   * gateway's schema cannot check, such as a malformed DateTime) is the client's mistake, not an
   * outage: say so with the subgraph's own message instead of a masked server error.
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]) {
    if (response.status !== 400) return super.errorFromResponse(response);
    const body = (await this.parseBody(response).catch(() => null)) as {
      errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }>;
    } | null;
    const refusal = body?.errors?.find((e) => e.extensions?.code === 'BAD_USER_INPUT');
    if (refusal && typeof refusal.message === 'string') {
      return new GraphQLError(refusal.message, { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return new GraphQLError(`${response.status}: ${response.statusText}`, {
      extensions: { response: { url: response.url, status: response.status, statusText: response.statusText, body } },
    });
  }

  /** Past the operation's deadline no further subgraph call is started for it. */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    if (options.context?.deadline?.aborted) {
      throw new GraphQLError('The operation passed its deadline', {
        extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'DEADLINE_EXCEEDED' },
      });
    }
    // Public entity fields: answered per entity from the cache, the rest fetched in one call.
    const representations = options.request.variables?.representations;
    const selections = this.entityCache && Array.isArray(representations) && publicSelections(options.request.query);
    if (selections) {
      return this.entityCache!.resolve(selections, representations as unknown[], (missing) =>
        super.process({
          ...options,
          request: { ...options.request, variables: { ...options.request.variables, representations: missing } },
        }),
      );
    }
    return super.process(options);
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers || !context?.requestId) return;
    headers.set('x-request-id', context.requestId);
    // A fetch of public entity fields only goes out as anonymous (public-fetch.ts): it needs no
    // identity, and shares its call with every other viewer's in flight.
    if (context.authorization && !isViewerIndependentFetch(request.query))
      headers.set('authorization', context.authorization);
    if (context.partner) headers.set('x-partner-id', context.partner.id);
    if (context.clientIp) headers.set('x-client-ip', context.clientIp);
    if (context.userAgent) headers.set('x-client-user-agent', context.userAgent);
  }
}
