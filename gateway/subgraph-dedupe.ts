/**
 * In-flight deduplication of subgraph queries, never across identities: two identical subgraph
 * requests (same URL, same body) share one call only while the first is still in flight and only
 * when both come from the same identity scope — anonymous, one partner, or one user. A user's
 * request and another user's (or an anonymous one) never share a call, so nothing one identity may
 * see can reach another through it. Mutations are never deduplicated.
 */

import { BufferedResponse } from './buffered-response';

export type Fetcher = (url: string, init: RequestInit) => Promise<Response>;

function header(init: RequestInit, name: string): string | undefined {
  const h = init.headers as unknown;
  if (!h) return undefined;
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined;
  const record = h as Record<string, string | string[] | undefined>;
  const v = record[name] ?? record[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The identity scope of a subgraph call from the headers the gateway itself set (it verified the token). */
export function identityScope(init: RequestInit): string {
  const partner = header(init, 'x-partner-id');
  if (partner) return `partner:${partner}`;
  const authorization = header(init, 'authorization');
  if (!authorization) return 'anonymous';
  const token = authorization.replace(/^Bearer\s+/i, '');
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: unknown;
    };
    if (typeof payload.sub === 'string' && payload.sub) return `user:${payload.sub}`;
  } catch {
    // fall through: the token itself is the narrowest scope
  }
  return `token:${token}`;
}

function isQueryBody(body: unknown): body is string {
  if (typeof body !== 'string') return false;
  const match = /"query":"\s*(query|mutation|subscription|\{)/.exec(body);
  return !!match && (match[1] === 'query' || match[1] === '{');
}

interface Shared {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
}

export function dedupeInFlight(fetcher: Fetcher, onShared?: () => void): Fetcher {
  const inFlight = new Map<string, Promise<Shared>>();
  return async (url, init) => {
    if (!isQueryBody(init.body)) return fetcher(url, init);
    const key = `${identityScope(init)}\n${url}\n${init.body}`;
    let call = inFlight.get(key);
    if (call) {
      onShared?.();
    } else {
      call = (async () => {
        const res = await fetcher(url, init);
        return { status: res.status, statusText: res.statusText, headers: [...res.headers], body: await res.text() };
      })();
      inFlight.set(key, call);
      // Only while in flight: a finished call is never reused.
      call.then(
        () => inFlight.delete(key),
        () => inFlight.delete(key),
      );
    }
    const shared = await call;
    return new BufferedResponse(
      shared.body,
      shared.status,
      shared.statusText,
      new Headers(shared.headers),
    ).asResponse();
  };
}
