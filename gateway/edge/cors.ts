import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS for an allowlist of browser origins. Requests from other origins get no CORS headers (the
 * browser then refuses to hand them the answer); a preflight from them is answered 403.
 */
export function createCorsHandler(allowedOrigins: string) {
  const allowed = new Set(
    allowedOrigins
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  );
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = req.headers.origin;
    const ok = typeof origin === 'string' && allowed.has(origin);
    if (ok) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
      res.setHeader('access-control-expose-headers', 'x-request-id, retry-after');
    }
    if (req.method !== 'OPTIONS') return false;
    if (!ok) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('origin not allowed');
      return true;
    }
    res.writeHead(204, {
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers':
        'content-type, authorization, x-api-key, x-request-id, apollo-require-preflight, x-apollo-operation-name, apollographql-client-name, apollographql-client-version',
      'access-control-max-age': '600',
    });
    res.end();
    return true;
  };
}
