import { Role } from '#platform/infra/schema/shared-types';
import { insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';
import { EMBEDDED_START_TIMEOUT_MS } from './helpers/wait';

/** The same migrations and queries on the embedded PGlite database that `npm start` uses. */
let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ embedded: true });
}, EMBEDDED_START_TIMEOUT_MS);

afterAll(async () => {
  await t?.stop();
});

it('creates, searches, orders without overselling, matches and cancels on PGlite', async () => {
  const [seller] = await insertUsers(t.stack, 1, [Role.SELLER]);
  const [buyer] = await insertUsers(t.stack, 1, [Role.BUYER]);
  const sellerToken = await t.tokenFor(seller.id, [Role.SELLER]);
  const buyerToken = await t.tokenFor(buyer.id, [Role.BUYER]);

  const created = await t.gql(
    `mutation($input: CreateListingInput!) { createListing(input: $input) { id status } }`,
    {
      input: {
        title: 'Limpopo hemp seedlings',
        productType: 'SEEDLINGS',
        quantityKg: 2,
        pricePerKg: '12.50',
        province: 'LIMPOPO',
        certifications: [],
        socialImpact: { smallScaleFarmer: true, womenOwned: true, youthOwned: false, communityOwned: false },
      },
    },
    { token: sellerToken },
  );
  expect(created.body.errors).toBeUndefined();
  const id = created.body.data.createListing.id;

  const found = await t.gql(
    `{ listings(filter: { text: "seedling limpopo" }) { totalCount edges { node { id seller { displayName } } } } }`,
  );
  expect(found.body.errors).toBeUndefined();
  expect(found.body.data.listings.edges.map((e: any) => e.node.id)).toEqual([id]);

  const matched = await t.gql(
    `mutation { requestMatches(input: { productType: SEEDLINGS, quantityKg: 1, province: GAUTENG }) { id matches { score listing { id } explanation } } }`,
    {},
    { token: buyerToken },
  );
  expect(matched.body.errors).toBeUndefined();
  expect(matched.body.data.requestMatches.matches.map((m: any) => m.listing.id)).toEqual([id]);

  const place = (key: string) =>
    t.gql(
      `mutation($id: ID!, $key: String!) { placeOrder(listingId: $id, quantityKg: 1, idempotencyKey: $key) { id total { amount } } }`,
      { id, key },
      { token: buyerToken },
    );
  const results = await Promise.all(['a', 'b', 'c', 'd'].map(place));
  const ok = results.filter((r) => !r.body.errors);
  expect(ok).toHaveLength(2);
  expect(results.filter((r) => r.body.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(2);
  expect(ok[0].body.data.placeOrder.total.amount).toBe('12.50');

  const cancelled = await t.gql(
    `mutation($id: ID!) { cancelOrder(id: $id) { status listing { availableKg status } } }`,
    { id: ok[0].body.data.placeOrder.id },
    { token: buyerToken },
  );
  expect(cancelled.body.data.cancelOrder).toEqual({
    status: 'CANCELLED',
    listing: { availableKg: 1, status: 'ACTIVE' },
  });
});
