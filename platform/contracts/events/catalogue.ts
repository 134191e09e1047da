import { z } from 'zod';
import type { EventTraceMetadata } from '#platform/infra/observability/tracing';

/**
 * The one catalogue of domain events. Producers and consumers import their payload types from
 * here, so a change to a payload is a compile error on both sides.
 *
 * Payloads carry ids, never names or e-mail addresses: analytics pseudonymises user ids itself, and
 * an erasure must not have to chase personal data through the event log.
 *
 * Each entry has a version (bump it, and keep accepting the old shape, when a payload changes
 * incompatibly), the payload schema, and the aggregate the event belongs to: events of one
 * aggregate are published and consumed in the order they were written.
 */
const uuid = z.string().uuid();
const money = z.string().regex(/^\d{1,12}(\.\d{1,2})?$/, 'a decimal amount with at most two places');
const quantity = z.string().regex(/^\d{1,12}(\.\d{1,3})?$/, 'a decimal quantity with at most three places');
const listingStatus = z.enum(['DRAFT', 'ACTIVE', 'PAUSED', 'SOLD_OUT', 'ARCHIVED']);
const productType = z.enum([
  'HEMP_FIBRE',
  'HEMP_SEED',
  'HEMP_OIL',
  'CBD_ISOLATE',
  'CBD_OIL',
  'CANNABIS_FLOWER',
  'CANNABIS_EXTRACT',
  'SEEDLINGS',
]);
const province = z.enum([
  'EASTERN_CAPE',
  'FREE_STATE',
  'GAUTENG',
  'KWAZULU_NATAL',
  'LIMPOPO',
  'MPUMALANGA',
  'NORTHERN_CAPE',
  'NORTH_WEST',
  'WESTERN_CAPE',
]);
const accessLevel = z.enum(['BASIC', 'ADVANCED', 'FULL']);

/** What a buyer searched for: the filter and sort of `Query.listings`, nothing free-text. */
export const searchCriteriaSchema = z
  .object({
    productType: productType.optional(),
    province: province.optional(),
    minPricePerKg: money.optional(),
    maxPricePerKg: money.optional(),
    minAvailableKg: z.number().nonnegative().optional(),
    socialImpactOnly: z.boolean().optional(),
    sellerId: uuid.optional(),
    status: listingStatus.optional(),
    sort: z.string().max(32).optional(),
  })
  .strict();

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

// Fields marked "added" below came after v1 was first published. They are optional so that an
// event written without them stays valid (no version bump); the producers always set them.
const listingSnapshot = z.object({
  listingId: uuid,
  sellerId: uuid,
  productType,
  province,
  pricePerKg: money,
  quantityKg: quantity,
  availableKg: quantity,
  status: listingStatus,
  /** Added. */
  socialImpact: socialImpactFlags.optional(),
  /** Added: how many certifications the listing names (the names themselves stay in listings). */
  certificationCount: z.number().int().nonnegative().optional(),
  /** Added (analytics' read model): the certifications the listing names (labels, no personal data). */
  certifications: z.array(z.string().max(100)).max(50).optional(),
});

const externalOffer = z.object({
  offerId: uuid,
  externalId: z.string().min(1).max(200),
  productType,
  quantityKg: z.number().nonnegative(),
  pricePerKg: money,
  province: province.nullable(),
  certifications: z.array(z.string().max(100)).max(50),
  fetchedAt: z.string().datetime({ offset: true }),
});

/** Who changed a listing's status: its seller/ADMIN, or the system because of an order or a quantity change. */
const statusCause = z.enum(['SELLER', 'ORDER_PLACED', 'ORDER_CANCELLED', 'QUANTITY_CHANGED']);

interface EventSpec<S extends z.ZodTypeAny> {
  version: number;
  /** The kind of thing the event is about, e.g. `listing`. */
  aggregateType: string;
  /** Which one: events with the same aggregate id are kept in order. */
  aggregateId(payload: z.infer<S>): string;
  payload: S;
  description: string;
}

function spec<S extends z.ZodTypeAny>(s: EventSpec<S>): EventSpec<S> {
  return s;
}

