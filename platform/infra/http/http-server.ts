import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { lazyChild, type Logger } from '#platform/infra/observability/logger';
import { clientStatusFor, httpErrorBody, type ApiErrorCode } from '#platform/infra/errors';
import { METRICS_CONTENT_TYPE, renderMetrics, type ServiceMetrics } from '#platform/infra/observability/metrics';
import { inspectJsonInput } from '#platform/infra/http/input-guard';
import { HttpRefusal, parseBody, readBody, requestInputs } from '#platform/infra/http/request-body';
import { serverSpan } from '#platform/infra/observability/tracing';

export { HttpRefusal, REFUSED_BODY_DRAIN_BYTES, REFUSED_BODY_DRAIN_MS } from '#platform/infra/http/request-body';

export const GRAPHQL_PATH = '/graphql';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export interface RequestInfo {
  req: IncomingMessage;
  requestId: string;
  log: Logger;
  /** Aborted when the operation's deadline passes (set for GraphQL requests when a deadline is configured). */
  deadline?: AbortSignal;
  /** A GraphQL request's body text as received ('' without a body): what an exact gateway signature covers. */
  rawBody?: string;
}

export interface Readiness {
  ok: boolean;
  checks: Record<string, unknown>;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpServiceOptions<TContext extends BaseContext> {
  name: string;
  log: Logger;
  metrics: ServiceMetrics;
  bodyLimitBytes: number;
  apollo: ApolloServer<TContext>;
  context: (info: RequestInfo) => Promise<TContext>;
  /**
   * Runs before GraphQL, once the body is read (and parsed when it is JSON); a returned refusal is
   * sent as is. Subgraphs check the gateway signature here, which covers the body.
   */
  guard?: (info: RequestInfo, body: unknown) => Promise<{ status: number; message: string; code: ApiErrorCode } | null>;
  ready: () => Promise<Readiness>;
  /** Extra GET routes, such as `/.well-known/jwks.json`. */
  routes?: Record<string, RouteHandler>;
  /** Extra POST routes (internal, signed: data-subject export and erasure). */
  postRoutes?: Record<string, RouteHandler>;
  /** Extra response headers for every GraphQL response (security headers at the edge). */
  responseHeaders?: Record<string, string>;
  /** Runs first for every request; returns true when it has answered (CORS preflight at the edge). */
  preHandle?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** The public edge (the gateway): its traces start here and only link to a caller's trace context. */
  edge?: boolean;
  /**
   * Sees the parsed GraphQL body before execution and may replace it (partner persisted operations)
   * or refuse the request with a coded error.
   */
  prepareBody?: (body: unknown, info: RequestInfo) => Promise<unknown>;
  /**
   * `/metrics`: `open`, a bearer token it asks for, or `closed` (404: the gateway in production
   * without METRICS_TOKEN, since its figures name partners and operations).
   */
  metricsAccess?: 'open' | 'closed' | { token: string };
  /** Deepest nesting allowed in `variables` and `extensions`, checked before anything parses them further. */
  maxVariableDepth?: number;
  /** Deadline of one GraphQL operation: past it the client gets a coded error and `info.deadline` aborts. */
  deadlineMs?: number;
  /** HTTP status of the deadline answer: 503 by default (subgraphs use 200, see subgraph.ts). */
  deadlineStatus?: number;
}

export interface HttpService {
  server: http.Server;
  listen(port: number, host: string): Promise<string>;
  /** Stops accepting, reports not-ready, waits for in-flight requests (up to graceMs), then closes. */
  close(graceMs?: number): Promise<void>;
  readonly draining: boolean;
  url(): string;
}

/** Constant-time comparison of `Authorization: Bearer <token>` (hashed first, so lengths never leak). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!given) return false;
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * The execution, or a coded 503 once `ms` have passed. The work still running is told through
 * `info.deadline` (the gateway stops calling subgraphs); its eventual result is dropped.
 */
async function withDeadline<T>(
  execution: Promise<T>,
  ms: number,
  status: number,
  controller: AbortController,
  info: RequestInfo,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      info.log.warn({ deadlineMs: ms }, 'operation passed its deadline');
      reject(
        new HttpRefusal(
          status,
          `The operation did not finish within ${ms} ms`,
          'INTERNAL_SERVER_ERROR',
          { reason: 'DEADLINE_EXCEEDED' },
          { 'retry-after': '1' },
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([execution, expired]);
  } finally {
    clearTimeout(timer);
    execution.catch(() => undefined);
  }
}

function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(body);
}

export function createHttpService<TContext extends BaseContext>(options: HttpServiceOptions<TContext>): HttpService {
  const { log, metrics, apollo } = options;
  const metricsAccess = options.metricsAccess ?? 'open';
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | null = null;

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, info: RequestInfo) {
    const method = (req.method ?? 'GET').toUpperCase();
    let body: unknown;
    if (method === 'POST') {
      info.rawBody = await readBody(req, options.bodyLimitBytes);
      body = parseBody(info.rawBody, req.headers['content-type']);
    } else {
      info.rawBody = '';
      req.resume();
    }
    const refusal = options.guard ? await options.guard(info, body) : null;
    if (refusal) {
      sendJson(res, refusal.status, httpErrorBody(refusal.message, refusal.code));
      return;
    }
    const queryIndex = (req.url ?? '').indexOf('?');
    const search = queryIndex >= 0 ? (req.url ?? '').slice(queryIndex) : '';
    if (options.maxVariableDepth) {
      for (const [name, value] of requestInputs(body, search)) {
        const problem = inspectJsonInput(value, options.maxVariableDepth, name);
        if (problem)
          throw new HttpRefusal(400, problem.message, 'BAD_USER_INPUT', {
            reason: 'INVALID_INPUT',
            ...(problem.field ? { field: problem.field } : {}),
          });
      }
    }
    if (options.prepareBody) body = await options.prepareBody(body, info);
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const deadline = options.deadlineMs ? new AbortController() : null;
    if (deadline) info.deadline = deadline.signal;
    const execution = apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search, body },
      context: () => options.context(info),
    });
    const response = deadline
      ? await withDeadline(execution, options.deadlineMs!, options.deadlineStatus ?? 503, deadline, info)
      : await execution;
    const outHeaders: Record<string, string> = { ...options.responseHeaders, 'x-request-id': info.requestId };
    for (const [key, value] of response.headers) outHeaders[key] = value;
    if (response.body.kind === 'complete') {
      const status =
        response.status === 500 ? (clientStatusFor(response.body.string) ?? 500) : (response.status ?? 200);
      res.writeHead(status, outHeaders);
      res.end(response.body.string);
      return;
    }
    res.writeHead(response.status ?? 200, outHeaders);
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const started = performance.now();
    const pathname = (req.url ?? '/').split('?')[0];
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    const info: RequestInfo = { req, requestId, log: lazyChild(log, { requestId }) };
    let route = pathname;
    try {
      if (options.preHandle?.(req, res)) {
        route = 'preflight';
      } else if (pathname === GRAPHQL_PATH) {
        await handleGraphQL(req, res, info);
      } else if (req.method === 'GET' && pathname === '/health') {
        sendJson(res, 200, JSON.stringify({ status: 'ok', service: options.name }));
      } else if (req.method === 'GET' && pathname === '/ready') {
        const readiness: Readiness = draining ? { ok: false, checks: { draining: true } } : await options.ready();
        sendJson(
          res,
          readiness.ok ? 200 : 503,
          JSON.stringify({ status: readiness.ok ? 'ready' : 'not ready', service: options.name, ...readiness.checks }),
        );
      } else if (req.method === 'GET' && pathname === '/metrics' && metricsAccess !== 'closed') {
        if (typeof metricsAccess === 'object' && !bearerMatches(req.headers.authorization, metricsAccess.token)) {
          sendJson(res, 401, httpErrorBody('/metrics needs the metrics bearer token', 'UNAUTHENTICATED'), {
            'www-authenticate': 'Bearer',
          });
        } else {
          res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
          res.end(await renderMetrics(metrics));
        }
      } else if (req.method === 'GET' && options.routes?.[pathname]) {
        await options.routes[pathname](req, res);
      } else if (req.method === 'POST' && options.postRoutes?.[pathname]) {
        await options.postRoutes[pathname](req, res);
      } else {
        route = 'unknown';
        sendJson(res, 404, httpErrorBody(`No route ${req.method} ${pathname}`, 'NOT_FOUND'));
      }
    } catch (err) {
      if (err instanceof HttpRefusal) {
        sendJson(res, err.status, httpErrorBody(err.message, err.code, err.extensions), {
          ...options.responseHeaders,
          ...err.headers,
          ...(err.status === 413 ? { connection: 'close' } : {}),
        });
      } else {
        info.log.error({ err }, 'unhandled error while serving a request');
        sendJson(res, 500, httpErrorBody('Internal server error', 'INTERNAL_SERVER_ERROR'));
      }
    } finally {
      metrics.httpDuration.observe(
        { route, method: req.method ?? 'GET', status: String(res.statusCode) },
        (performance.now() - started) / 1000,
      );
    }
  }

  const server = http.createServer((req, res) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      if (inFlight === 0 && idle) idle();
    });
    void serverSpan(options.name, req, res, options.edge === true, () => handle(req, res));
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 60_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  let boundUrl = '';
  return {
    server,
    get draining() {
      return draining;
    },
    url: () => boundUrl,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
          boundUrl = `http://${shownHost}:${address.port}`;
          resolve(boundUrl);
        });
      });
    },
    async close(graceMs = 10_000) {
      const started = performance.now();
      draining = true;
      log.info({ inFlight }, 'draining');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => {
            idle = resolve;
          }),
          new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
      await apollo.stop();
      log.info({ ms: Math.round(performance.now() - started) }, 'stopped');
    },
  };
}
