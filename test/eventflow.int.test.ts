import { randomUUID } from 'node:crypto';
import type {} from '#platform/infra/events/outbox';
import type { Viewer } from '#platform/infra/auth/viewer';
import { Role } from '#platform/infra/schema/shared-types';
import type {} from '../subgraphs/external-sources/simulators';
import type {} from '../subgraphs/external-sources/modules/crawl/crawler';
import type {} from '../subgraphs/external-sources/modules/data-source/data-source.entity';
import {
  createListing,
  setListingStatus,
  updateListing,
} from '../subgraphs/listings-matching/modules/listing/listing.service';
import { ListingStatus } from '../subgraphs/listings-matching/modules/listing/listing-status';
import { cancelOrder, placeOrder } from '../subgraphs/listings-matching/modules/order/order.service';
import { requestMatches } from '../subgraphs/listings-matching/modules/match/match.service';
import { registerUser, type Session } from './helpers/identity';
import { waitFor } from './helpers/wait';
import { startTestStack, type TestStack } from './helpers/stack';

import {
  CREATE,
  crashingAfterWrite,
  eventflowQueries,
  listingInput,
  MATCH,
  ok,
  signedInBuyer,
} from './helpers/eventflow';

/**
 * Domain events end to end: the producers of listings-matching and external-sources write their
 * events in the transaction of the change. The read model of external offers and consent:
 * eventflow.external.int.test.ts.
 */
let t: TestStack;
let seller: Session;
let buyer: Session;
const { listingsSql, outboxEvents } = eventflowQueries(() => t);

beforeAll(async () => {
  t = await startTestStack({ env: { EVENTS_POLL_MS: '50' } });
  seller = await registerUser(t, { roles: ['SELLER'], province: 'GAUTENG' });
  buyer = await signedInBuyer(t);
});

afterAll(async () => {
  await t?.stop();
});

const UPDATE = `mutation($id: ID!, $input: UpdateListingInput!) { updateListing(id: $id, input: $input) { id pricePerKg { amount } } }`;
const SET_STATUS = `mutation($id: ID!, $status: ListingStatus!) { setListingStatus(id: $id, status: $status) { id status } }`;
const PLACE = `mutation($listingId: ID!, $q: Float!, $key: String!) { placeOrder(listingId: $listingId, quantityKg: $q, idempotencyKey: $key) { id status listing { id status } } }`;
const CANCEL = `mutation($id: ID!) { cancelOrder(id: $id) { id status listing { id status } } }`;

