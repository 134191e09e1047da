import { randomUUID } from 'node:crypto';
import { signGatewayRequest, SIGNATURE_HEADER } from '../../platform/auth/gateway-signature';

interface FetchPayload {
  url: string;
  setURL(url: string): void;
  options: { headers?: Record<string, string> | Headers | [string, string][] };
  setOptions(options: FetchPayload['options']): void;
  context?: { request?: Request };
}

const requestIds = new WeakMap<object, string>();

function headerRecord(headers: FetchPayload['options']['headers']): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return { ...headers };
}

/**
 * What our subgraphs require of any gateway, as a Hive Gateway plugin: the caller's Authorization,
 * a request id, the client's user agent, and the HMAC signature over them (platform/auth). With
 * `subgraphUrls` the committed supergraph's default URLs are rewritten to where subgraphs run.
 */
export function useHemp(options: { secret: string; subgraphUrls?: Record<string, string> }) {
  const rewrites = Object.entries(options.subgraphUrls ?? {});
  return {
    onFetch(payload: FetchPayload) {
      for (const [from, to] of rewrites) if (payload.url === from) payload.setURL(to);
      const incoming = payload.context?.request;
      const headers = headerRecord(payload.options.headers);
      let requestId = incoming ? requestIds.get(incoming) : undefined;
      if (!requestId) {
        requestId = incoming?.headers.get('x-request-id') ?? randomUUID();
        if (incoming) requestIds.set(incoming, requestId);
      }
      headers['x-request-id'] = requestId;
      const authorization = incoming?.headers.get('authorization');
      if (authorization) headers.authorization = authorization;
      const userAgent = incoming?.headers.get('user-agent');
      if (userAgent) headers['x-client-user-agent'] = userAgent.slice(0, 512);
      headers[SIGNATURE_HEADER] = signGatewayRequest(options.secret, (name) => headers[name]);
      payload.setOptions({ ...payload.options, headers });
    },
  };
}
