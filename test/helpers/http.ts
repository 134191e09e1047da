/** What a raw POST answered: the body is read once, as text, and parsed as JSON when it is JSON. */
export interface PostResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or null when it is not JSON. */
  json: any;
}

/**
 * POSTs to `url`: an object is sent as JSON, a string or a buffer as it is (for malformed-body
 * tests). The content type is application/json unless `headers` names another one.
 */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<PostResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? (body as never) : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A GraphQL request `{ query, variables }` to any URL (a second gateway, a subgraph), with an optional token. */
export function postQuery(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; headers?: Record<string, string> } = {},
): Promise<PostResult> {
  return post(
    url,
    { query, variables },
    { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
  );
}