export const EVENT_CATALOGUE = {
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
      /** Added: what the listing is, so a consumer needs no earlier event to use this one. */
      productType: productType.optional(),
      /** Added. */
      province: province.optional(),
      /** Added. */
      pricePerKg: money.optional(),
      /** Added. */
      availableKg: quantity.optional(),
      /** Added: why it changed (SOLD_OUT and its reopening are caused by orders). */
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
  'search.performed': spec({
    version: 1,
    aggregateType: 'search',
    aggregateId: (p) => p.userId ?? 'anonymous',
    payload: z.object({
      userId: uuid.nullable(),
      criteria: searchCriteriaSchema,
      resultCount: z.number().int().nonnegative(),
    }),
    description: 'Query.listings ran: the criteria and how many listings matched in total.',
  }),
  'match.requested': spec({
    version: 1,
    aggregateType: 'match',
    aggregateId: (p) => p.matchRequestId,
    payload: z.object({
      matchRequestId: uuid,
      buyerId: uuid,
      criteria: searchCriteriaSchema,
      includeExternal: z.boolean(),
      resultCount: z.number().int().nonnegative(),
      /** Added: the kilograms asked for. */
      quantityKg: quantity.optional(),
      /** Added: the ranked internal matches, best first (at most 100). */
      listingIds: z.array(uuid).max(100).optional(),
      /** Added: how many of resultCount are external offers. */
      externalResultCount: z.number().int().nonnegative().optional(),
    }),
    description: 'A buyer asked for matches (internal listings and, with consent, external offers).',
  }),
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
      /** Added: the price of the moment the order was placed. */
      pricePerKg: money.optional(),
      /** Added: the listing's product type and province. */
      productType: productType.optional(),
      province: province.optional(),
      /** Added: whether the listing had any social impact attribute (a flag or a B-BBEE level). */
      hasSocialImpact: z.boolean().optional(),
      /** Added: the listing's social impact score in [0, 1]. */
      socialImpactScore: z.number().min(0).max(1).optional(),
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
      /** Added: what was given back to the listing, and what the order was worth. */
      quantityKg: quantity.optional(),
      totalPrice: money.optional(),
      productType: productType.optional(),
      province: province.optional(),
    }),
    description: 'An order was cancelled.',
  }),
  'consent.granted': spec({
    version: 1,
    aggregateType: 'consent',
    aggregateId: (p) => p.consentId,
    payload: z.object({
      consentId: uuid,
      userId: uuid,
      dataSourceId: uuid,
      accessLevel,
      consentVersion: z.string().max(64),
      expiresAt: z.string().datetime({ offset: true }).nullable(),
    }),
    description: 'A user granted consent to use a data source.',
  }),
  'consent.withdrawn': spec({
    version: 1,
    aggregateType: 'consent',
    aggregateId: (p) => p.consentId,
    payload: z.object({ consentId: uuid, userId: uuid, dataSourceId: uuid }),
    description:
      'A user withdrew a consent. Consumers must not rely on it for access checks (consent is checked live).',
  }),
  'external.offers.crawled': spec({
    version: 1,
    aggregateType: 'data-source',
    aggregateId: (p) => p.dataSourceId,
    payload: z.object({
      crawlRunId: uuid,
      dataSourceId: uuid,
      fetched: z.number().int().nonnegative(),
      normalized: z.number().int().nonnegative(),
      rejected: z.number().int().nonnegative(),
      /** At most 500 per event: a larger crawl is published as several events. */
      offers: z.array(externalOffer).max(500),
      /** Added: the consent level a user needs to receive this source's data. */
      requiredAccessLevel: accessLevel.optional(),
      /** Added: offers of this source that the crawl no longer found (at most 500 per event, chunked like offers). */
      goneOfferIds: z.array(uuid).max(500).optional(),
      /** Added: when the crawl was committed; every offer of this crawl has this fetchedAt. */
      crawledAt: z.string().datetime({ offset: true }).optional(),
      /** Added: true when every page was read (only then are offers marked gone). */
      complete: z.boolean().optional(),
      /** Added: this event's place among the events of one crawl of one source (0-based), and how many there are. */
      chunkIndex: z.number().int().nonnegative().optional(),
      chunkCount: z.number().int().positive().optional(),
    }),
    description:
      'A crawl of one data source finished; offers are the normalised ones of this chunk, goneOfferIds those no longer listed.',
  }),
  'user.erasure.requested': spec({
    version: 1,
    aggregateType: 'user',
    aggregateId: (p) => p.userId,
    payload: z.object({ requestId: uuid, userId: uuid }),
    description: 'A data-subject erasure request: every subgraph erases or pseudonymises the user.',
  }),
  'user.erasure.completed': spec({
    version: 1,
    aggregateType: 'user',
    aggregateId: (p) => p.userId,
    payload: z.object({
      requestId: uuid,
      userId: uuid,
      subgraph: z.string().max(64),
      erased: z.number().int().nonnegative(),
      retained: z.number().int().nonnegative(),
      reason: z.string().max(500).nullable(),
    }),
    description: 'One subgraph’s reply to user.erasure.requested: what it erased and what it kept by law.',
  }),
} as const;

export type EventCatalogue = typeof EVENT_CATALOGUE;
export type EventType = keyof EventCatalogue;
export type EventPayload<T extends EventType> = z.infer<EventCatalogue[T]['payload']>;
export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as EventType[];

/** An event as it travels: the envelope is the same for every type. */
export interface DomainEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  version: number;
  /** The subgraph that wrote it. */
  source: string;
  aggregateType: string;
  aggregateId: string;
  occurredAt: Date;
  payload: EventPayload<T>;
  /** The trace context of the transaction that wrote it, when tracing is on (platform/infra/observability/tracing.ts). */
  metadata?: EventTraceMetadata | null;
}

export type AnyDomainEvent = { [T in EventType]: DomainEvent<T> }[EventType];

export function isEventType(value: string): value is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_CATALOGUE, value);
}

/** Thrown for an event that can never succeed (unknown type, newer version, invalid payload). */
export class PermanentEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentEventError';
  }
}

/** Checks an incoming event against the catalogue; the payload comes back parsed. */
export function validateEvent(event: DomainEvent<EventType>): AnyDomainEvent {
  if (!isEventType(event.type)) throw new PermanentEventError(`unknown event type ${event.type}`);
  const entry = EVENT_CATALOGUE[event.type];
  if (event.version > entry.version)
    throw new PermanentEventError(
      `${event.type} v${event.version} is newer than this service knows (v${entry.version})`,
    );
  const parsed = entry.payload.safeParse(event.payload);
  if (!parsed.success) {
    throw new PermanentEventError(
      `invalid ${event.type} payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return { ...event, payload: parsed.data } as AnyDomainEvent;
}
