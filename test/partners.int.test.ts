import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import Redis from 'ioredis';
import type { ResultOf, TypedDocumentNode, VariablesOf } from '@graphql-typed-document-node/core';
import { getOperationAST, type DocumentNode } from 'graphql';
import { Role } from '#platform/infra/schema/shared-types';
import { signedSubgraphPost } from './helpers/signed';
import { startGateway, type RunningGateway } from '../gateway/server';
import { PARTNER_MANIFEST_PATH } from '../gateway/partners/manifest';
import { PartnerActiveListingsDocument, PartnerListingDocument } from '../schema/generated/graphql';
import { insertListings, insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';
import { waitFor } from './helpers/wait';
import { post } from './helpers/http';

const REDIS_URL = process.env.REDIS_URL_FOR_TESTS ?? 'redis://127.0.0.1:6379';
const PREFIX = `test-partners-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}:`;

const manifest: { operations: Array<{ id: string; name: string; body: string }> } = JSON.parse(
  readFileSync(PARTNER_MANIFEST_PATH, 'utf8'),
);
const idOf = (name: string) => manifest.operations.find((o) => o.name === name)!.id;
const bodyOf = (name: string) => manifest.operations.find((o) => o.name === name)!.body;

// The README's partner example, with the endpoint and key as parameters.
async function partnerQuery<D extends TypedDocumentNode<any, any>>(
  endpoint: string,
  apiKey: string,
  document: D,
  variables: VariablesOf<D>,
) {
  const name = getOperationAST(document as DocumentNode)?.name?.value;
  const sha256Hash = manifest.operations.find((op) => op.name === name)?.id;
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({
      operationName: name,
      variables,
      extensions: { persistedQuery: { version: 1, sha256Hash } },
    }),
  });
  return (await res.json()) as { data?: ResultOf<D>; errors?: { message: string; extensions: { code: string } }[] };
}

const byHash = (name: string, variables: Record<string, unknown> = {}) => ({
  variables,
  extensions: { persistedQuery: { version: 1, sha256Hash: idOf(name) } },
});

let t: TestStack;
let admin: string;
let listingIds: string[];
const CREATE = `mutation($name: String!, $tier: PartnerTier!) { createPartnerClient(name: $name, tier: $tier) { apiKey client { id tier } } }`;
const REVOKE = `mutation($id: ID!) { revokePartnerClient(id: $id) { id revokedAt } }`;

async function createPartner(name: string, tier: 'FREE' | 'STANDARD' | 'PREMIUM') {
  const res = await t.gql(CREATE, { name, tier }, { token: admin });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data.createPartnerClient as { apiKey: string; client: { id: string; tier: string } };
}

beforeAll(async () => {
  t = await startTestStack({
    env: {
      REDIS_URL,
      REDIS_KEY_PREFIX: PREFIX,
      EVENTS_REDIS_PREFIX: `${PREFIX}events:`,
      PARTNER_CACHE_TTL_MS: '200',
      PARTNER_LIMIT_FREE: '3',
      PARTNER_LIMIT_STANDARD: '1000',
      PARTNER_LIMIT_PREMIUM: '1000',
    },
  });
  const [adminUser] = await insertUsers(t.stack, 1, [Role.ADMIN]);
  admin = await t.tokenFor(adminUser.id, [Role.ADMIN]);
  const sellers = await insertUsers(t.stack, 2);
  listingIds = (await insertListings(t.stack, sellers, 3)).map((l) => l.id);
});

