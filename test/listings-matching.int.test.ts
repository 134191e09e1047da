import { signedSubgraphPost } from './helpers/signed';
import { Role } from '#platform/infra/schema/shared-types';
import { insertUsers } from './helpers/fixtures';
import { startTestStack, type GraphQLResponse, type TestStack } from './helpers/stack';

let t: TestStack;
type User = Awaited<ReturnType<typeof insertUsers>>[number];
let sellerA: User, sellerB: User, buyer1: User, buyer2: User, admin: User;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestStack();
  [sellerA, sellerB] = await insertUsers(t.stack, 2, [Role.SELLER]);
  [buyer1, buyer2] = await insertUsers(t.stack, 2, [Role.BUYER]);
  [admin] = await insertUsers(t.stack, 1, [Role.ADMIN]);
  tokens.sellerA = await t.tokenFor(sellerA.id, [Role.SELLER]);
  tokens.sellerB = await t.tokenFor(sellerB.id, [Role.SELLER]);
  tokens.buyer1 = await t.tokenFor(buyer1.id, [Role.BUYER]);
  tokens.buyer2 = await t.tokenFor(buyer2.id, [Role.BUYER]);
  tokens.admin = await t.tokenFor(admin.id, [Role.ADMIN]);
});

afterAll(async () => {
  await t?.stop();
});

const LISTING_FIELDS = `id title status quantityKg availableKg pricePerKg { amount currency } province certifications
  socialImpact { smallScaleFarmer womenOwned youthOwned communityOwned beeLevel score } seller { id }`;

const CREATE = `mutation($input: CreateListingInput!) { createListing(input: $input) { ${LISTING_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateListingInput!) { updateListing(id: $id, input: $input) { ${LISTING_FIELDS} } }`;
const SET_STATUS = `mutation($id: ID!, $status: ListingStatus!) { setListingStatus(id: $id, status: $status) { id status availableKg } }`;
const PLACE = `mutation($listingId: ID!, $q: Float!, $key: String!) {
  placeOrder(listingId: $listingId, quantityKg: $q, idempotencyKey: $key) { id status quantityKg total { amount currency } pricePerKg { amount } buyer { id } listing { id availableKg status } } }`;
const CANCEL = `mutation($id: ID!) { cancelOrder(id: $id) { id status listing { id availableKg status } } }`;
const MATCH = `mutation($input: MatchInput!) { requestMatches(input: $input) {
  id includeExternal productType quantityKg weights { price distance quantity quality socialImpact } referencePricePerKg { amount }
  matches { score source explanation breakdown { price distance quantity quality socialImpact } listing { id title pricePerKg { amount } } externalOffer { id } } } }`;

function baseInput(overrides: Record<string, unknown> = {}) {
  return {
    title: 'Sun-grown hemp fibre bales',
    description: 'Retted and baled on the farm',
    productType: 'HEMP_FIBRE',
    quantityKg: 100,
    pricePerKg: '45.50',
    province: 'GAUTENG',
    certifications: ['organic'],
    socialImpact: { smallScaleFarmer: true, womenOwned: false, youthOwned: false, communityOwned: false, beeLevel: 2 },
    ...overrides,
  };
}

async function create(token: string, overrides: Record<string, unknown> = {}) {
  const res = await t.gql(CREATE, { input: baseInput(overrides) }, { token });
  expect(res.body.errors).toBeUndefined();
  return res.body.data.createListing;
}

function errorOf(res: GraphQLResponse) {
  return res.body.errors?.[0]?.extensions ?? {};
}

/** Calls the listings subgraph directly, as the gateway would (signed), to reach `_entities`. */
async function entities(representations: Record<string, unknown>[], selection: string, token?: string) {
  const res = await signedSubgraphPost(
    t.config.GATEWAY_SECRET,
    t.stack.subgraphs['listings-matching'].url,
    {
      query: `query($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`,
      variables: { r: representations },
    },
    token ? { authorization: `Bearer ${token}` } : {},
  );
  return res.body as GraphQLResponse['body'];
}

