import { Redis } from 'ioredis';
import { startGateway, type RunningGateway } from '../gateway/server';
import { Role } from '#platform/infra/schema/shared-types';
import { ListingStatus } from '../subgraphs/listings-matching/modules/listing/listing-status';
import { insertListings, insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';
import { waitFor } from './helpers/wait';

/**
 * Issue 15, goal 5: the response cache for public reads is kept fresh by domain events, not by its
 * TTL. Entries here live 30 s, so anything seen sooner was the event feed's doing: in this process
 * (gateway A, beside the subgraphs) and over Redis pub/sub (gateway B, which hears nothing in
 * process, as if it ran elsewhere). Needs Redis: REDIS_URL_FOR_TESTS, default redis://127.0.0.1:6379/1.
 */
const REDIS_URL = process.env.REDIS_URL_FOR_TESTS ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/1';
const prefix = `cache-test-${process.pid}-${Date.now()}:`;
const TTL_MS = 30_000;

let t: TestStack;
let gatewayB: RunningGateway;
let redis: Redis;
type User = Awaited<ReturnType<typeof insertUsers>>[number];
let sellers: User[];
let buyers: User[];

beforeAll(async () => {
  t = await startTestStack({
    env: {
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      EVENTS_REDIS_PREFIX: `${prefix}events:`,
      RESPONSE_CACHE_TTL_MS: String(TTL_MS),
      RATE_LIMIT_CONSENT_PER_USER: '1000',
      // The gateway's node:http path to the subgraphs (the default outside tests), here under the cache tests.
      SUBGRAPH_HTTP_AGENT: 'true',
    },
  });
  gatewayB = await startGateway(t.config, {
    port: 0,
    isolatedRevocations: true,
    logDestination: { write: () => true } as never,
  });
  redis = new Redis(REDIS_URL);
  sellers = await insertUsers(t.stack, 4, [Role.SELLER]);
  buyers = await insertUsers(t.stack, 24, [Role.BUYER]);
  await insertListings(t.stack, sellers, 3);
}, 120_000);

afterAll(async () => {
  await gatewayB?.stop();
  await t?.stop();
  if (redis) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
});

async function gqlB(query: string, variables: Record<string, unknown> = {}, token?: string) {
  const res = await fetch(gatewayB.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { headers: res.headers, body: (await res.json()) as any };
}

const CREATE = `mutation($input: CreateListingInput!) { createListing(input: $input) { id status } }`;
const SET_STATUS = `mutation($id: ID!, $status: ListingStatus!) { setListingStatus(id: $id, status: $status) { id } }`;
const PLACE = `mutation($id: ID!, $q: Float!, $key: String!) { placeOrder(listingId: $id, quantityKg: $q, idempotencyKey: $key) { id } }`;
const PAGE = `query($f: ListingFilter) { listings(first: 50, filter: $f) { edges { node { id title availableKg } } } }`;
const ONE = `query($id: ID!) { listing(id: $id) { id title availableKg } }`;

function input(title: string, extra: Record<string, unknown> = {}) {
  return {
    title,
    productType: 'HEMP_SEED',
    quantityKg: 100,
    pricePerKg: '55.00',
    province: 'LIMPOPO',
    certifications: [],
    socialImpact: { smallScaleFarmer: true, womenOwned: false, youthOwned: false, communityOwned: false },
    ...extra,
  };
}

async function create(seller: User, title: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.gql(
    CREATE,
    { input: input(title, extra) },
    { token: await t.tokenFor(seller.id, [Role.SELLER]) },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data.createListing.id;
}

/** Both gateways, warmed until each answers from its cache. */
async function warm(query: string, variables: Record<string, unknown>) {
  for (const ask of [() => t.gql(query, variables), () => gqlB(query, variables)]) {
    await ask();
    expect((await ask()).headers.get('x-cache')).toBe('HIT');
  }
}

/** Milliseconds until `seen` holds for the anonymous answer of both gateways (-1: not within 3 s). */
async function msUntil(query: string, variables: Record<string, unknown>, seen: (body: any) => boolean, since: number) {
  let a = -1;
  let b = -1;
  while (Date.now() - since < 3000 && (a < 0 || b < 0)) {
    if (a < 0 && seen((await t.gql(query, variables)).body)) a = Date.now() - since;
    if (b < 0 && seen((await gqlB(query, variables)).body)) b = Date.now() - since;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { a, b };
}

const ids = (body: any): string[] => body.data.listings.edges.map((e: any) => e.node.id);

describe('listing and order events invalidate cached public reads within 1 s (entries live 30 s)', () => {
  it('shows a new listing, then hides it when paused', async () => {
    const f = { province: 'LIMPOPO' };
    await warm(PAGE, { f });
    const id = await create(sellers[0], 'Fresh event-driven hemp');
    const created = Date.now();
    // In process the invalidation lands before the mutation answers: the very next read sees it.
    expect(ids((await t.gql(PAGE, { f })).body)).toContain(id);
    const shown = await msUntil(PAGE, { f }, (b) => ids(b).includes(id), created);
    expect(shown.a).toBeGreaterThanOrEqual(0);
    expect(shown.b).toBeGreaterThanOrEqual(0);
    expect(Math.max(shown.a, shown.b)).toBeLessThanOrEqual(1000);

    await warm(PAGE, { f });
    const res = await t.gql(
      SET_STATUS,
      { id, status: 'PAUSED' },
      { token: await t.tokenFor(sellers[0].id, [Role.SELLER]) },
    );
    expect(res.body.errors).toBeUndefined();
    const paused = Date.now();
    const hidden = await msUntil(PAGE, { f }, (b) => !ids(b).includes(id), paused);
    expect(Math.min(hidden.a, hidden.b)).toBeGreaterThanOrEqual(0);
    expect(Math.max(hidden.a, hidden.b)).toBeLessThanOrEqual(1000);
  });

  it('shows the stock an order took', async () => {
    const id = await create(sellers[1], 'Stock-watched hemp');
    await warm(ONE, { id });
    expect((await t.gql(ONE, { id })).body.data.listing.availableKg).toBe(100);
    const order = await t.gql(
      PLACE,
      { id, q: 40, key: `cache-${Date.now()}` },
      { token: await t.tokenFor(buyers[0].id, [Role.BUYER]) },
    );
    expect(order.body.errors).toBeUndefined();
    const placed = Date.now();
    const seen = await msUntil(ONE, { id }, (b) => b.data.listing.availableKg === 60, placed);
    expect(Math.min(seen.a, seen.b)).toBeGreaterThanOrEqual(0);
    expect(Math.max(seen.a, seen.b)).toBeLessThanOrEqual(1000);
  });

  it('ignores read events: searching and viewing do not empty the cache', async () => {
    const f = { province: 'GAUTENG' };
    await warm(PAGE, { f });
    const token = await t.tokenFor(buyers[1].id, [Role.BUYER]);
    for (let i = 0; i < 5; i++) expect((await t.gql(PAGE, { f }, { token })).body.errors).toBeUndefined();
    await t.stack.subgraphs['listings-matching'].deps.outbox.flush();
    expect((await t.gql(PAGE, { f })).headers.get('x-cache')).toBe('HIT');
  });
});

describe('a seller’s draft reaches nobody else through any cache', () => {
  it('with many viewers asking at once on both gateways, until the seller publishes it', async () => {
    const seller = sellers[2];
    const sellerToken = await t.tokenFor(seller.id, [Role.SELLER]);
    const draftId = await create(seller, 'Hushhushword hemp', { status: ListingStatus.DRAFT });
    const search = { f: { text: 'hushhushword' } };
    const others = await Promise.all(buyers.slice(2, 22).map((b) => t.tokenFor(b.id, [Role.BUYER])));
    for (let round = 0; round < 3; round++) {
      const [mine, mineOnB, ...rest] = await Promise.all([
        t.gql(PAGE, search, { token: sellerToken }),
        gqlB(PAGE, search, sellerToken),
        ...others.flatMap((token) => [t.gql(PAGE, search, { token }), gqlB(ONE, { id: draftId }, token)]),
        ...Array.from({ length: 15 }, () => [
          t.gql(PAGE, search),
          gqlB(PAGE, search),
          t.gql(ONE, { id: draftId }),
        ]).flat(),
      ]);
      expect(ids(mine.body)).toEqual([draftId]);
      expect(ids(mineOnB.body)).toEqual([draftId]);
      expect(mine.headers.get('cache-control')).toBe('private, no-store');
      for (const res of rest) {
        expect(res.body.errors).toBeUndefined();
        expect(JSON.stringify(res.body)).not.toContain(draftId);
        expect(JSON.stringify(res.body)).not.toContain('Hushhushword');
      }
    }
    // Published: everyone sees it within 1 s, although the empty answers were cached for 30 s.
    const res = await t.gql(SET_STATUS, { id: draftId, status: 'ACTIVE' }, { token: sellerToken });
    expect(res.body.errors).toBeUndefined();
    const seen = await msUntil(PAGE, search, (b) => ids(b).includes(draftId), Date.now());
    expect(Math.min(seen.a, seen.b)).toBeGreaterThanOrEqual(0);
    expect(Math.max(seen.a, seen.b)).toBeLessThanOrEqual(1000);
  });
});

describe('headers tell the truth', () => {
  it('public with max-age ≤ 1 s, age and vary for anonymous answers; nothing kept for others', async () => {
    const f = { province: 'FREE_STATE' };
    await t.gql(PAGE, { f });
    const hit = await t.gql(PAGE, { f });
    expect(hit.headers.get('x-cache')).toBe('HIT');
    // Downstream caches hear no invalidations: they may keep it at most the promised 1 s, whatever the TTL here.
    expect(hit.headers.get('cache-control')).toMatch(/^public, max-age=[01]$/);
    expect(Number(hit.headers.get('age'))).toBeGreaterThanOrEqual(0);
    expect(hit.headers.get('vary')).toMatch(/authorization/);
    const signedIn = await t.gql(PAGE, { f }, { token: await t.tokenFor(buyers[3].id, [Role.BUYER]) });
    expect(signedIn.headers.get('cache-control')).toBe('private, no-store');
    expect(signedIn.headers.get('x-cache')).toBeNull();
    const failed = await t.gql(`query { listings(first: -1) { edges { node { id } } } }`);
    expect(failed.body.errors).toBeDefined();
    expect(failed.headers.get('cache-control')).toBe('no-store');
  });

  it('never caches nor serves from the cache an answer to a stale token (it carries its own warning)', async () => {
    const f = { province: 'FREE_STATE' };
    const stale = await t.gql(PAGE, { f }, { token: 'eyJhbGciOiJFZERTQSJ9.e30.c2ln' });
    expect(stale.body.data).toBeDefined();
    expect((stale.body as any).extensions.warnings[0].reason).toBe('TOKEN_INVALID');
    expect(stale.headers.get('x-cache')).toBeNull();
    expect(stale.headers.get('cache-control')).toBe('no-store');
    const anonymous = await t.gql(PAGE, { f });
    expect(anonymous.headers.get('x-cache')).toBe('HIT');
    expect(JSON.stringify(anonymous.body)).not.toContain('warnings');
  });
});

describe('an erasure purges the cache', () => {
  it('deletes every entry, here and in Redis, once a subgraph has erased its part', async () => {
    const seller = sellers[3];
    const id = await create(seller, 'Soon-forgotten hemp');
    await warm(ONE, { id });
    await warm(PAGE, { f: { province: 'LIMPOPO' } });
    const cached = () => redis.keys(`${prefix}response-cache:*`);
    expect((await cached()).length).toBeGreaterThan(0);
    const token = await t.tokenFor(seller.id, [Role.SELLER]);
    const res = await t.gql(`mutation { requestErasure { id } }`, {}, { token });
    expect(res.body.errors).toBeUndefined();
    // listings-matching archives and anonymises the listing, then every cache is emptied.
    await waitFor(
      async () =>
        (
          await t.stack.subgraphs['listings-matching'].deps.db.dataSource.query(
            `SELECT 1 FROM listings.listings WHERE id = $1 AND status = 'ARCHIVED'`,
            [id],
          )
        ).length > 0,
      { what: 'the listing erased' },
    );
    const erased = Date.now();
    await waitFor(async () => (await cached()).length === 0, { timeoutMs: 1000, what: 'Redis entries deleted' });
    expect(Date.now() - erased).toBeLessThanOrEqual(1000);
    // Each gateway's first read after it is a miss (B's in-process layer was emptied too, over Redis).
    for (const after of [await gqlB(ONE, { id }), await t.gql(PAGE, { f: { province: 'LIMPOPO' } })]) {
      expect(after.headers.get('x-cache')).toBe('MISS');
      expect(JSON.stringify(after.body)).not.toContain('Soon-forgotten');
    }
  });
});
