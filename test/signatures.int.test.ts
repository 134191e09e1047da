import {
  INTERNAL_SIGNATURE_HEADER,
  SIGNATURE_HEADER,
  signInternalRequest,
} from '#platform/infra/auth/gateway-signature';
import { ACTIVE_CONSENTS_PATH } from '#platform/contracts/consent-client';
import { Role } from '#platform/infra/schema/shared-types';
import { ListingStatus } from '../subgraphs/listings-matching/modules/listing/listing-status';
import { insertListings, insertUsers } from './helpers/fixtures';
import { gatewaySignature } from './helpers/signed';
import { startTestStack, type TestStack } from './helpers/stack';

/**
 * The attack from the review: capture one signed gateway→subgraph request, then send it again with
 * another body (here: `_entities` for another seller's DRAFT) or unchanged. Both must be refused.
 */
const NEW_KEY = 'gateway-key-2026-new-0123456789abcdef';
const OLD_KEY = 'gateway-key-2025-old-0123456789abcdef';

let t: TestStack;
let draftId: string;
let sellerToken: string;

interface Captured {
  url: string;
  headers: Record<string, string>;
  body: string;
}
const captured: Captured[] = [];
const realFetch = globalThis.fetch;

beforeAll(async () => {
  // Rotation in progress: the gateway signs with the first key, subgraphs accept both.
  t = await startTestStack({ env: { GATEWAY_SECRET: `${NEW_KEY},${OLD_KEY}` } });
  const [victim, attacker] = await insertUsers(t.stack, 2, [Role.SELLER]);
  [{ id: draftId }] = await insertListings(t.stack, [victim], 1, ListingStatus.DRAFT);
  sellerToken = await t.tokenFor(attacker.id, [Role.SELLER]);
  // Every request the gateway sends to listings-matching, as a network observer would see it.
  const listingsUrl = t.stack.subgraphs['listings-matching'].url;
  globalThis.fetch = (async (input: any, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url === listingsUrl && init?.headers && typeof init.body === 'string') {
      captured.push({ url, headers: { ...(init.headers as Record<string, string>) }, body: init.body });
    }
    return realFetch(input, init);
  }) as typeof fetch;
});

afterAll(async () => {
  globalThis.fetch = realFetch;
  await t?.stop();
});

async function replay(c: Captured, body: string) {
  const res = await realFetch(c.url, { method: 'POST', headers: c.headers, body });
  return { status: res.status, json: (await res.json()) as any };
}

describe('a captured gateway signature', () => {
  let capture: Captured;

  beforeAll(async () => {
    captured.length = 0;
    const res = await t.gql(`{ listings(first: 1) { totalCount } }`, {}, { token: sellerToken });
    expect(res.body.errors).toBeUndefined();
    expect(captured).toHaveLength(1);
    capture = captured[0];
    // v3: over the body text as sent (the subgraph digests the bytes it received).
    expect(capture.headers[SIGNATURE_HEADER]).toMatch(/^t=\d+,n=[A-Za-z0-9_-]{22},v3=[A-Za-z0-9_-]{43}$/);
  });

  it('does not carry another body: _entities for another seller’s draft is refused', async () => {
    const stolen = JSON.stringify({
      query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Listing { id title status } } }`,
      variables: { r: [{ __typename: 'Listing', id: draftId }] },
    });
    const res = await replay(capture, stolen);
    expect(res.status).toBe(401);
    expect(res.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(res.json)).not.toContain(draftId);
    // nor a body that differs only in its variables
    const tweaked = JSON.parse(capture.body);
    tweaked.variables = { ...(tweaked.variables ?? {}), extra: 1 };
    expect((await replay(capture, JSON.stringify(tweaked))).status).toBe(401);
  });

  it('covers the exact bytes: the same JSON with other spacing, or re-ordered keys, is refused', async () => {
    const parsed = JSON.parse(capture.body);
    expect((await replay(capture, JSON.stringify(parsed, null, 1))).status).toBe(401);
    const reordered = Object.fromEntries(Object.entries(parsed).reverse());
    expect(JSON.stringify(reordered)).not.toBe(capture.body);
    expect((await replay(capture, JSON.stringify(reordered))).status).toBe(401);
    // As a v2 (canonical) signature the same MAC is refused too: the version is part of what is signed.
    const asV2 = { ...capture.headers, [SIGNATURE_HEADER]: capture.headers[SIGNATURE_HEADER].replace(',v3=', ',v2=') };
    const res = await realFetch(capture.url, { method: 'POST', headers: asV2, body: capture.body });
    expect(res.status).toBe(401);
  });

  it('is accepted once: the same request sent again is refused by the replay cache', async () => {
    const res = await replay(capture, capture.body);
    expect(res.status).toBe(401);
    expect(t.logs.some((l) => l.includes('replayed gateway signature'))).toBe(true);
  });

  it('was made with the first key only: the old key alone does not verify it, and any listed key is accepted', async () => {
    const url = t.stack.subgraphs['listings-matching'].url;
    const body = JSON.stringify({ query: '{ listings(first: 1) { totalCount } }' });
    const headers = { 'content-type': 'application/json', 'x-request-id': 'rotation-1' };
    const send = (key: string) =>
      realFetch(url, {
        method: 'POST',
        body,
        headers: { ...headers, [SIGNATURE_HEADER]: gatewaySignature(key, url, body, headers) },
      });
    expect((await send(OLD_KEY)).status).toBe(200);
    expect((await send(NEW_KEY)).status).toBe(200);
    expect((await send('gateway-key-never-listed-0123456789ab')).status).toBe(401);
  });
});

describe('internal routes', () => {
  const path = () => `${ACTIVE_CONSENTS_PATH}?userId=00000000-0000-4000-8000-000000000001`;
  const origin = () => new URL(t.stack.subgraphs['identity-consent'].url).origin;
  const call = (signature: string) =>
    realFetch(origin() + path(), { headers: { [INTERNAL_SIGNATURE_HEADER]: signature } });

  it('refuse the gateway’s keys, accept the internal key, and accept each signature once', async () => {
    expect((await call(signInternalRequest(NEW_KEY, 'GET', path()))).status).toBe(401);
    expect((await call(signInternalRequest(OLD_KEY, 'GET', path()))).status).toBe(401);
    const signature = signInternalRequest(t.config.INTERNAL_SECRET, 'GET', path());
    // Internal calls carry no body: only v2 is accepted there.
    expect((await call(signature.replace(',v2=', ',v3='))).status).toBe(401);
    expect((await call(signature)).status).toBe(200);
    expect((await call(signature)).status).toBe(401);
  });

  it('the gateway’s own stats route too', async () => {
    const base = t.gatewayUrl.replace(/\/graphql$/, '');
    const get = (key: string) =>
      realFetch(`${base}/internal/operation-stats`, {
        headers: { [INTERNAL_SIGNATURE_HEADER]: signInternalRequest(key, 'GET', '/internal/operation-stats') },
      });
    expect((await get(NEW_KEY)).status).toBe(401);
    expect((await get(t.config.INTERNAL_SECRET)).status).toBe(200);
  });
});