describe('createListing', () => {
  it('creates an ACTIVE listing for a seller with exact money and the social impact score', async () => {
    const listing = await create(tokens.sellerA, { pricePerKg: '125.5' });
    expect(listing).toMatchObject({
      status: 'ACTIVE',
      quantityKg: 100,
      availableKg: 100,
      pricePerKg: { amount: '125.50', currency: 'ZAR' },
      seller: { id: sellerA.id },
      socialImpact: { smallScaleFarmer: true, beeLevel: 2, score: 0.338 },
    });
  });

  it('refuses anonymous callers and users without the SELLER role', async () => {
    expect(errorOf(await t.gql(CREATE, { input: baseInput() })).code).toBe('UNAUTHENTICATED');
    expect(errorOf(await t.gql(CREATE, { input: baseInput() }, { token: tokens.buyer1 })).code).toBe('FORBIDDEN');
  });

  it.each([
    ['a short title', { title: 'ab' }, 'input.title'],
    ['a long title', { title: 'x'.repeat(121) }, 'input.title'],
    ['a long description', { description: 'x'.repeat(5001) }, 'input.description'],
    ['zero quantity', { quantityKg: 0 }, 'input.quantityKg'],
    ['negative quantity', { quantityKg: -5 }, 'input.quantityKg'],
    ['an unbounded quantity', { quantityKg: 2_000_000 }, 'input.quantityKg'],
    ['sub-gram quantity', { quantityKg: 1.0001 }, 'input.quantityKg'],
    ['a zero price', { pricePerKg: '0.00' }, 'input.pricePerKg'],
    ['three decimal places', { pricePerKg: '1.234' }, 'input.pricePerKg'],
    ['a price that is not a number', { pricePerKg: 'cheap' }, 'input.pricePerKg'],
    ['a negative price', { pricePerKg: '-5' }, 'input.pricePerKg'],
    [
      'too many certifications',
      { certifications: Array.from({ length: 11 }, (_, i) => `cert-${i}`) },
      'input.certifications',
    ],
    ['an empty certification', { certifications: [' '] }, 'input.certifications'],
    [
      'a B-BBEE level of 9',
      {
        socialImpact: {
          smallScaleFarmer: false,
          womenOwned: false,
          youthOwned: false,
          communityOwned: false,
          beeLevel: 9,
        },
      },
      'input.socialImpact.beeLevel',
    ],
    ['a PAUSED start', { status: 'PAUSED' }, 'input.status'],
  ])('refuses %s with BAD_USER_INPUT naming the field', async (_name, overrides, field) => {
    const res = await t.gql(CREATE, { input: baseInput(overrides) }, { token: tokens.sellerA });
    expect(errorOf(res)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(res.body.data).toBeNull();
  });
});

describe('updateListing and setListingStatus', () => {
  it('lets the seller and ADMIN change a listing, and refuses everybody else', async () => {
    const listing = await create(tokens.sellerA);
    const own = await t.gql(
      UPDATE,
      { id: listing.id, input: { title: 'Updated hemp bales', pricePerKg: '50' } },
      { token: tokens.sellerA },
    );
    expect(own.body.data.updateListing).toMatchObject({ title: 'Updated hemp bales', pricePerKg: { amount: '50.00' } });
    const byAdmin = await t.gql(
      UPDATE,
      { id: listing.id, input: { certifications: ['organic', 'Organic', 'GAP'] } },
      { token: tokens.admin },
    );
    expect(byAdmin.body.data.updateListing.certifications).toEqual(['organic', 'GAP']);

    for (const token of [tokens.sellerB, tokens.buyer1]) {
      expect(errorOf(await t.gql(UPDATE, { id: listing.id, input: { title: 'Not yours' } }, { token })).code).toBe(
        'FORBIDDEN',
      );
      expect(errorOf(await t.gql(SET_STATUS, { id: listing.id, status: 'PAUSED' }, { token })).code).toBe('FORBIDDEN');
    }
    expect(errorOf(await t.gql(UPDATE, { id: listing.id, input: { title: 'Anonymous' } })).code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('answers NOT_FOUND for unknown ids and BAD_USER_INPUT for invalid changes', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect(
        errorOf(await t.gql(UPDATE, { id, input: { title: 'Nothing here' } }, { token: tokens.sellerA })).code,
      ).toBe('NOT_FOUND');
      expect(errorOf(await t.gql(SET_STATUS, { id, status: 'PAUSED' }, { token: tokens.sellerA })).code).toBe(
        'NOT_FOUND',
      );
    }
    const listing = await create(tokens.sellerA);
    expect(
      errorOf(await t.gql(UPDATE, { id: listing.id, input: { title: 'x' } }, { token: tokens.sellerA })),
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.title' });
    expect(
      errorOf(await t.gql(UPDATE, { id: listing.id, input: { pricePerKg: '0.001' } }, { token: tokens.sellerA })),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.pricePerKg',
    });
  });

  it('follows the documented status transitions', async () => {
    const draft = await create(tokens.sellerA, { status: 'DRAFT' });
    expect(draft.status).toBe('DRAFT');
    const refuse = async (id: string, status: string) =>
      expect(errorOf(await t.gql(SET_STATUS, { id, status }, { token: tokens.sellerA }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'status',
      });
    const move = async (id: string, status: string) => {
      const res = await t.gql(SET_STATUS, { id, status }, { token: tokens.sellerA });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.setListingStatus.status).toBe(status);
    };
    await refuse(draft.id, 'PAUSED');
    await refuse(draft.id, 'SOLD_OUT');
    await move(draft.id, 'ACTIVE');
    await refuse(draft.id, 'DRAFT');
    await refuse(draft.id, 'SOLD_OUT');
    await move(draft.id, 'PAUSED');
    await move(draft.id, 'PAUSED'); // the same status is a no-op
    await move(draft.id, 'ACTIVE');
    await move(draft.id, 'ARCHIVED');
    await refuse(draft.id, 'ACTIVE');
    const update = await t.gql(
      UPDATE,
      { id: draft.id, input: { title: 'Back from the archive' } },
      { token: tokens.sellerA },
    );
    expect(errorOf(update).code).toBe('CONFLICT');
  });

  it('keeps availableKg consistent when the seller changes quantityKg', async () => {
    const listing = await create(tokens.sellerA, { quantityKg: 10 });
    const order = await t.gql(PLACE, { listingId: listing.id, q: 4, key: 'qty-change-1' }, { token: tokens.buyer1 });
    expect(order.body.errors).toBeUndefined();
    const below = await t.gql(UPDATE, { id: listing.id, input: { quantityKg: 3 } }, { token: tokens.sellerA });
    expect(errorOf(below)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.quantityKg' });
    const exact = await t.gql(UPDATE, { id: listing.id, input: { quantityKg: 4 } }, { token: tokens.sellerA });
    expect(exact.body.data.updateListing).toMatchObject({ quantityKg: 4, availableKg: 0, status: 'SOLD_OUT' });
    const more = await t.gql(UPDATE, { id: listing.id, input: { quantityKg: 12.5 } }, { token: tokens.sellerA });
    expect(more.body.data.updateListing).toMatchObject({ quantityKg: 12.5, availableKg: 8.5, status: 'ACTIVE' });
  });
});

describe('visibility of listings that are not ACTIVE', () => {
  it('shows a DRAFT listing only to its seller and ADMIN', async () => {
    const draft = await create(tokens.sellerA, { status: 'DRAFT', title: 'Secret draft zanzibarite' });
    const query = `query($id: ID!) { listing(id: $id) { id status } }`;
    expect((await t.gql(query, { id: draft.id })).body.data.listing).toBeNull();
    expect((await t.gql(query, { id: draft.id }, { token: tokens.sellerB })).body.data.listing).toBeNull();
    expect((await t.gql(query, { id: draft.id }, { token: tokens.sellerA })).body.data.listing.status).toBe('DRAFT');
    expect((await t.gql(query, { id: draft.id }, { token: tokens.admin })).body.data.listing.status).toBe('DRAFT');

    const search = `query($f: ListingFilter) { listings(filter: $f) { totalCount edges { node { id } } } }`;
    expect((await t.gql(search, { f: { text: 'zanzibarite' } })).body.data.listings.totalCount).toBe(0);
    expect((await t.gql(search, { f: { status: 'DRAFT' } })).body.data.listings.totalCount).toBe(0);
    expect(
      (await t.gql(search, { f: { text: 'zanzibarite' } }, { token: tokens.sellerB })).body.data.listings.totalCount,
    ).toBe(0);
    expect(
      (await t.gql(search, { f: { text: 'zanzibarite' } }, { token: tokens.sellerA })).body.data.listings.totalCount,
    ).toBe(1);
  });
});

describe('listings search', () => {
  it('finds listings by words of the title, stemmed, combined with the other filters', async () => {
    const karoo = await create(tokens.sellerB, {
      title: 'Karoo heritage seed oil',
      productType: 'HEMP_OIL',
      province: 'NORTHERN_CAPE',
      pricePerKg: '300',
    });
    await create(tokens.sellerB, {
      title: 'Karoo hemp seeds',
      productType: 'HEMP_SEED',
      province: 'NORTHERN_CAPE',
      pricePerKg: '80',
    });
    const ids = async (filter: Record<string, unknown>) => {
      const res = await t.gql(
        `query($f: ListingFilter) { listings(filter: $f, first: 50) { edges { node { id title } } } }`,
        { f: filter },
      );
      expect(res.body.errors).toBeUndefined();
      return res.body.data.listings.edges.map((e: any) => e.node.title).sort();
    };
    expect(await ids({ text: 'karoo' })).toEqual(['Karoo hemp seeds', 'Karoo heritage seed oil']);
    expect(await ids({ text: 'heritage oils' })).toEqual(['Karoo heritage seed oil']);
    expect(await ids({ text: 'karoo', productType: 'HEMP_SEED' })).toEqual(['Karoo hemp seeds']);
    expect(await ids({ text: 'karoo', maxPricePerKg: '100.00' })).toEqual(['Karoo hemp seeds']);
    expect(await ids({ text: 'karoo', province: 'GAUTENG' })).toEqual([]);
    expect(await ids({ text: 'karoo -oil' })).toEqual(['Karoo hemp seeds']);
    expect(await ids({ text: 'karoo', sellerId: sellerB.id, minAvailableKg: 50, socialImpactOnly: true })).toHaveLength(
      2,
    );
    expect(karoo.id).toBeDefined();
  });

  it('refuses over-long search text and a page over 100', async () => {
    const long = await t.gql(`query($f: ListingFilter) { listings(filter: $f) { totalCount } }`, {
      f: { text: 'a'.repeat(201) },
    });
    expect(errorOf(long)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.text' });
    expect(errorOf(await t.gql(`{ listings(first: 101) { totalCount } }`))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
  });

  it('keeps keyset cursors stable when listings are inserted between pages', async () => {
    const page = async (after: string | null) =>
      (
        await t.gql(
          `query($after: String) { listings(first: 3, after: $after, filter: { productType: SEEDLINGS }) { edges { node { id } } pageInfo { endCursor hasNextPage } } }`,
          { after },
        )
      ).body.data.listings;
    for (let i = 0; i < 7; i++) await create(tokens.sellerB, { productType: 'SEEDLINGS', title: `Seedling tray ${i}` });
    const all: string[] = [];
    let after: string | null = null;
    let first = true;
    for (;;) {
      const p: any = await page(after);
      all.push(...p.edges.map((e: any) => e.node.id));
      if (first) {
        // newer listings land before the cursor and must neither repeat nor shift the later pages
        for (let i = 0; i < 4; i++)
          await create(tokens.sellerB, { productType: 'SEEDLINGS', title: `Late seedling tray ${i}` });
        first = false;
      }
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(all).toHaveLength(7);
    expect(new Set(all).size).toBe(7);
  });
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

describe('requestMatches', () => {
  /** Listings straight into the table: ranking tests need many, with exact attributes. */
  async function insertListing(values: Record<string, unknown>): Promise<string> {
    const v = {
      seller_id: sellerA.id,
      title: 'Match fixture',
      product_type: 'CANNABIS_EXTRACT',
      quantity_kg: 100,
      available_kg: 100,
      price_per_kg: '100.00',
      province: 'GAUTENG',
      certifications: [],
      small_scale_farmer: false,
      women_owned: false,
      social_impact_score: 0,
      status: 'ACTIVE',
      ...values,
    } as Record<string, unknown>;
    const cols = Object.keys(v);
    const [row] = await t.stack.subgraphs['listings-matching'].deps.db.dataSource.query(
      `INSERT INTO listings.listings (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      Object.values(v),
    );
    return row.id;
  }

  const match = (input: Record<string, unknown>, token = tokens.buyer1) =>
    t.gql(MATCH, { input: { quantityKg: 50, ...input } }, { token });

  it('refuses anonymous callers, non-buyers and invalid input', async () => {
    const input = { productType: 'HEMP_FIBRE', quantityKg: 10 };
    expect(errorOf(await t.gql(MATCH, { input })).code).toBe('UNAUTHENTICATED');
    expect(errorOf(await t.gql(MATCH, { input }, { token: tokens.sellerA })).code).toBe('FORBIDDEN');
    expect(errorOf(await match({ productType: 'HEMP_FIBRE', weights: { price: -1 } }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.weights.price',
    });
    expect(
      errorOf(
        await match({
          productType: 'HEMP_FIBRE',
          weights: { price: 0, distance: 0, quantity: 0, quality: 0, socialImpact: 0 },
        }),
      ),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.weights',
    });
    expect(errorOf(await match({ productType: 'HEMP_FIBRE', quantityKg: 0 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.quantityKg',
    });
    expect(errorOf(await match({ productType: 'HEMP_FIBRE', maxPricePerKg: 'ten' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.maxPricePerKg',
    });
  });

  it('ranks only ACTIVE listings with stock, within the maximum price, never the buyer’s own, with explained scores', async () => {
    const productType = 'CANNABIS_FLOWER';
    const good = await insertListing({ product_type: productType, price_per_kg: '80.00', certifications: ['organic'] });
    const pricey = await insertListing({ product_type: productType, price_per_kg: '500.00' });
    const hidden = await Promise.all([
      insertListing({ product_type: productType, status: 'PAUSED' }),
      insertListing({ product_type: productType, status: 'DRAFT' }),
      insertListing({ product_type: productType, status: 'SOLD_OUT', available_kg: 0 }),
      insertListing({ product_type: productType, seller_id: buyer1.id }),
    ]);
    const res = await match({ productType, province: 'GAUTENG', maxPricePerKg: '200', includeExternal: true });
    expect(res.body.errors).toBeUndefined();
    const request = res.body.data.requestMatches;
    expect(request.includeExternal).toBe(true);
    expect(request.referencePricePerKg.amount).toBe('200.00');
    const ids = request.matches.map((m: any) => m.listing.id);
    expect(ids).toContain(good);
    expect(ids).not.toContain(pricey);
    for (const id of hidden) expect(ids).not.toContain(id);
    const weights = request.weights;
    expect(weights.price + weights.distance + weights.quantity + weights.quality + weights.socialImpact).toBeCloseTo(
      1,
      10,
    );
    for (const m of request.matches) {
      expect(m.source).toBe('INTERNAL');
      expect(m.externalOffer).toBeNull();
      const b = m.breakdown;
      for (const v of Object.values(b) as number[]) expect(v >= 0 && v <= 1).toBe(true);
      // scores leave the API rounded to 4 decimal places (documented on Match.score)
      for (const v of [m.score, ...(Object.values(b) as number[])]) expect(Number(v.toFixed(4))).toBe(v);
      const expected =
        weights.price * b.price +
        weights.distance * b.distance +
        weights.quantity * b.quantity +
        weights.quality * b.quality +
        weights.socialImpact * b.socialImpact;
      expect(Math.abs(m.score - expected)).toBeLessThanOrEqual(0.0002);
      expect(m.explanation).toMatch(/R\d+\.\d{2}\/kg/);
    }
    const top = request.matches.find((m: any) => m.listing.id === good);
    expect(top.breakdown.distance).toBe(1);
    expect(top.explanation).toContain('In your province (Gauteng)');
  });

  it('never ranks a cheaper, otherwise equal listing below the dearer one', async () => {
    const productType = 'CBD_ISOLATE';
    const provinces = ['GAUTENG', 'LIMPOPO', 'WESTERN_CAPE', 'KWAZULU_NATAL'];
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < 12; i++) {
      const common = {
        product_type: productType,
        province: provinces[i % provinces.length],
        available_kg: 10 + i * 7,
        quantity_kg: 200,
        certifications: i % 3 ? ['organic'] : [],
        social_impact_score: (i % 5) / 5,
      };
      const dear = await insertListing({ ...common, price_per_kg: (100 + i * 9).toFixed(2) });
      const cheap = await insertListing({ ...common, price_per_kg: (100 + i * 9 - 1 - (i % 4)).toFixed(2) });
      pairs.push([cheap, dear]);
    }
    for (const weights of [undefined, { price: 0.01 }, { price: 5, distance: 0 }]) {
      const res = await match({ productType, quantityKg: 60, province: 'GAUTENG', weights }, tokens.buyer2);
      expect(res.body.errors).toBeUndefined();
      const rank = new Map<string, number>(
        res.body.data.requestMatches.matches.map((m: any, i: number) => [m.listing.id, i]),
      );
      for (const [cheap, dear] of pairs) {
        if (!rank.has(dear)) continue;
        expect(rank.has(cheap)).toBe(true);
        expect(rank.get(cheap)!).toBeLessThan(rank.get(dear)!);
      }
    }
  });

  it('ignores social impact when its weight is zero, and breaks ties deterministically', async () => {
    const productType = 'SEEDLINGS';
    // identical but for social impact, created in this order
    const ids: string[] = [];
    const base = Date.now() - 60_000;
    // the first two share a creation time, so only their ids can order them
    const createdAt = [base, base, base + 1000, base + 2000].map((ms) => new Date(ms));
    for (let i = 0; i < 4; i++) {
      ids.push(
        await insertListing({
          product_type: productType,
          social_impact_score: i * 0.25,
          women_owned: i > 0,
          price_per_kg: '60.00',
          seller_id: sellerB.id,
          created_at: createdAt[i],
        }),
      );
    }
    const tieOrder = [ids[0] < ids[1] ? ids[0] : ids[1], ids[0] < ids[1] ? ids[1] : ids[0], ids[2], ids[3]];
    const withImpact = (await match({ productType, province: 'GAUTENG' })).body.data.requestMatches.matches.filter(
      (m: any) => ids.includes(m.listing.id),
    );
    expect(withImpact.map((m: any) => m.listing.id)).toEqual([...ids].reverse());

    const ignored = await match({ productType, province: 'GAUTENG', weights: { socialImpact: 0 } });
    const matches = ignored.body.data.requestMatches.matches.filter((m: any) => ids.includes(m.listing.id));
    expect(ignored.body.data.requestMatches.weights.socialImpact).toBe(0);
    expect(new Set(matches.map((m: any) => m.score)).size).toBe(1);
    // equal scores: the order is by price, then age, then id, the same on every request
    expect(matches.map((m: any) => m.listing.id)).toEqual(tieOrder);
    const again = await match({ productType, province: 'GAUTENG', weights: { socialImpact: 0 } });
    expect(again.body.data.requestMatches.matches.map((m: any) => m.listing.id)).toEqual(
      ignored.body.data.requestMatches.matches.map((m: any) => m.listing.id),
    );
  });

  it('shows a match request to its buyer and ADMIN only, also through _entities', async () => {
    const created = (await match({ productType: 'HEMP_FIBRE' })).body.data.requestMatches;
    const query = `query($id: ID!) { matchRequest(id: $id) { id productType matches { score listing { id } } } }`;
    const own = await t.gql(query, { id: created.id }, { token: tokens.buyer1 });
    expect(own.body.data.matchRequest).toMatchObject({ id: created.id, productType: 'HEMP_FIBRE' });
    expect(own.body.data.matchRequest.matches).toHaveLength(created.matches.length);
    expect((await t.gql(query, { id: created.id }, { token: tokens.admin })).body.data.matchRequest.id).toBe(
      created.id,
    );
    expect((await t.gql(query, { id: created.id }, { token: tokens.buyer2 })).body.data.matchRequest).toBeNull();
    expect(errorOf(await t.gql(query, { id: created.id })).code).toBe('UNAUTHENTICATED');
    const viaEntities = await entities(
      [{ __typename: 'MatchRequest', id: created.id }],
      '... on MatchRequest { id quantityKg }',
      tokens.buyer2,
    );
    expect(viaEntities.data?._entities).toEqual([null]);
  });
});
