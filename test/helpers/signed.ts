import { SIGNATURE_HEADER, signGatewayRequest } from '#platform/infra/auth/gateway-signature';

/** The gateway's signature for a POST of `body` to `url` with these (lower-case) headers. */
export function gatewaySignature(
  secret: string,
  url: string,
  body: string,
  headers: Record<string, string>,
  now = Date.now(),
): string {
  const { pathname, search } = new URL(url);
  return signGatewayRequest(
    secret,
    { method: 'POST', pathWithQuery: pathname + search, body, get: (h) => headers[h] },
    now,
  );
}

/** Headers for a POST to a subgraph exactly as a gateway would send them: signed over the body. */
export function signedHeaders(
  secret: string,
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Record<string, string> {
  const all: Record<string, string> = {
    'content-type': 'application/json',
    'x-request-id': `direct-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    ...headers,
  };
  return { ...all, [SIGNATURE_HEADER]: gatewaySignature(secret, url, body, all) };
}

/** POSTs a GraphQL request straight to a subgraph, signed as the gateway signs it. */
export async function signedSubgraphPost<T = any>(
  secret: string,
  url: string,
  payload: { query: string; variables?: Record<string, unknown> },
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  body: { data?: T; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
}> {
  const body = JSON.stringify(payload);
  const res = await fetch(url, { method: 'POST', headers: signedHeaders(secret, url, body, headers), body });
  return { status: res.status, body: (await res.json()) as any };
}
