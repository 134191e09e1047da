import { registerEnumType } from 'type-graphql';

/**
 * CONFIRMED: the quantity is reserved from the listing (placeOrder reserves and confirms in one
 * step). PENDING is for flows with a later confirmation (payment, seller acceptance); none exists
 * yet. CANCELLED: the quantity went back to the listing; final.
 */
export enum OrderStatus {
  PENDING = 'PENDING',
  CONFIRMED = 'CONFIRMED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(OrderStatus, { name: 'OrderStatus' });
