import {
  CANCEL,
  PLACE,
  SET_STATUS,
  errorOf,
  listingsCalls,
  startListingsStack,
  type User,
} from './helpers/listings-matching';
import { Role } from '#platform/infra/schema/shared-types';
import { insertUsers } from './helpers/fixtures';
import type { TestStack } from './helpers/stack';

/** Orders through the gateway: placing them under contention, cancelling them, and who sees them. */
let t: TestStack;
let sellerA: User;
let buyer1: User;
let buyer2: User;
let tokens: Record<string, string>;
const { create, entities } = listingsCalls(() => t);

beforeAll(async () => {
  ({ t, sellerA, buyer1, buyer2, tokens } = await startListingsStack());
});

afterAll(async () => {
  await t?.stop();
});

describe('placeOrder', () => {
  it('sells exactly the stock under 200 concurrent orders: 10 succeed, 190 get CONFLICT', async () => {
    const listing = await create(tokens.sellerA, {
      quantityKg: 10,
      productType: 'CBD_OIL',
      title: 'Contended CBD oil',
    });
    const buyerTokens = [tokens.buyer1, tokens.buyer2];
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        t.gql(PLACE, { listingId: listing.id, q: 1, key: `rush-${i}` }, { token: buyerTokens[i % 2] }),
      ),
    );
    const ok = results.filter((r) => !r.body.errors);
    const conflicts = results.filter((r) => r.body.errors?.[0]?.extensions?.code === 'CONFLICT');
    expect(ok).toHaveLength(10);
    expect(conflicts).toHaveLength(190);
    const after = await t.gql(
      `query($id: ID!) { listing(id: $id) { availableKg status } }`,
      { id: listing.id },
      { token: tokens.sellerA },
    );
    expect(after.body.data.listing).toEqual({ availableKg: 0, status: 'SOLD_OUT' });
    const [{ count }] = await t.stack.subgraphs['listings-matching'].deps.db.dataSource.query(
      `SELECT count(*)::int AS count FROM listings.orders WHERE listing_id = $1`,
      [listing.id],
    );
    expect(count).toBe(10);
  });

  it('computes the total exactly and keeps the price of the moment', async () => {
    const listing = await create(tokens.sellerA, { quantityKg: 1000, pricePerKg: '33.33' });
    const res = await t.gql(PLACE, { listingId: listing.id, q: 2.5, key: 'exact-total' }, { token: tokens.buyer1 });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.placeOrder).toMatchObject({
      status: 'CONFIRMED',
      quantityKg: 2.5,
      total: { amount: '83.33', currency: 'ZAR' },
      pricePerKg: { amount: '33.33' },
      buyer: { id: buyer1.id },
      listing: { id: listing.id, availableKg: 997.5, status: 'ACTIVE' },
    });
    const big = await t.gql(
      PLACE,
      { listingId: listing.id, q: 333.333, key: 'exact-total-2' },
      { token: tokens.buyer1 },
    );
    expect(big.body.data.placeOrder.total.amount).toBe('11109.99'); // 333.333 × 33.33 = 11109.98889
  });

  it('is idempotent per buyer: the same key returns the same order and reserves once', async () => {
    const listing = await create(tokens.sellerA, { quantityKg: 50 });
    const first = await t.gql(PLACE, { listingId: listing.id, q: 5, key: 'idem-1' }, { token: tokens.buyer1 });
    const again = await t.gql(PLACE, { listingId: listing.id, q: 5, key: 'idem-1' }, { token: tokens.buyer1 });
    expect(again.body.data.placeOrder.id).toBe(first.body.data.placeOrder.id);
    expect(again.body.data.placeOrder.listing.availableKg).toBe(45);

    const concurrent = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.gql(PLACE, { listingId: listing.id, q: 2, key: 'idem-race' }, { token: tokens.buyer1 }),
      ),
    );
    const ids = new Set(concurrent.map((r) => r.body.data?.placeOrder?.id));
    expect(concurrent.every((r) => !r.body.errors)).toBe(true);
    expect(ids.size).toBe(1);

    // another buyer may use the same key for their own order
    const other = await t.gql(PLACE, { listingId: listing.id, q: 1, key: 'idem-1' }, { token: tokens.buyer2 });
    expect(other.body.data.placeOrder.id).not.toBe(first.body.data.placeOrder.id);

    const mismatch = await t.gql(PLACE, { listingId: listing.id, q: 6, key: 'idem-1' }, { token: tokens.buyer1 });
    expect(errorOf(mismatch).code).toBe('CONFLICT');
    const state = await t.gql(`query($id: ID!) { listing(id: $id) { availableKg } }`, { id: listing.id });
    expect(state.body.data.listing.availableKg).toBe(42); // 50 − 5 − 2 − 1
  });

  it('refuses what cannot be ordered with the documented codes', async () => {
    const listing = await create(tokens.sellerA, { quantityKg: 3 });
    const place = (token: string, vars: Record<string, unknown>) =>
      t.gql(PLACE, { listingId: listing.id, q: 1, key: `k-${Math.random()}`, ...vars }, { token });
    expect(errorOf(await t.gql(PLACE, { listingId: listing.id, q: 1, key: 'anon' })).code).toBe('UNAUTHENTICATED');
    expect(errorOf(await place(tokens.sellerB, {})).code).toBe('FORBIDDEN'); // no BUYER role
    const selfBuyer = await t.tokenFor(sellerA.id, [Role.SELLER, Role.BUYER]);
    expect(errorOf(await place(selfBuyer, {}))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'listingId' });
    expect(errorOf(await place(tokens.buyer1, { q: 4 })).code).toBe('CONFLICT');
    expect(errorOf(await place(tokens.buyer1, { q: 0 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'quantityKg',
    });
    expect(errorOf(await place(tokens.buyer1, { key: '' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'idempotencyKey',
    });
    expect(errorOf(await place(tokens.buyer1, { listingId: '00000000-0000-4000-8000-000000000000' })).code).toBe(
      'NOT_FOUND',
    );
    await t.gql(SET_STATUS, { id: listing.id, status: 'PAUSED' }, { token: tokens.sellerA });
    expect(errorOf(await place(tokens.buyer1, {})).code).toBe('CONFLICT');
  });
});

describe('cancelOrder and order visibility', () => {
  it('gives the quantity back, reopens a sold-out listing, and refuses a second cancellation', async () => {
    const listing = await create(tokens.sellerA, { quantityKg: 2 });
    const order = (await t.gql(PLACE, { listingId: listing.id, q: 2, key: 'cancel-me' }, { token: tokens.buyer1 })).body
      .data.placeOrder;
    expect(order.listing.status).toBe('SOLD_OUT');
    expect(errorOf(await t.gql(CANCEL, { id: order.id }, { token: tokens.buyer2 })).code).toBe('FORBIDDEN');
    expect(errorOf(await t.gql(CANCEL, { id: order.id }, { token: tokens.sellerB })).code).toBe('FORBIDDEN');
    expect(
      errorOf(await t.gql(CANCEL, { id: '00000000-0000-4000-8000-000000000000' }, { token: tokens.buyer1 })).code,
    ).toBe('NOT_FOUND');
    const cancelled = await t.gql(CANCEL, { id: order.id }, { token: tokens.buyer1 });
    expect(cancelled.body.data.cancelOrder).toMatchObject({
      status: 'CANCELLED',
      listing: { availableKg: 2, status: 'ACTIVE' },
    });
    expect(errorOf(await t.gql(CANCEL, { id: order.id }, { token: tokens.buyer1 })).code).toBe('CONFLICT');

    const second = (
      await t.gql(PLACE, { listingId: listing.id, q: 1, key: 'cancel-by-seller' }, { token: tokens.buyer2 })
    ).body.data.placeOrder;
    expect((await t.gql(CANCEL, { id: second.id }, { token: tokens.sellerA })).body.data.cancelOrder.status).toBe(
      'CANCELLED',
    );
    const third = (
      await t.gql(PLACE, { listingId: listing.id, q: 1, key: 'cancel-by-admin' }, { token: tokens.buyer2 })
    ).body.data.placeOrder;
    expect((await t.gql(CANCEL, { id: third.id }, { token: tokens.admin })).body.data.cancelOrder.status).toBe(
      'CANCELLED',
    );
  });

  it('shows an order to its buyer, the seller and ADMIN only, also through _entities', async () => {
    const listing = await create(tokens.sellerA, { quantityKg: 20 });
    const order = (await t.gql(PLACE, { listingId: listing.id, q: 1, key: 'visible' }, { token: tokens.buyer1 })).body
      .data.placeOrder;
    const query = `query($id: ID!) { order(id: $id) { id total { amount } } }`;
    for (const token of [tokens.buyer1, tokens.sellerA, tokens.admin]) {
      expect((await t.gql(query, { id: order.id }, { token })).body.data.order.id).toBe(order.id);
    }
    for (const token of [tokens.buyer2, tokens.sellerB])
      expect((await t.gql(query, { id: order.id }, { token })).body.data.order).toBeNull();
    expect(errorOf(await t.gql(query, { id: order.id })).code).toBe('UNAUTHENTICATED');

    const viaEntities = await entities(
      [{ __typename: 'Order', id: order.id }],
      '... on Order { id total { amount } }',
      tokens.buyer2,
    );
    // Like the root field: another user's order is simply not there for them (null, no error).
    expect(viaEntities.data?._entities).toEqual([null]);
    const allowed = await entities([{ __typename: 'Order', id: order.id }], '... on Order { id }', tokens.sellerA);
    expect(allowed.data?._entities[0].id).toBe(order.id);
  });

  it('lists User.orders for the user themself, refuses others, and batches for many users', async () => {
    const mine = await t.gql(
      `{ me { id orders(first: 100) { totalCount edges { node { id buyer { id } } } } } }`,
      {},
      { token: tokens.buyer2 },
    );
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data.me.orders.totalCount).toBeGreaterThan(0);
    for (const e of mine.body.data.me.orders.edges) expect(e.node.buyer.id).toBe(buyer2.id);

    const others = await entities(
      [{ __typename: 'User', id: buyer1.id }],
      '... on User { orders { totalCount } }',
      tokens.buyer2,
    );
    expect(others.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // ten more buyers with two orders each, then compare statement counts for 1 and 10 users
    const buyers = await insertUsers(t.stack, 10, [Role.BUYER]);
    const listing = await create(tokens.sellerB, { quantityKg: 1000 });
    for (const b of buyers) {
      const token = await t.tokenFor(b.id, [Role.BUYER]);
      for (const key of ['a', 'b'])
        expect((await t.gql(PLACE, { listingId: listing.id, q: 1, key }, { token })).body.errors).toBeUndefined();
    }
    const counts: number[] = [];
    for (const first of [1, 10]) {
      const before = t.statements('listings-matching');
      const res = await t.gql(
        `query($first: Int) { users(first: $first) { edges { node { id orders(first: 5) { totalCount edges { node { id total { amount } listing { title } } } } } } } }`,
        { first },
        { token: tokens.admin },
      );
      expect(res.body.errors).toBeUndefined();
      for (const e of res.body.data.users.edges) expect(e.node.orders.totalCount).toBe(2);
      counts.push(t.statements('listings-matching') - before);
    }
    expect(counts[0]).toBe(counts[1]);
    expect(counts[0]).toBe(3); // orders page + count + one batched listing lookup
  });
});
