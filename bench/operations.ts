import { ProductType, Province } from '#platform/infra/schema/shared-types';
import { SEARCH_WORDS } from '../scripts/seed-data';
import type { Body } from './load';

/** The operations the load benchmarks send, and request bodies for them. */

export const CATALOGUE = `query Catalogue($f: ListingFilter) { listings(first: 20, filter: $f) { totalCount edges { node { id title pricePerKg { amount currency } socialImpact { score womenOwned } seller { displayName } } } pageInfo { hasNextPage endCursor } } }`;
export const SEARCH = `query Search($f: ListingFilter) { listings(first: 20, filter: $f) { totalCount edges { node { id title pricePerKg { amount } seller { displayName } } } } }`;
export const LISTING = `query Listing($id: ID!) { listing(id: $id) { id title description pricePerKg { amount } availableKg socialImpact { score } seller { displayName } } }`;
export const ME = `query Me { me { id displayName email roles province } }`;
export const MATCH = `mutation Match($input: MatchInput!) { requestMatches(input: $input) { id matches { score source listing { id title pricePerKg { amount } } } } }`;
export const ORDER = `mutation Order($id: ID!, $kg: Float!, $key: String!) { placeOrder(listingId: $id, quantityKg: $kg, idempotencyKey: $key) { id status total { amount } } }`;

export const json = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });

let counter = 0;
/** A filter that changes nothing the catalogue returns (every seeded listing has 50 kg or more) but makes each body unique. */
export const uniqueNoop = () => ({ minAvailableKg: (++counter % 1_000_000) * 1e-9 });

export interface Viewers {
  /** Buyers' access tokens (one per request, round robin: a unique token each time in practice). */
  buyers: string[];
  /** Sellers' tokens: one signed-in catalogue request in five comes from a seller, who also sees own drafts. */
  sellers: string[];
}

/** Every operation at one catalogue size, keyed by the name the results use; `anonymous` variants send no token. */
export function operationsFor(scale: number, viewers: Viewers, listingIds: string[]): Record<string, Body> {
  let t = 0;
  let r = 0;
  const buyer = () => ({ authorization: `Bearer ${viewers.buyers[t++ % viewers.buyers.length]}` });
  const someone = () =>
    t % 5 === 0 ? { authorization: `Bearer ${viewers.sellers[t++ % viewers.sellers.length]}` } : buyer();
  const pick = <T>(xs: readonly T[]) => xs[(r++ * 2654435761) % xs.length];
  const search = () =>
    json(SEARCH, {
      f: {
        text: pick(SEARCH_WORDS),
        productType: pick(Object.values(ProductType)),
        ...(r % 2 ? { province: pick(Object.values(Province)) } : {}),
        ...uniqueNoop(),
      },
    });
  const listing = () => json(LISTING, { id: pick(listingIds) });
  return {
    'catalogue (anonymous)': () => ({ body: json(CATALOGUE, { f: uniqueNoop() }) }),
    'catalogue (signed-in)': () => ({ body: json(CATALOGUE, { f: uniqueNoop() }), headers: someone() }),
    'catalogue (anonymous, one body: response cache)': () => ({ body: json(CATALOGUE) }),
    'search text + filters (anonymous)': () => ({ body: search() }),
    'search text + filters (signed-in)': () => ({ body: search(), headers: buyer() }),
    'listing (anonymous)': () => ({ body: listing() }),
    'listing (signed-in)': () => ({ body: listing(), headers: buyer() }),
    'me (signed-in)': () => ({ body: json(ME), headers: buyer() }),
    'requestMatches (signed-in)': () => ({
      body: json(MATCH, {
        input: {
          productType: pick(Object.values(ProductType)),
          quantityKg: 10 + (r % 900),
          province: pick(Object.values(Province)),
        },
      }),
      headers: buyer(),
    }),
    'placeOrder (signed-in)': () => ({
      body: json(ORDER, { id: pick(listingIds), kg: 0.01, key: `bench-${scale}-${Date.now()}-${++counter}` }),
      headers: buyer(),
    }),
  };
}

/** The peer comparison's modes: fair (unique bodies, and tokens) is the headline; dedupe is reported apart. */
export function peerModes(viewers: Viewers): Record<string, Body> {
  let t = 0;
  return {
    'fair, signed-in (unique bodies and tokens)': () => ({
      body: json(CATALOGUE, { f: uniqueNoop() }),
      headers: { authorization: `Bearer ${viewers.buyers[t++ % viewers.buyers.length]}` },
    }),
    'fair, anonymous (unique bodies)': () => ({ body: json(CATALOGUE, { f: uniqueNoop() }) }),
    'dedupe, anonymous (one body)': () => ({ body: json(CATALOGUE) }),
  };
}

/**
 * The mixed run's shares (bench/mix.ts): browsing dominates a marketplace, a search or a match
 * request is one visit in ten or in thirty, an order rarer still.
 */
export const MARKETPLACE_MIX: Record<string, number> = {
  'catalogue (anonymous)': 35,
  'catalogue (signed-in)': 35,
  'listing (signed-in)': 15,
  'search text + filters (signed-in)': 10,
  'requestMatches (signed-in)': 3,
  'placeOrder (signed-in)': 2,
};
