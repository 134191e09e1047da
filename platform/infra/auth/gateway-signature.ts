import { createHash, createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * The gateway's credential on every subgraph request: an HMAC over the whole request — method,
 * path with query, a digest of the body, a timestamp, a one-time nonce, the request id and the
 * identity headers it forwards. A subgraph refuses a request without a fresh, valid signature it
 * has not seen before (platform/infra/auth/replay-cache.ts), so nobody on the network can skip the
 * gateway's checks, rewrite the forwarded identity, swap the body under a captured signature or
 * send the same request twice. docs/signatures.md has the format and the key rotation steps.
 */
export const SIGNATURE_HEADER = 'x-gateway-signature';
/** Headers the gateway sets and signs; a client's own values for them are dropped at the gateway. */
export const SIGNED_HEADERS = [
  'x-request-id',
  'authorization',
  'x-client-ip',
  'x-client-user-agent',
  'x-partner-id',
] as const;

type HeaderGetter = (name: string) => string | undefined;

/**
 * A secret setting may hold several keys, comma-separated: the first signs, every one verifies.
 * That is how a key is rotated without downtime (docs/signatures.md).
 */
export type Secrets = string | readonly string[];

export function secretList(secrets: Secrets): string[] {
  const list = typeof secrets === 'string' ? secrets.split(',') : [...secrets];
  return list.map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * The keys of a secret setting, imported once: a string key given to createHmac is imported again
 * on every call, which was most of a verification's cost. A process holds a handful of settings.
 */
const keyObjects = new Map<string, KeyObject[]>();
function keysOf(secrets: Secrets): KeyObject[] {
  const id = typeof secrets === 'string' ? secrets : secrets.join(',');
  let keys = keyObjects.get(id);
  if (!keys) {
    keys = secretList(secrets).map((s) => createSecretKey(Buffer.from(s, 'utf8')));
    if (keyObjects.size < 64) keyObjects.set(id, keys);
  }
  return keys;
}

function signingKey(secrets: Secrets): KeyObject {
  const [first] = keysOf(secrets);
  if (!first) throw new Error('no signing key configured');
  return first;
}

/**
 * JSON with object keys sorted at every level: the same value gives the same text on every gateway.
 * Written without recursion, so a hostile body nested thousands deep costs time linear in its size
 * and never the stack (the depth limit refuses it afterwards, with a coded error).
 */
export function canonicalJson(root: unknown): string {
  const out: string[] = [];
  const work: Array<{ text: string } | { value: unknown }> = [{ value: root }];
  while (work.length > 0) {
    const item = work.pop()!;
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const value = item.value;
    if (value === null || typeof value !== 'object') {
      out.push(JSON.stringify(value) ?? 'null');
      continue;
    }
    const pieces: Array<{ text: string } | { value: unknown }> = [];
    if (Array.isArray(value)) {
      pieces.push({ text: '[' });
      value.forEach((v, i) => {
        if (i > 0) pieces.push({ text: ',' });
        pieces.push({ value: v });
      });
      pieces.push({ text: ']' });
    } else {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      pieces.push({ text: '{' });
      keys.forEach((k, i) => {
        pieces.push({ text: `${i > 0 ? ',' : ''}${JSON.stringify(k)}:` });
        pieces.push({ value: record[k] });
      });
      pieces.push({ text: '}' });
    }
    for (let i = pieces.length - 1; i >= 0; i--) work.push(pieces[i]);
  }
  return out.join('');
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('base64url');

/**
 * Digest of a request body as the signature covers it. A JSON body is digested in canonical form,
 * so a gateway that re-serialises the body it signed (Apollo Router hands its coprocessor the
 * parsed body, then writes its own bytes) still matches what the subgraph parses and executes.
 * `body` is the raw text (a signer) or what the server parsed from JSON (a verifier).
 */
export function bodyDigest(body: unknown): string {
  if (body === undefined || body === null || body === '') return sha256('');
  if (typeof body === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return sha256(body);
    }
    return sha256(canonicalJson(parsed));
  }
  if (body instanceof Uint8Array) return bodyDigest(Buffer.from(body).toString('utf8'));
  return sha256(canonicalJson(body));
}

/** What a gateway signature covers, apart from the timestamp and nonce. */
export interface SignedRequest {
  method: string;
  /** Path with query as the subgraph receives it, e.g. `/graphql`. */
  pathWithQuery: string;
  /** The raw body text (signer) or the parsed JSON body (verifier); see bodyDigest. */
  body: unknown;
  /** Verifier: the body's text exactly as received, for an `exact` (v3) signature. */
  rawBody?: string;
  /** The request's headers, lower-case names. */
  get: HeaderGetter;
}

/**
 * How a signature covers the body. `canonical` (v2): the digest of the body's canonical JSON, for a
 * gateway that re-serialises what it signed (Apollo Router's coprocessor). `exact` (v3): the digest
 * of the very bytes sent, for a gateway that signs the text it sends (ours, the Hive plugin): no
 * parse and no canonical form on either side, and the subgraph executes exactly what was signed.
 */
export type BodyMode = 'canonical' | 'exact';

const sha256Exact = (body: unknown) =>
  sha256(body === undefined || body === null ? '' : typeof body === 'string' ? body : Buffer.from(body as Uint8Array));

function gatewayPayload(timestamp: string, nonce: string, request: SignedRequest, mode: BodyMode): string {
  return [
    mode === 'exact' ? 'gateway-v3' : 'gateway-v2',
    timestamp,
    nonce,
    request.method.toUpperCase(),
    request.pathWithQuery,
    mode === 'exact' ? sha256Exact(request.rawBody ?? request.body) : bodyDigest(request.body),
    ...SIGNED_HEADERS.map((h) => request.get(h) ?? ''),
  ].join('\n');
}

/** `t=<unix seconds>,n=<nonce>,v2=<base64url HMAC-SHA256>` (or `v3=`) over what `payloadAt` gives. */
function sign(
  secrets: Secrets,
  payloadAt: (timestamp: string, nonce: string) => string,
  now: number,
  version: 'v2' | 'v3' = 'v2',
): string {
  const timestamp = Math.floor(now / 1000).toString();
  const nonce = randomBytes(16).toString('base64url');
  const mac = createHmac('sha256', signingKey(secrets)).update(payloadAt(timestamp, nonce)).digest('base64url');
  return `t=${timestamp},n=${nonce},${version}=${mac}`;
}

export type SignatureCheck =
  | {
      ok: true;
      /** Identifies this signature in the replay cache. */
      replayKey: string;
      /** Unix seconds the signature was made at. */
      signedAt: number;
    }
  | { ok: false; reason: string };

function verify(
  secrets: Secrets,
  header: string | undefined,
  /** null: this version cannot be checked here (refused). */
  payloadAt: (timestamp: string, nonce: string, version: 'v2' | 'v3') => string | null,
  maxAgeSeconds: number,
  now: number,
  kind: 'gateway' | 'internal',
): SignatureCheck {
  if (!header) return { ok: false, reason: `missing ${kind} signature` };
  const match = /^t=(\d{1,12}),n=([A-Za-z0-9_-]{22}),(v2|v3)=([A-Za-z0-9_-]{43})$/.exec(header);
  if (!match) return { ok: false, reason: `malformed ${kind} signature` };
  const [, timestamp, nonce, version, mac] = match;
  // Internal calls have no body: v2 only.
  if (kind === 'internal' && version !== 'v2') return { ok: false, reason: `malformed ${kind} signature` };
  if (Math.abs(now / 1000 - Number(timestamp)) > maxAgeSeconds) return { ok: false, reason: `stale ${kind} signature` };
  const given = Buffer.from(mac, 'base64url');
  const payload = payloadAt(timestamp, nonce, version as 'v2' | 'v3');
  if (payload === null) return { ok: false, reason: `invalid ${kind} signature` };
  for (const secret of keysOf(secrets)) {
    const expected = createHmac('sha256', secret).update(payload).digest();
    if (given.length === expected.length && timingSafeEqual(given, expected)) {
      return { ok: true, replayKey: `${kind}:${mac}`, signedAt: Number(timestamp) };
    }
  }
  return { ok: false, reason: `invalid ${kind} signature` };
}

/** `mode` `exact` needs `request.body` to be the text (or bytes) sent, unchanged. */
export function signGatewayRequest(
  secrets: Secrets,
  request: SignedRequest,
  now = Date.now(),
  mode: BodyMode = 'canonical',
): string {
  return sign(secrets, (t, n) => gatewayPayload(t, n, request, mode), now, mode === 'exact' ? 'v3' : 'v2');
}

/** Checks the signature only; the caller also claims `replayKey` in its replay cache. */
export function verifyGatewayRequest(
  secrets: Secrets,
  request: SignedRequest,
  maxAgeSeconds: number,
  now = Date.now(),
): SignatureCheck {
  return verify(
    secrets,
    request.get(SIGNATURE_HEADER),
    // v3 covers the bytes received: without them (a caller that parsed its own body) it cannot match.
    (t, n, version) =>
      version === 'v3' && request.rawBody === undefined
        ? null
        : gatewayPayload(t, n, request, version === 'v3' ? 'exact' : 'canonical'),
    maxAgeSeconds,
    now,
    'gateway',
  );
}

/**
 * Service-to-service calls that are not GraphQL (consent checks, data-subject fan-out, audit
 * appends, partner key resolution, the gateway's operation statistics): an HMAC over the method
 * and the path with its query, a timestamp and a nonce, under the internal keys — never the
 * gateway's, so a gateway key (which Hive Gateway or a router coprocessor also holds) cannot call
 * them. The routes read no body: their parameters travel in the signed query.
 */
export const INTERNAL_SIGNATURE_HEADER = 'x-internal-signature';

function internalPayload(timestamp: string, nonce: string, method: string, pathWithQuery: string): string {
  return ['internal-v2', timestamp, nonce, method.toUpperCase(), pathWithQuery].join('\n');
}

export function signInternalRequest(secrets: Secrets, method: string, pathWithQuery: string, now = Date.now()): string {
  return sign(secrets, (t, n) => internalPayload(t, n, method, pathWithQuery), now);
}

export function verifyInternalRequest(
  secrets: Secrets,
  header: string | undefined,
  method: string,
  pathWithQuery: string,
  maxAgeSeconds: number,
  now = Date.now(),
): SignatureCheck {
  return verify(
    secrets,
    header,
    (t, n) => internalPayload(t, n, method, pathWithQuery),
    maxAgeSeconds,
    now,
    'internal',
  );
}
