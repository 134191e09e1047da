import {
  CREATE,
  PLACE,
  SET_STATUS,
  UPDATE,
  baseInput,
  errorOf,
  listingsCalls,
  startListingsStack,
  type User,
} from './helpers/listings-matching';
import type { TestStack } from './helpers/stack';

/** The listings subgraph through the gateway: creating and changing listings, who sees those not ACTIVE, and search. Orders: listings-matching.orders.int.test.ts; matching: listings-matching.matches.int.test.ts. */
let t: TestStack;
let sellerA: User;
let sellerB: User;
let tokens: Record<string, string>;
const { create } = listingsCalls(() => t);

beforeAll(async () => {
  ({ t, sellerA, sellerB, tokens } = await startListingsStack());
});

afterAll(async () => {
  await t?.stop();
});

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
