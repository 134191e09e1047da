import type { IncomingMessage, ServerResponse } from 'node:http';
import { INTERNAL_SIGNATURE_HEADER, verifyInternalRequest } from '../../platform/auth/gateway-signature';
import { httpErrorBody } from '../../platform/errors';
import type { RouteHandler } from '../../platform/http-server';
import type { SubgraphDeps } from '../../platform/subgraph';

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

/**
 * A GET route for other services only: the caller signs method and path+query with the shared
 * secret (platform/auth/gateway-signature.ts). No valid signature, no answer: 401.
 */
export function signedRoute(deps: SubgraphDeps, handler: (query: URLSearchParams, req: IncomingMessage) => Promise<unknown>): RouteHandler {
  return async (req, res) => {
    const pathWithQuery = req.url ?? '/';
    const header = req.headers[INTERNAL_SIGNATURE_HEADER];
    const check = verifyInternalRequest(
      deps.config.GATEWAY_SECRET,
      Array.isArray(header) ? header[0] : header,
      req.method ?? 'GET',
      pathWithQuery,
      deps.config.GATEWAY_SIGNATURE_MAX_AGE_SECONDS,
    );
    if (!check.ok) {
      deps.log.warn({ reason: check.reason, path: pathWithQuery.split('?')[0] }, 'refused an unsigned internal request');
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
