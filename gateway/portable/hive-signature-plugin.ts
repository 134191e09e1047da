import { randomUUID } from 'node:crypto';
import type { DocumentNode } from 'graphql';
import { signGatewayRequest, SIGNATURE_HEADER } from '#platform/infra/auth/gateway-signature';
import { isViewerIndependentDocument, isViewerIndependentFetch } from '../public-fetch';

interface FetchPayload {
  url: string;
  setURL(url: string): void;
  options: { method?: string; body?: unknown; headers?: Record<string, string> | Headers | [string, string][] };
  setOptions(options: FetchPayload['options']): void;
  context?: { request?: Request };
}

interface SubgraphExecutePayload {
  executionRequest: { document?: DocumentNode; extensions?: Record<string, unknown>; context?: { request?: Request } };
}

/**
 * Headers that say who is asking. They must be part of every key under which Hive Gateway shares
 * a subgraph response between requests: its HTTP executor deduplicates identical in-flight
 * subgraph requests by URL, method and body, and counts headers only when they were given before
 * the fetch (as `extensions.headers`). Anonymous requests carry none and may still be shared.
 */
export const IDENTITY_HEADERS = ['authorization', 'x-api-key'] as const;

const requestIds = new WeakMap<object, string>();

function queryOf(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const query = (JSON.parse(body) as { query?: unknown }).query;
    return typeof query === 'string' ? query : undefined;
  } catch {
    return undefined;
  }
}

function headerRecord(headers: FetchPayload['options']['headers']): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return { ...headers };
}

/**
 * What our subgraphs require of any gateway, as a Hive Gateway plugin: the caller's identity, a
 * request id, the client's user agent, and the HMAC signature over the whole subgraph request
 * (platform/infra/auth/gateway-signature.ts). With `subgraphUrls` the committed supergraph's default URLs
 * are rewritten to where subgraphs run.
 *
 * Identity is attached in `onSubgraphExecute`, before Hive's in-flight deduplication takes its
 * key, so two users asking the same thing at the same moment never share one subgraph answer
 * (except a fetch of public entity fields only, which goes out without identity on both gateways);
 * the signature is added in `onFetch`, once per request actually sent (each has its own nonce).
 */
export function useHemp(options: { secret: string; subgraphUrls?: Record<string, string> }) {
  const rewrites = Object.entries(options.subgraphUrls ?? {});
  return {
    onSubgraphExecute({ executionRequest }: SubgraphExecutePayload) {
      const incoming = executionRequest.context?.request;
      if (!incoming) return;
      // public entity fields only: no identity, as on our own gateway (public-fetch.ts)
      if (executionRequest.document && isViewerIndependentDocument(executionRequest.document)) return;
      const identity: Record<string, string> = {};
      for (const name of IDENTITY_HEADERS) {
        const value = incoming.headers.get(name);
        if (value) identity[name] = value;
      }
      if (Object.keys(identity).length === 0) return;
      const extensions = (executionRequest.extensions ??= {});
      extensions.headers = { ...(extensions.headers as Record<string, string> | undefined), ...identity };
    },
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
      // Partners are resolved by our own gateway only; behind Hive a key is not forwarded.
      delete headers['x-api-key'];
      delete headers['x-partner-id'];
      delete headers['x-client-ip'];
      const authorization = incoming?.headers.get('authorization');
      if (authorization && !isViewerIndependentFetch(queryOf(payload.options.body)))
        headers.authorization = authorization;
      else delete headers.authorization;
      const userAgent = incoming?.headers.get('user-agent');
      if (userAgent) headers['x-client-user-agent'] = userAgent.slice(0, 512);
      const { pathname, search } = new URL(payload.url);
      // Signed over the body text as sent (`exact`), as our gateway signs: like for like.
      headers[SIGNATURE_HEADER] = signGatewayRequest(
        options.secret,
        {
          method: payload.options.method ?? 'POST',
          pathWithQuery: pathname + search,
          body: payload.options.body,
          get: (name) => headers[name],
        },
        Date.now(),
        typeof payload.options.body === 'string' ? 'exact' : 'canonical',
      );
      payload.setOptions({ ...payload.options, headers });
    },
  };
}
