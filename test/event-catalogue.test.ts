import { EVENT_CATALOGUE, validateEvent, type DomainEvent } from '#platform/infra/events/index';
import { LISTING_STATUSES } from '#platform/contracts/events/listing';
import { AccessLevel, ProductType, Province } from '#platform/infra/schema/shared-types';
import { ListingStatus } from '../subgraphs/listings-matching/modules/listing/listing-status';

const ID = '3f1c2a7e-9b1d-4c55-8e0a-2f4b6d8c1e90';

function event(type: DomainEvent['type'], payload: unknown): DomainEvent {
  return {
    id: ID,
    type,
    version: 1,
    source: 'test',
    aggregateType: 'x',
    aggregateId: ID,
    occurredAt: new Date(),
    payload,
  } as DomainEvent;
}

const order = {
  orderId: ID,
  listingId: ID,
  buyerId: ID,
  sellerId: ID,
  quantityKg: '5',
  totalPrice: '250.00',
  pricePerKg: '50.00',
  productType: ProductType.CBD_OIL,
  province: Province.LIMPOPO,
  hasSocialImpact: false,
  socialImpactScore: 0,
};

describe('the event catalogue (platform/contracts/events)', () => {
  it('takes its enums from the GraphQL enums, so the two cannot drift', () => {
    const shape = EVENT_CATALOGUE['order.placed'].payload.shape;
    expect([...shape.productType.options].sort()).toEqual(Object.values(ProductType).sort());
    expect([...shape.province.options].sort()).toEqual(Object.values(Province).sort());
    const consent = EVENT_CATALOGUE['consent.granted'].payload.shape;
    expect([...consent.accessLevel.options].sort()).toEqual(Object.values(AccessLevel).sort());
    // listings-matching owns ListingStatus (platform imports no subgraph): the contract lists it, checked here.
    expect([...LISTING_STATUSES].sort()).toEqual(Object.values(ListingStatus).sort());
  });

  it('accepts every enum member and refuses a value outside the enum', () => {
    for (const productType of Object.values(ProductType))
      expect(() => validateEvent(event('order.placed', { ...order, productType }))).not.toThrow();
    expect(() => validateEvent(event('order.placed', { ...order, productType: 'TOBACCO' }))).toThrow(
      /invalid order.placed payload: productType/,
    );
  });

  it('requires the fields every producer has always set', () => {
    const { pricePerKg: _price, ...withoutPrice } = order;
    expect(() => validateEvent(event('order.placed', withoutPrice))).toThrow(
      /invalid order.placed payload: pricePerKg/,
    );
    const { socialImpactScore: _score, ...withoutScore } = order;
    expect(() => validateEvent(event('order.placed', withoutScore))).toThrow(/socialImpactScore/);
  });

  it('keeps optional what an erasure leaves out of listing.status_changed', () => {
    const archived = { listingId: ID, sellerId: ID, from: 'ACTIVE', to: 'ARCHIVED' };
    expect(validateEvent(event('listing.status_changed', archived)).payload).toEqual(archived);
  });
});
