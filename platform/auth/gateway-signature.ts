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

/** `t=<unix seconds>,v1=<base64url HMAC-SHA256>` over what `payloadAt` gives for that timestamp. */
function sign(secret: string, payloadAt: (timestamp: string) => string, now: number): string {
  const timestamp = Math.floor(now / 1000).toString();
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(payloadAt(timestamp)).digest('base64url')}`;
}

function verify(
  secret: string,
  header: string | undefined,
  payloadAt: (timestamp: string) => string,
  maxAgeSeconds: number,
  now: number,
  kind: 'gateway' | 'internal',
): SignatureCheck {
  if (!header) return { ok: false, reason: `missing ${kind} signature` };
  const match = /^t=(\d{1,12}),v1=([A-Za-z0-9_-]{43})$/.exec(header);
  if (!match) return { ok: false, reason: `malformed ${kind} signature` };
  const [, timestamp, mac] = match;
  if (Math.abs(now / 1000 - Number(timestamp)) > maxAgeSeconds) return { ok: false, reason: `stale ${kind} signature` };
  const expected = createHmac('sha256', secret).update(payloadAt(timestamp)).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: `invalid ${kind} signature` };
  return { ok: true };
}

export function signGatewayRequest(secret: string, get: HeaderGetter, now = Date.now()): string {
  return sign(secret, (t) => payload(t, get), now);
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyGatewayRequest(secret: string, get: HeaderGetter, maxAgeSeconds: number, now = Date.now()): SignatureCheck {
  return verify(secret, get(SIGNATURE_HEADER), (t) => payload(t, get), maxAgeSeconds, now, 'gateway');
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
  return sign(secret, (t) => internalPayload(t, method, pathWithQuery), now);
}

export function verifyInternalRequest(
  secret: string,
  header: string | undefined,
  method: string,
  pathWithQuery: string,
  maxAgeSeconds: number,
  now = Date.now(),
): SignatureCheck {
  return verify(secret, header, (t) => internalPayload(t, method, pathWithQuery), maxAgeSeconds, now, 'internal');
}
