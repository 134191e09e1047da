import type { IncomingMessage } from 'node:http';
import type { ApiErrorCode } from '#platform/infra/errors';

/**
 * Reading a request before GraphQL sees it: the body within its size limit (a refused upload is
 * drained first, so the client reads the answer), strict UTF-8, JSON by content type, and the
 * `variables` / `extensions` a request carries. Every refusal is an HttpRefusal.
 */

/** A refusal before GraphQL execution, answered as a coded GraphQL error with this HTTP status. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: ApiErrorCode,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * A refused upload is read and dropped up to this many bytes (and this long) before the answer:
 * a client still sending when the socket closes sees a connection error (EPIPE) instead of the 413.
 */
export const REFUSED_BODY_DRAIN_BYTES = 32 * 1024 * 1024;
export const REFUSED_BODY_DRAIN_MS = 10_000;

/** Reads and discards the rest of a request, up to the drain bounds; resolves when done or past them. */
function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded || req.destroyed) return resolve();
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('error', done);
      req.off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > REFUSED_BODY_DRAIN_BYTES) done();
    };
    const timer = setTimeout(done, REFUSED_BODY_DRAIN_MS);
    timer.unref();
    req.on('data', onData);
    req.on('end', done);
    req.on('error', done);
    req.on('close', done);
    req.resume();
  });
}

export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = () => new HttpRefusal(413, `Request body larger than ${limit} bytes`, 'BAD_USER_INPUT');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    // Past the drain bound the connection is closed at once: nobody is owed a 20 GB read.
    if (declared > REFUSED_BODY_DRAIN_BYTES) return Promise.reject(tooLarge());
    return drain(req).then(() => Promise.reject(tooLarge()));
  }
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks = [];
        req.off('data', onData);
        void drain(req).then(() => reject(tooLarge()));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (refused) return;
      try {
        resolve(utf8.decode(Buffer.concat(chunks)));
      } catch {
        reject(new HttpRefusal(400, 'The request body is not valid UTF-8', 'BAD_USER_INPUT'));
      }
    });
    req.on('error', (err) => {
      if (!refused) reject(err);
    });
  });
}

/** Strict: invalid UTF-8 is refused, not silently replaced by U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `variables` and `extensions` of a POST body or a GET query string, as sent. */
export function requestInputs(body: unknown, search: string): Array<[string, unknown]> {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    return [
      ['variables', b.variables],
      ['extensions', b.extensions],
    ];
  }
  if (!search) return [];
  const params = new URLSearchParams(search);
  const out: Array<[string, unknown]> = [];
  for (const name of ['variables', 'extensions']) {
    const raw = params.get(name);
    if (!raw) continue;
    try {
      out.push([name, JSON.parse(raw)]);
    } catch {
      // Apollo reports malformed JSON in the query string itself
    }
  }
  return out;
}

export function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type === 'application/graphql-response+json' || type.endsWith('+json')) {
    try {
      return JSON.parse(raw);
    } catch {
      throw new HttpRefusal(400, 'Malformed JSON in request body', 'BAD_USER_INPUT');
    }
  }
  return raw;
}
