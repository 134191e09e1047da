import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The gateway's credential on every subgraph request: an HMAC over a timestamp, the request id and
 * the identity headers it forwards. A subgraph refuses a request without a fresh, valid signature,
 * so nobody on the network can skip the gateway's checks or rewrite the forwarded identity.
 */
export const SIGNATURE_HEADER = 'x-gateway-signature';
/** Headers the gateway sets and signs; a client's own values for them are dropped at the gateway. */
export const SIGNED_HEADERS = ['x-request-id', 'authorization', 'x-client-ip', 'x-client-user-agent', 'x-partner-id'] as const;

type HeaderGetter = (name: string) => string | undefined;

function payload(timestamp: string, get: HeaderGetter): string {
  return [timestamp, ...SIGNED_HEADERS.map((h) => get(h) ?? '')].join('\n');
}

export function signGatewayRequest(secret: string, get: HeaderGetter, now = Date.now()): string {
  const timestamp = Math.floor(now / 1000).toString();
  const mac = createHmac('sha256', secret).update(payload(timestamp, get)).digest('base64url');
  return `t=${timestamp},v1=${mac}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyGatewayRequest(secret: string, get: HeaderGetter, maxAgeSeconds: number, now = Date.now()): SignatureCheck {
  const header = get(SIGNATURE_HEADER);
  if (!header) return { ok: false, reason: 'missing gateway signature' };
  const match = /^t=(\d{1,12}),v1=([A-Za-z0-9_-]{43})$/.exec(header);
  if (!match) return { ok: false, reason: 'malformed gateway signature' };
  const [, timestamp, mac] = match;
  if (Math.abs(now / 1000 - Number(timestamp)) > maxAgeSeconds) return { ok: false, reason: 'stale gateway signature' };
  const expected = createHmac('sha256', secret).update(payload(timestamp, get)).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid gateway signature' };
  return { ok: true };
}

/**
 * Service-to-service calls that are not GraphQL (e.g. a subgraph asking identity-consent for a
 * user's consents): an HMAC over the method and the path with its query, under the same secret.
 */
export const INTERNAL_SIGNATURE_HEADER = 'x-internal-signature';

function internalPayload(timestamp: string, method: string, pathWithQuery: string): string {
  return ['internal', timestamp, method.toUpperCase(), pathWithQuery].join('\n');
}

export function signInternalRequest(secret: string, method: string, pathWithQuery: string, now = Date.now()): string {
  const timestamp = Math.floor(now / 1000).toString();
  const mac = createHmac('sha256', secret).update(internalPayload(timestamp, method, pathWithQuery)).digest('base64url');
  return `t=${timestamp},v1=${mac}`;
}

export function verifyInternalRequest(
  secret: string,
  header: string | undefined,
  method: string,
  pathWithQuery: string,
  maxAgeSeconds: number,
  now = Date.now(),
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing internal signature' };
  const match = /^t=(\d{1,12}),v1=([A-Za-z0-9_-]{43})$/.exec(header);
  if (!match) return { ok: false, reason: 'malformed internal signature' };
  const [, timestamp, mac] = match;
  if (Math.abs(now / 1000 - Number(timestamp)) > maxAgeSeconds) return { ok: false, reason: 'stale internal signature' };
  const expected = createHmac('sha256', secret).update(internalPayload(timestamp, method, pathWithQuery)).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid internal signature' };
  return { ok: true };
}
