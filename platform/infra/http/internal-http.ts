import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '#platform/infra/config';
import type { Logger } from '#platform/infra/observability/logger';
import {
  INTERNAL_SIGNATURE_HEADER,
  signInternalRequest,
  verifyInternalRequest,
} from '#platform/infra/auth/gateway-signature';
import { httpErrorBody } from '#platform/infra/errors';
import type { RouteHandler } from '#platform/infra/http/http-server';

import type { ReplayCache } from '#platform/infra/auth/replay-cache';

/**
 * Service-to-service HTTP that is not GraphQL: both ends of it. Every call is signed under the
 * internal keys (`INTERNAL_SECRET`, never the gateway's) over its method, path with query, a
 * timestamp and a nonce (platform/infra/auth/gateway-signature.ts), so parameters travel in the query
 * string and a body, if any, is ignored. A signature is accepted once (the replay cache).
 */

/** The gateway's per-operation statistics, read by analytics. */
export const OPERATION_STATS_PATH = '/internal/operation-stats';

/** A refusal from a route handler: 400 or 404 with a coded body. */
export class InternalRouteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

interface RouteDeps {
  config: Pick<AppConfig, 'INTERNAL_SECRET' | 'GATEWAY_SIGNATURE_MAX_AGE_SECONDS'>;
  log: Logger;
  replay: ReplayCache;
}

/**
 * A route for other services only: no valid signature, no answer (401). The handler gets the
 * signed query and answers with JSON; an InternalRouteError becomes its status with a coded body.
 */
export function signedRoute(
  deps: RouteDeps,
  handler: (query: URLSearchParams, req: IncomingMessage) => Promise<unknown>,
): RouteHandler {
  return async (req, res) => {
    const pathWithQuery = req.url ?? '/';
    const header = req.headers[INTERNAL_SIGNATURE_HEADER];
    let check = verifyInternalRequest(
      deps.config.INTERNAL_SECRET,
      Array.isArray(header) ? header[0] : header,
      req.method ?? 'GET',
      pathWithQuery,
      deps.config.GATEWAY_SIGNATURE_MAX_AGE_SECONDS,
    );
    req.resume(); // parameters are in the signed query; a body is ignored
    if (check.ok && !(await deps.replay.claim(check.replayKey, check.signedAt)))
      check = { ok: false, reason: 'replayed internal signature' };
    if (!check.ok) {
      deps.log.warn(
        { reason: check.reason, path: pathWithQuery.split('?')[0] },
        'refused an unsigned internal request',
      );
      send(res, 401, httpErrorBody('A valid internal signature is required', 'UNAUTHENTICATED'));
      return;
    }
    try {
      const query = new URL(pathWithQuery, 'http://internal').searchParams;
      send(res, 200, JSON.stringify(await handler(query, req)));
    } catch (err) {
      if (err instanceof InternalRouteError) {
        send(res, err.status, httpErrorBody(err.message, err.status === 404 ? 'NOT_FOUND' : 'BAD_USER_INPUT'));
        return;
      }
      throw err;
    }
  };
}

export interface InternalCall {
  /** Origin of the service called, e.g. from config.subgraphUrls. */
  origin: string;
  method: 'GET' | 'POST';
  pathWithQuery: string;
  timeoutMs: number;
  requestId?: string;
  /** Aborts the call (a service stopping while a long poll is held). */
  signal?: AbortSignal;
}

/** Calls another service's signed route. Errors (network, deadline) are the caller's to word. */
export function internalFetch(config: Pick<AppConfig, 'INTERNAL_SECRET'>, call: InternalCall): Promise<Response> {
  return fetch(new URL(call.pathWithQuery, call.origin), {
    method: call.method,
    headers: {
      [INTERNAL_SIGNATURE_HEADER]: signInternalRequest(config.INTERNAL_SECRET, call.method, call.pathWithQuery),
      ...(call.requestId ? { 'x-request-id': call.requestId } : {}),
    },
    signal: call.signal
      ? AbortSignal.any([call.signal, AbortSignal.timeout(call.timeoutMs)])
      : AbortSignal.timeout(call.timeoutMs),
  });
}