describe('listings-matching writes its events in the transaction of the change', () => {
  it('records listing.created, listing.updated and listing.status_changed with ids and market facts only', async () => {
    const created = ok(await t.gql(CREATE, { input: listingInput() }, { token: seller.accessToken })).createListing;
    const [createdEvent] = await outboxEvents('listings', 'listing.created', created.id);
    expect(createdEvent.payload).toEqual({
      listingId: created.id,
      sellerId: seller.id,
      productType: 'HEMP_FIBRE',
      province: 'GAUTENG',
      pricePerKg: '45.50',
      quantityKg: '10.000',
      availableKg: '10.000',
      status: 'ACTIVE',
      socialImpact: {
        smallScaleFarmer: true,
        womenOwned: false,
        youthOwned: false,
        communityOwned: false,
        beeLevel: 2,
        score: 0.338,
      },
      certificationCount: 1,
      certifications: ['organic'],
    });
    expect(JSON.stringify(createdEvent.payload)).not.toContain('Highveld');

    ok(
      await t.gql(
        UPDATE,
        { id: created.id, input: { pricePerKg: '47', title: 'Retted hemp fibre, second cut' } },
        { token: seller.accessToken },
      ),
    );
    const [updated] = await outboxEvents('listings', 'listing.updated', created.id);
    expect(updated.payload).toMatchObject({ listingId: created.id, pricePerKg: '47.00', status: 'ACTIVE' });
    expect(updated.payload.changedFields.sort()).toEqual(['pricePerKg', 'title']);
    expect(JSON.stringify(updated.payload)).not.toContain('second cut');

    ok(await t.gql(SET_STATUS, { id: created.id, status: 'PAUSED' }, { token: seller.accessToken }));
    const [paused] = await outboxEvents('listings', 'listing.status_changed', created.id);
    expect(paused.payload).toEqual({
      listingId: created.id,
      sellerId: seller.id,
      from: 'ACTIVE',
      to: 'PAUSED',
      productType: 'HEMP_FIBRE',
      province: 'GAUTENG',
      pricePerKg: '47.00',
      availableKg: '10.000',
      cause: 'SELLER',
    });
    // a refused change writes nothing
    const refused = await t.gql(SET_STATUS, { id: created.id, status: 'SOLD_OUT' }, { token: seller.accessToken });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await outboxEvents('listings', 'listing.status_changed', created.id)).toHaveLength(1);
  });

  it('records order.placed and order.cancelled, and the status changes the last kilogram causes', async () => {
    const listing = ok(
      await t.gql(
        CREATE,
        { input: listingInput({ quantityKg: 4, pricePerKg: '12.25' }) },
        { token: seller.accessToken },
      ),
    ).createListing;
    const order = ok(
      await t.gql(PLACE, { listingId: listing.id, q: 4, key: randomUUID() }, { token: buyer.accessToken }),
    ).placeOrder;
    expect(order.listing.status).toBe('SOLD_OUT');
    const [placed] = await outboxEvents('listings', 'order.placed', order.id);
    expect(placed.payload).toEqual({
      orderId: order.id,
      listingId: listing.id,
      buyerId: buyer.id,
      sellerId: seller.id,
      quantityKg: '4.000',
      totalPrice: '49.00',
      pricePerKg: '12.25',
      productType: 'HEMP_FIBRE',
      province: 'GAUTENG',
      hasSocialImpact: true,
      socialImpactScore: 0.338,
    });
    const soldOut = await outboxEvents('listings', 'listing.status_changed', listing.id);
    expect(soldOut.map((e) => e.payload)).toEqual([
      expect.objectContaining({ from: 'ACTIVE', to: 'SOLD_OUT', availableKg: '0.000', cause: 'ORDER_PLACED' }),
    ]);

    const cancelled = ok(await t.gql(CANCEL, { id: order.id }, { token: seller.accessToken })).cancelOrder;
    expect(cancelled.listing.status).toBe('ACTIVE');
    const [cancelEvent] = await outboxEvents('listings', 'order.cancelled', order.id);
    expect(cancelEvent.payload).toEqual({
      orderId: order.id,
      listingId: listing.id,
      buyerId: buyer.id,
      sellerId: seller.id,
      cancelledBy: 'SELLER',
      quantityKg: '4.000',
      totalPrice: '49.00',
      productType: 'HEMP_FIBRE',
      province: 'GAUTENG',
    });
    const reopened = await outboxEvents('listings', 'listing.status_changed', listing.id);
    expect(reopened[1].payload).toMatchObject({
      from: 'SOLD_OUT',
      to: 'ACTIVE',
      availableKg: '4.000',
      cause: 'ORDER_CANCELLED',
    });

    // no e-mail address or display name in any event this subgraph wrote
    const all: Array<{ payload: unknown }> = await listingsSql(`SELECT payload FROM listings.outbox`);
    const text = JSON.stringify(all);
    expect(text).not.toContain(buyer.email);
    expect(text).not.toContain(seller.email);
    expect(text).not.toContain('Thandi');
  });

  it('records a free-text search as search.performed, with its other criteria and without the words', async () => {
    // The catalogue's strict criteria schema has no `text`: a search with words used to fail
    // validation, be logged as an error and never reach analytics.
    const errorsBefore = t.logs.filter((l) => l.includes('could not record search.performed')).length;
    ok(
      await t.gql(
        `query($f: ListingFilter) { listings(first: 5, filter: $f) { edges { node { id } } } }`,
        { f: { text: 'organic hemp Thandi', productType: 'HEMP_OIL', minAvailableKg: 2 } },
        { token: buyer.accessToken },
      ),
    );
    await t.stack.subgraphs['listings-matching'].deps.outbox.flush();
    const [event] = await waitFor(
      async () => {
        const rows: Array<{ payload: any }> = await listingsSql(
          `SELECT payload FROM events.bus WHERE type = 'search.performed' AND payload->>'userId' = $1`,
          [buyer.id],
        );
        return rows.length ? rows : undefined;
      },
      { what: "the buyer's search.performed on the bus", timeoutMs: 10_000 },
    );
    expect(event.payload.criteria).toEqual({ sort: 'NEWEST', productType: 'HEMP_OIL', minAvailableKg: 2 });
    expect(JSON.stringify(event.payload)).not.toContain('Thandi');
    expect(t.logs.filter((l) => l.includes('could not record search.performed')).length).toBe(errorsBefore);
  });

  it('records match.requested with the criteria and the ranked listing ids', async () => {
    const listing = ok(
      await t.gql(
        CREATE,
        { input: listingInput({ productType: 'SEEDLINGS', pricePerKg: '30' }) },
        { token: seller.accessToken },
      ),
    ).createListing;
    const request = ok(
      await t.gql(
        MATCH,
        { input: { productType: 'SEEDLINGS', quantityKg: 5, maxPricePerKg: '100', province: 'GAUTENG' } },
        { token: buyer.accessToken },
      ),
    ).requestMatches;
    const [event] = await outboxEvents('listings', 'match.requested', request.id);
    expect(event.payload).toMatchObject({
      matchRequestId: request.id,
      buyerId: buyer.id,
      criteria: { productType: 'SEEDLINGS', province: 'GAUTENG', maxPricePerKg: '100.00' },
      includeExternal: false,
      resultCount: request.matches.length,
      quantityKg: '5.000',
      externalResultCount: 0,
    });
    expect(event.payload.listingIds).toEqual(request.matches.map((m: any) => m.listing.id));
    expect(event.payload.listingIds).toContain(listing.id);
  });

  it('leaves neither the change nor the event behind when the transaction rolls back', async () => {
    const deps = t.stack.subgraphs['listings-matching'].deps;
    const crashing = crashingAfterWrite(deps.outbox);
    const sellerViewer: Viewer = { kind: 'user', userId: seller.id, roles: [Role.SELLER], tokenId: 'test' } as Viewer;
    const buyerViewer: Viewer = { kind: 'user', userId: buyer.id, roles: [Role.BUYER], tokenId: 'test' } as Viewer;
    const count = async (type: string) =>
      Number((await listingsSql(`SELECT count(*)::int AS n FROM listings.outbox WHERE type = $1`, [type]))[0].n);
    const before = {
      created: await count('listing.created'),
      updated: await count('listing.updated'),
      status: await count('listing.status_changed'),
      placed: await count('order.placed'),
      cancelled: await count('order.cancelled'),
      matched: await count('match.requested'),
    };
    const db = deps.db.dataSource;

    const title = `Rolled back ${randomUUID()}`;
    await expect(createListing(db, crashing, sellerViewer, listingInput({ title }) as never)).rejects.toThrow(
      'crash after',
    );
    expect(await listingsSql(`SELECT id FROM listings.listings WHERE title = $1`, [title])).toHaveLength(0);

    const listing = ok(
      await t.gql(CREATE, { input: listingInput({ quantityKg: 3 }) }, { token: seller.accessToken }),
    ).createListing;
    const createdAfter = await count('listing.created');
    await expect(
      updateListing(db, crashing, sellerViewer, listing.id, { pricePerKg: '99.00' } as never),
    ).rejects.toThrow('crash after');
    await expect(setListingStatus(db, crashing, sellerViewer, listing.id, ListingStatus.PAUSED)).rejects.toThrow(
      'crash after',
    );
    await expect(placeOrder(db, crashing, buyerViewer, listing.id, 3, randomUUID())).rejects.toThrow('crash after');
    const [row] = await listingsSql(
      `SELECT price_per_kg::text AS price, status, available_kg::text AS available FROM listings.listings WHERE id = $1`,
      [listing.id],
    );
    expect(row).toEqual({ price: '45.50', status: 'ACTIVE', available: '3.000' });
    expect(await listingsSql(`SELECT id FROM listings.orders WHERE listing_id = $1`, [listing.id])).toHaveLength(0);

    const order = ok(
      await t.gql(PLACE, { listingId: listing.id, q: 3, key: randomUUID() }, { token: buyer.accessToken }),
    ).placeOrder;
    const placedAfter = await count('order.placed');
    const statusAfter = await count('listing.status_changed');
    await expect(cancelOrder(db, crashing, buyerViewer, order.id)).rejects.toThrow('crash after');
    const [stillPlaced] = await listingsSql(`SELECT status FROM listings.orders WHERE id = $1`, [order.id]);
    expect(stillPlaced.status).toBe('CONFIRMED');

    const requestsBefore = Number(
      (await listingsSql(`SELECT count(*)::int AS n FROM listings.match_requests WHERE buyer_id = $1`, [buyer.id]))[0]
        .n,
    );
    await expect(
      requestMatches(
        db,
        crashing,
        buyerViewer,
        { productType: 'HEMP_FIBRE', quantityKg: 1 } as never,
        { results: 20, candidates: 100 },
        null,
      ),
    ).rejects.toThrow('crash after');
    expect(
      Number(
        (await listingsSql(`SELECT count(*)::int AS n FROM listings.match_requests WHERE buyer_id = $1`, [buyer.id]))[0]
          .n,
      ),
    ).toBe(requestsBefore);

    expect(await count('listing.created')).toBe(createdAfter);
    expect(createdAfter).toBe(before.created + 1);
    expect(await count('listing.updated')).toBe(before.updated);
    expect(await count('order.placed')).toBe(placedAfter);
    expect(placedAfter).toBe(before.placed + 1);
    expect(await count('listing.status_changed')).toBe(statusAfter); // SOLD_OUT from the real order only
    expect(await count('order.cancelled')).toBe(before.cancelled);
    expect(await count('match.requested')).toBe(before.matched);
  });
});
