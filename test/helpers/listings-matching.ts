import { Role } from '#platform/infra/schema/shared-types';
import { insertUsers } from './fixtures';
import { signedSubgraphPost } from './signed';
import { startTestStack, type GraphQLResponse, type TestStack } from './stack';

/** Shared by the listings-matching tests (listings-matching*.int.test.ts): users, queries, calls. */
export type User = Awaited<ReturnType<typeof insertUsers>>[number];

export interface ListingsFixture {
  t: TestStack;
  sellerA: User;
  sellerB: User;
  buyer1: User;
  buyer2: User;
  admin: User;
  tokens: Record<'sellerA' | 'sellerB' | 'buyer1' | 'buyer2' | 'admin', string>;
}

/** A stack with two sellers, two buyers and an admin, and a token for each. */
export async function startListingsStack(): Promise<ListingsFixture> {
  const t = await startTestStack();
  const [sellerA, sellerB] = await insertUsers(t.stack, 2, [Role.SELLER]);
  const [buyer1, buyer2] = await insertUsers(t.stack, 2, [Role.BUYER]);
  const [admin] = await insertUsers(t.stack, 1, [Role.ADMIN]);
  const tokens = {
    sellerA: await t.tokenFor(sellerA.id, [Role.SELLER]),
    sellerB: await t.tokenFor(sellerB.id, [Role.SELLER]),
    buyer1: await t.tokenFor(buyer1.id, [Role.BUYER]),
    buyer2: await t.tokenFor(buyer2.id, [Role.BUYER]),
    admin: await t.tokenFor(admin.id, [Role.ADMIN]),
  };
  return { t, sellerA, sellerB, buyer1, buyer2, admin, tokens };
}

export const LISTING_FIELDS = `id title status quantityKg availableKg pricePerKg { amount currency } province certifications
  socialImpact { smallScaleFarmer womenOwned youthOwned communityOwned beeLevel score } seller { id }`;

export const CREATE = `mutation($input: CreateListingInput!) { createListing(input: $input) { ${LISTING_FIELDS} } }`;
export const UPDATE = `mutation($id: ID!, $input: UpdateListingInput!) { updateListing(id: $id, input: $input) { ${LISTING_FIELDS} } }`;
export const SET_STATUS = `mutation($id: ID!, $status: ListingStatus!) { setListingStatus(id: $id, status: $status) { id status availableKg } }`;
export const PLACE = `mutation($listingId: ID!, $q: Float!, $key: String!) {
  placeOrder(listingId: $listingId, quantityKg: $q, idempotencyKey: $key) { id status quantityKg total { amount currency } pricePerKg { amount } buyer { id } listing { id availableKg status } } }`;
export const CANCEL = `mutation($id: ID!) { cancelOrder(id: $id) { id status listing { id availableKg status } } }`;
export const MATCH = `mutation($input: MatchInput!) { requestMatches(input: $input) {
  id includeExternal productType quantityKg weights { price distance quantity quality socialImpact } referencePricePerKg { amount }
  matches { score source explanation breakdown { price distance quantity quality socialImpact } listing { id title pricePerKg { amount } } externalOffer { id } } } }`;

export function baseInput(overrides: Record<string, unknown> = {}) {
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

export function errorOf(res: GraphQLResponse) {
  return res.body.errors?.[0]?.extensions ?? {};
}

/** Calls against the stack `stack()` returns. */
export function listingsCalls(stack: () => TestStack) {
  /** A listing of `baseInput(overrides)`, created through the gateway. */
  async function create(token: string, overrides: Record<string, unknown> = {}) {
    const res = await stack().gql(CREATE, { input: baseInput(overrides) }, { token });
    expect(res.body.errors).toBeUndefined();
    return res.body.data.createListing;
  }

  /** Calls the listings subgraph directly, as the gateway would (signed), to reach `_entities`. */
  async function entities(representations: Record<string, unknown>[], selection: string, token?: string) {
    const res = await signedSubgraphPost(
      stack().config.GATEWAY_SECRET,
      stack().stack.subgraphs['listings-matching'].url,
      {
        query: `query($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`,
        variables: { r: representations },
      },
      token ? { authorization: `Bearer ${token}` } : {},
    );
    return res.body as GraphQLResponse['body'];
  }

  return { create, entities };
}
