import { z } from 'zod';
import { money, productType, province, quantity, spec, uuid } from '#platform/contracts/events/fields';

/** Order events, written by listings-matching. */
export const ORDER_EVENTS = {
  'order.placed': spec({
    version: 1,
    aggregateType: 'order',
    aggregateId: (p) => p.orderId,
    payload: z.object({
      orderId: uuid,
      listingId: uuid,
      buyerId: uuid,
      sellerId: uuid,
      quantityKg: quantity,
      totalPrice: money,
      /** The price of the moment the order was placed. */
      pricePerKg: money,
      /** The listing's product type and province. */
      productType,
      province,
      /** Whether the listing had any social impact attribute (a flag or a B-BBEE level). */
      hasSocialImpact: z.boolean(),
      /** The listing's social impact score in [0, 1]. */
      socialImpactScore: z.number().min(0).max(1),
    }),
    description: 'A buyer placed an order on a listing.',
  }),
  'order.cancelled': spec({
    version: 1,
    aggregateType: 'order',
    aggregateId: (p) => p.orderId,
    payload: z.object({
      orderId: uuid,
      listingId: uuid,
      buyerId: uuid,
      sellerId: uuid,
      cancelledBy: z.enum(['BUYER', 'SELLER', 'ADMIN']),
      /** What was given back to the listing, and what the order was worth. */
      quantityKg: quantity,
      totalPrice: money,
      productType,
      province,
    }),
    description: 'An order was cancelled.',
  }),
} as const;
