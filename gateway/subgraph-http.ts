import http from 'node:http';
import https from 'node:https';
import { BufferedResponse } from './buffered-response';

/**
 * Subgraph calls over node:http with a keep-alive agent per gateway, instead of the global fetch.
 * The global fetch builds WHATWG streams for every request and response body; a subgraph answer is
 * one small JSON document, read whole, so a plain request on a pooled socket does the same work for
 * less CPU (and the answer comes back as a BufferedResponse, read whole). Sockets stay open (keep-alive, LIFO so the warm ones are reused) up to `maxSockets` per
 * subgraph host; the deadline still comes from the caller's AbortSignal.
 */
export interface HttpFetcherOptions {
  maxSockets?: number;
  keepAliveMs?: number;
}

export function createHttpFetcher(options: HttpFetcherOptions = {}) {
  const agentOptions = {
    keepAlive: true,
    keepAliveMsecs: options.keepAliveMs ?? 30_000,
    maxSockets: options.maxSockets ?? 128,
    maxFreeSockets: options.maxSockets ?? 128,
    scheduling: 'lifo' as const,
  };
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };

  const fetcher = (url: string, init: RequestInit = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const headers: Record<string, string> = {};
      const given = init.headers as unknown;
      if (given && typeof (given as Headers).forEach === 'function')
        (given as Headers).forEach((v, k) => (headers[k] = v));
      else if (given) Object.assign(headers, given as Record<string, string>);
      const body = typeof init.body === 'string' ? init.body : init.body == null ? undefined : String(init.body);
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const transport = target.protocol === 'https:' ? https : http;
      const req = transport.request(
        target,
        { method: init.method ?? 'GET', headers, agent: agents[target.protocol as 'http:' | 'https:'] },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const outHeaders = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (v === undefined) continue;
              outHeaders.set(k, Array.isArray(v) ? v.join(', ') : v);
            }
            const status = res.statusCode ?? 502;
            const text = Buffer.concat(chunks).toString('utf8');
            resolve(new BufferedResponse(text, status, res.statusMessage ?? '', outHeaders, url).asResponse());
          });
        },
      );
      req.on('error', reject);
      const signal = init.signal;
      if (signal) {
        if (signal.aborted) {
          req.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
          return;
        }
        const onAbort = () => req.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        signal.addEventListener('abort', onAbort, { once: true });
        req.on('close', () => signal.removeEventListener('abort', onAbort));
      }
      req.end(body);
    });

  return Object.assign(fetcher, {
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}
