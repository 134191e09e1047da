import { startSubgraph, type RunningSubgraph } from '#platform/infra/service/subgraph';
import { listingsMatchingSubgraph } from '../subgraphs/listings-matching/server';
import { storeComputedReference } from '../subgraphs/listings-matching/modules/match/match.reference-price';
import { CREATE, MATCH, PLACE, UPDATE, baseInput, startListingsStack } from './helpers/listings-matching';
import { signedSubgraphPost } from './helpers/signed';
import type { TestStack } from './helpers/stack';

/**
 * The median price requestMatches measures against (no maxPricePerKg) is kept in
 * listings.price_reference instead of being sorted out of every listing per request. It must
 * follow every listing write at once: creation, a price change, an order that sells a listing out,
 * a write by hand in SQL, and a write through another replica of the subgraph (replicas share
 * only the database).
 */
let t: TestStack;
let tokens: Record<string, string>;
let replicaB: RunningSubgraph;
const productType = 'HEMP_SEED';

beforeAll(async () => {
  ({ t, tokens } = await startListingsStack());
  replicaB = await startSubgraph(
    listingsMatchingSubgraph as never,
    t.stack.subgraphs['listings-matching'].deps.config,
    {
      port: 0,
      isolatedRevocations: true,
      logDestination: { write: () => true } as never,
    },
  );
}, 120_000);

afterAll(async () => {
  await replicaB?.stop();
  await t?.stop();
});

const db = () => t.stack.subgraphs['listings-matching'].deps.db.dataSource;

/** The reference of a match request, through the gateway (replica A) or straight to replica B. */
async function reference(via: 'A' | 'B' = 'A'): Promise<string | null> {
  const variables = { input: { productType, quantityKg: 1, province: 'GAUTENG' } };
  const res =
    via === 'A'
      ? await t.gql(MATCH, variables, { token: tokens.buyer1 })
      : await signedSubgraphPost(
          t.config.GATEWAY_SECRET,
          replicaB.url,
          { query: MATCH, variables },
          {
            authorization: `Bearer ${tokens.buyer1}`,
          },
        );
  expect(res.body.errors).toBeUndefined();
  return res.body.data.requestMatches.referencePricePerKg?.amount ?? null;
}

async function create(pricePerKg: string, via: 'A' | 'B' = 'A'): Promise<string> {
  const variables = { input: baseInput({ productType, pricePerKg, quantityKg: 10 }) };
  const res =
    via === 'A'
      ? await t.gql(CREATE, variables, { token: tokens.sellerA })
      : await signedSubgraphPost(
          t.config.GATEWAY_SECRET,
          replicaB.url,
          { query: CREATE, variables },
          {
            authorization: `Bearer ${tokens.sellerA}`,
          },
        );
  expect(res.body.errors).toBeUndefined();
  return res.body.data.createListing.id;
}

async function stored() {
  const [row] = await db().query(
    `SELECT median, listing_count, version::int AS version, computed_version::int AS computed_version
       FROM listings.price_reference WHERE product_type = $1`,
    [productType],
  );
  return row as { median: number; listing_count: number; version: number; computed_version: number } | undefined;
}

describe('the maintained price reference', () => {
  let cheapest: string;

  it('is computed on the first request and stored as current', async () => {
    expect(await reference()).toBeNull(); // no listings, no median
    cheapest = await create('10.00');
    await create('20.00');
    await create('30.00');
    expect(await reference()).toBe('20.00');
    const row = await stored();
    expect(row).toMatchObject({ median: 20, listing_count: 3 });
    expect(row!.computed_version).toBe(row!.version);
    // read, not recomputed: the next request leaves it as it is
    expect(await reference('B')).toBe('20.00');
    expect(await stored()).toEqual(row);
  });

  it('follows a new listing, a price change and an order that sells a listing out, on the next request', async () => {
    await create('40.00');
    expect((await stored())!.computed_version).toBeLessThan((await stored())!.version);
    expect(await reference()).toBe('25.00'); // 10 20 30 40

    const updated = await t.gql(UPDATE, { id: cheapest, input: { pricePerKg: '50.00' } }, { token: tokens.sellerA });
    expect(updated.body.errors).toBeUndefined();
    expect(await reference()).toBe('35.00'); // 20 30 40 50

    const order = await t.gql(PLACE, { listingId: cheapest, q: 10, key: 'sell-out' }, { token: tokens.buyer1 });
    expect(order.body.errors).toBeUndefined();
    expect(order.body.data.placeOrder.listing.status).toBe('SOLD_OUT');
    expect(await reference()).toBe('30.00'); // 20 30 40
  });

  it('is not bumped by an order that leaves stock (the median does not change)', async () => {
    const before = await stored();
    const [listing] = await db().query(
      `SELECT id FROM listings.listings WHERE product_type = $1 AND price_per_kg = 40 AND status = 'ACTIVE'`,
      [productType],
    );
    const order = await t.gql(PLACE, { listingId: listing.id, q: 1, key: 'partial' }, { token: tokens.buyer1 });
    expect(order.body.errors).toBeUndefined();
    expect((await stored())!.version).toBe(before!.version);
    expect(await reference()).toBe('30.00');
  });

  it('follows a write made through another replica, and one made by hand in SQL', async () => {
    const id = await create('100.00', 'B');
    expect(await reference('A')).toBe('35.00'); // 20 30 40 100
    await create('60.00', 'A');
    expect(await reference('B')).toBe('40.00'); // 20 30 40 60 100
    await db().query(`UPDATE listings.listings SET status = 'PAUSED' WHERE id = $1`, [id]);
    expect(await reference('B')).toBe('35.00'); // 20 30 40 60
    await db().query(`UPDATE listings.listings SET price_per_kg = 90 WHERE product_type = $1 AND price_per_kg = 20`, [
      productType,
    ]);
    expect(await reference('A')).toBe('50.00'); // 30 40 60 90
  });

  it('never stores a median computed before a write that committed after it', async () => {
    const current = await stored();
    // A request computed a median at this version; a listing write commits before it stores it.
    const computedAt = String(current!.version);
    await create('1000.00');
    await storeComputedReference(db(), productType as never, {
      price: 50,
      computed: true,
      version: computedAt,
      listingCount: 4,
    });
    const after = await stored();
    expect(after!.computed_version).not.toBe(after!.version); // still stale: the next request computes
    expect(await reference()).toBe('60.00'); // 30 40 60 90 1000
  });

  it('is made stale by a TRUNCATE, which fires no delete trigger', async () => {
    await reference(); // current again
    expect((await stored())!.computed_version).toBe((await stored())!.version);
    await db().query(`TRUNCATE listings.listings CASCADE`);
    expect((await stored())!.computed_version).not.toBe((await stored())!.version);
    expect(await reference('B')).toBeNull();
  });
});