afterAll(async () => {
  await t?.stop();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('partners call persisted operations with an API key', () => {
  it('runs PartnerActiveListings by hash and gets public listing data, typed from codegen', async () => {
    const { apiKey } = await createPartner('Karoo Commodities', 'STANDARD');
    const result = await partnerQuery(t.gatewayUrl, apiKey, PartnerActiveListingsDocument, { first: 4 });
    expect(result.errors).toBeUndefined();
    const listings = result.data!.listings;
    expect(listings.totalCount).toBe(6);
    expect(listings.edges).toHaveLength(4);
    expect(listings.edges[0].node.pricePerKg.currency).toBe('ZAR');
    expect(listings.pageInfo.hasNextPage).toBe(true);
    // The manifest body is what Apollo Client sends: with __typename.
    expect((listings as any).__typename).toBe('ListingConnection');

    const next = await partnerQuery(t.gatewayUrl, apiKey, PartnerActiveListingsDocument, {
      first: 4,
      after: listings.pageInfo.endCursor,
    });
    expect(next.data!.listings.edges).toHaveLength(2);

    const one = await partnerQuery(t.gatewayUrl, apiKey, PartnerListingDocument, { id: listingIds[0] });
    expect(one.errors).toBeUndefined();
    expect(one.data!.listing).toMatchObject({ id: listingIds[0], status: 'ACTIVE' });
  });

  it('accepts the listed body sent along with its hash (Apollo Client retrying after a miss)', async () => {
    const { apiKey } = await createPartner('Retrying Partner', 'STANDARD');
    const res = await post(
      t.gatewayUrl,
      { query: bodyOf('PartnerListing'), ...byHash('PartnerListing', { id: listingIds[1] }) },
      { 'x-api-key': apiKey },
    );
    expect(res.status).toBe(200);
    expect(res.json.data.listing.id).toBe(listingIds[1]);
  });

  it('refuses a free-form document, an unknown hash, and a different document under a listed hash', async () => {
    const { apiKey } = await createPartner('Curious Partner', 'STANDARD');
    const freeForm = await post(
      t.gatewayUrl,
      { query: '{ listings(first: 1) { totalCount } }' },
      { 'x-api-key': apiKey },
    );
    expect(freeForm.status).toBe(400);
    expect(freeForm.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(freeForm.json.data).toBeUndefined();

    // An allowed-looking document: the listed operation's name, plus the seller's email.
    const sneaky = 'query PartnerListing($id: ID!) { listing(id: $id) { id seller { email } } }';
    const sneakyHash = createHash('sha256').update(sneaky).digest('hex');
    for (const body of [
      {
        query: sneaky,
        variables: { id: listingIds[0] },
        extensions: { persistedQuery: { version: 1, sha256Hash: sneakyHash } },
      },
      { query: sneaky, ...byHash('PartnerListing', { id: listingIds[0] }) },
      { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } },
      { operationName: 'PartnerActiveListings', ...byHash('PartnerListing', { id: listingIds[0] }) },
    ]) {
      const res = await post(t.gatewayUrl, body, { 'x-api-key': apiKey });
      expect(res.status).toBe(400);
      expect(res.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
      expect(JSON.stringify(res.json)).not.toContain('@example.co.za');
    }
    const viaGet = await fetch(
      `${t.gatewayUrl}?extensions=${encodeURIComponent(JSON.stringify(byHash('PartnerListing').extensions))}`,
      { headers: { 'x-api-key': apiKey, 'apollo-require-preflight': 'true' } },
    );
    expect(viaGet.status).toBe(400);
    expect(((await viaGet.json()) as any).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('refuses unknown keys (401) and a key together with an access token (400)', async () => {
    const unknown = await post(t.gatewayUrl, byHash('PartnerActiveListings'), {
      'x-api-key': 'hmp_live_' + 'x'.repeat(43),
    });
    expect(unknown.status).toBe(401);
    expect(unknown.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const garbage = await post(t.gatewayUrl, byHash('PartnerActiveListings'), { 'x-api-key': '<script>' });
    expect(garbage.status).toBe(401);
    const { apiKey } = await createPartner('Double Identity', 'STANDARD');
    const both = await post(t.gatewayUrl, byHash('PartnerActiveListings'), {
      'x-api-key': apiKey,
      authorization: `Bearer ${admin}`,
    });
    expect(both.status).toBe(400);
    expect(both.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a revoked key within the partner cache TTL', async () => {
    const { apiKey, client } = await createPartner('Short-lived Partner', 'STANDARD');
    expect(
      (await post(t.gatewayUrl, byHash('PartnerActiveListings', { first: 1 }), { 'x-api-key': apiKey })).status,
    ).toBe(200);
    const revoked = await t.gql(REVOKE, { id: client.id }, { token: admin });
    expect(revoked.body.errors).toBeUndefined();
    const revokedAt = Date.now();
    const accepted: number[] = []; // when each request still served was sent, ms after the revocation
    const refused = await waitFor(
      async () => {
        const sentAt = Date.now() - revokedAt;
        const res = await post(t.gatewayUrl, byHash('PartnerActiveListings', { first: 1 }), { 'x-api-key': apiKey });
        if (res.status !== 401) accepted.push(sentAt);
        return res.status === 401 && res;
      },
      { what: 'the revoked key to be refused' },
    );
    expect(refused.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    // The bound is on when a request is sent (not on how fast a busy machine answers): none sent
    // after the cache TTL (200 ms here, +100 ms for clocks) was still served.
    expect(accepted.filter((sentAt) => sentAt > t.config.PARTNER_CACHE_TTL_MS + 100)).toEqual([]);
  });

  it('shows partners only public fields at the subgraphs too: a signed x-partner-id does not reach User.email', async () => {
    const { client } = await createPartner('Direct Partner', 'STANDARD');
    const [seller] = await insertUsers(t.stack, 1);
    const identityUrl = t.stack.subgraphs['identity-consent'].url;
    const res = await signedSubgraphPost(
      t.config.GATEWAY_SECRET,
      identityUrl,
      {
        query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id displayName email } } }',
        variables: { r: [{ __typename: 'User', id: seller.id }] },
      },
      { 'x-request-id': 'partner-direct-1', 'x-partner-id': client.id },
    );
    const json = res.body as any;
    expect(json.data?._entities?.[0]?.email ?? null).toBeNull();
    expect(['UNAUTHENTICATED', 'FORBIDDEN']).toContain(json.errors[0].extensions.code);
    expect(JSON.stringify(json)).not.toContain(seller.email);
  });
});

describe('partner tier limits', () => {
  let second: RunningGateway;
  beforeAll(async () => {
    second = await startGateway(t.config, {
      port: 0,
      logDestination: new Writable({ write: (_c, _e, cb) => cb() }) as never,
    });
  });
  afterAll(async () => second?.stop());

  it('refuses past the tier limit with RATE_LIMITED and a retry time, counted across gateway replicas through Redis', async () => {
    const { apiKey, client } = await createPartner('Free Tier Partner', 'FREE');
    const call = (url: string) => post(url, byHash('PartnerActiveListings', { first: 1 }), { 'x-api-key': apiKey });
    expect((await call(t.gatewayUrl)).status).toBe(200);
    expect((await call(second.url)).status).toBe(200);
    expect((await call(t.gatewayUrl)).status).toBe(200);
    for (const url of [second.url, t.gatewayUrl]) {
      const limited = await call(url);
      expect(limited.status).toBe(429);
      expect(limited.json.errors[0].extensions.code).toBe('RATE_LIMITED');
      const retry = limited.json.errors[0].extensions.retryAfterSeconds;
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(limited.headers.get('retry-after')).toBe(String(retry));
    }
    // Another partner has its own allowance.
    const other = await createPartner('Another Free Partner', 'FREE');
    expect(
      (await post(t.gatewayUrl, byHash('PartnerActiveListings', { first: 1 }), { 'x-api-key': other.apiKey })).status,
    ).toBe(200);

    const metrics = await (await fetch(t.gatewayUrl.replace('/graphql', '/metrics'))).text();
    const line = (operation: string, outcome: string) =>
      new RegExp(
        `partner_requests_total\\{[^}]*partner="${client.id}"[^}]*operation="${operation}"[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`,
      ).exec(metrics)?.[1];
    expect(line('PartnerActiveListings', 'ok')).toBe('2');
    expect(line('none', 'rate_limited')).toBe('1');
    // by tier, for the dashboards: every line of this partner says FREE
    const mine = metrics
      .split('\n')
      .filter((l) => l.startsWith('partner_requests_total{') && l.includes(`partner="${client.id}"`));
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const l of mine) expect(l).toContain('tier="FREE"');
  });

  it('exports usage per partner, operation and outcome on /metrics', async () => {
    const { apiKey, client } = await createPartner('Metered Partner', 'STANDARD');
    await post(t.gatewayUrl, byHash('PartnerListing', { id: listingIds[2] }), { 'x-api-key': apiKey });
    await post(t.gatewayUrl, byHash('PartnerListing', { id: 'not-a-uuid' }), { 'x-api-key': apiKey });
    await post(t.gatewayUrl, { query: '{ dataSources { slug } }' }, { 'x-api-key': apiKey });
    const metrics = await (await fetch(t.gatewayUrl.replace('/graphql', '/metrics'))).text();
    const mine = metrics.split('\n').filter((l) => l.startsWith('partner_requests_total') && l.includes(client.id));
    expect(mine.some((l) => l.includes('operation="PartnerListing"') && l.includes('outcome="ok"'))).toBe(true);
    expect(mine.some((l) => l.includes('operation="none"') && l.includes('outcome="not_in_list"'))).toBe(true);
    expect(metrics).toMatch(
      /partner_requests_total\{[^}]*partner="unknown"[^}]*outcome="unauthenticated"[^}]*tier="none"/,
    );
  });
});
