import { z } from 'zod';
import { money, productType, province, quantity, spec, uuid } from '#platform/contracts/events/fields';

/**
 * Listing events, written by listings-matching. The listing statuses are listings-matching's own
 * GraphQL enum (ListingStatus), which platform cannot import: test/event-catalogue.test.ts checks
 * that this list and that enum stay the same.
 */
export const LISTING_STATUSES = ['DRAFT', 'ACTIVE', 'PAUSED', 'SOLD_OUT', 'ARCHIVED'] as const;
export const listingStatus = z.enum(LISTING_STATUSES);

/** The listing's social impact attributes (flags of the business, not of a person's identity). */
const socialImpactFlags = z.object({
  smallScaleFarmer: z.boolean(),
  womenOwned: z.boolean(),
  youthOwned: z.boolean(),
  communityOwned: z.boolean(),
  beeLevel: z.number().int().min(1).max(8).nullable(),
  /** The listing's social impact score in [0, 1]. */
  score: z.number().min(0).max(1),
});

const listingSnapshot = z.object({
  listingId: uuid,
  sellerId: uuid,
  productType,
  province,
  pricePerKg: money,
  quantityKg: quantity,
  availableKg: quantity,
  status: listingStatus,
  socialImpact: socialImpactFlags,
  /** How many certifications the listing names (the names themselves stay in listings). */
  certificationCount: z.number().int().nonnegative(),
  /** The certifications the listing names, for analytics' read model (labels, no personal data). */
  certifications: z.array(z.string().max(100)).max(50),
});

/**
 * Who changed a listing's status: its seller/ADMIN, or the system because of an order or a quantity
 * change. Listed here only: no GraphQL enum carries it.
 */
const statusCause = z.enum(['SELLER', 'ORDER_PLACED', 'ORDER_CANCELLED', 'QUANTITY_CHANGED']);

export const LISTING_EVENTS = {
  'listing.created': spec({
    version: 1,
    aggregateType: 'listing',
    aggregateId: (p) => p.listingId,
    payload: listingSnapshot,
    description: 'A seller created a listing (any status, usually DRAFT).',
  }),
  'listing.updated': spec({
    version: 1,
    aggregateType: 'listing',
    aggregateId: (p) => p.listingId,
    payload: listingSnapshot.extend({ changedFields: z.array(z.string().max(64)).max(50) }),
    description: 'A listing changed (not its status); the snapshot is the state after the change.',
  }),
  'listing.status_changed': spec({
    version: 1,
    aggregateType: 'listing',
    aggregateId: (p) => p.listingId,
    payload: z.object({
      listingId: uuid,
      sellerId: uuid,
      from: listingStatus,
      to: listingStatus,
      // Optional: every change by a seller, an order or a quantity sets them, so a consumer needs no
      // earlier event; the archive that erases a seller (data-subject erasure) sends ids and statuses only.
      /** What the listing is. */
      productType: productType.optional(),
      province: province.optional(),
      pricePerKg: money.optional(),
      availableKg: quantity.optional(),
      /** Why it changed (SOLD_OUT and its reopening are caused by orders). */
      cause: statusCause.optional(),
    }),
    description:
      'A listing moved from one status to another (by its seller, or by an order taking or giving back its last kilogram).',
  }),
  'listing.viewed': spec({
    version: 1,
    aggregateType: 'listing',
    aggregateId: (p) => p.listingId,
    payload: z.object({ listingId: uuid, sellerId: uuid, viewerId: uuid.nullable() }),
    description: 'Query.listing returned a listing (viewerId null for anonymous callers).',
  }),
} as const;
