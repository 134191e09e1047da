import {
  defineConsumer,
  type BatchWriter,
  type ConsumerContext,
  type EventPayload,
} from '#platform/infra/events/index';
import { InteractionType } from './interaction-type';
import { pseudonymise } from './pseudonym';
import { recordInteractions, type NewInteraction } from './interaction.store';

interface InteractionRow {
  eventId: string;
  type: InteractionType;
  userId: string | null;
  listingId: string | null;
  productType?: string | null;
  metadata: Record<string, unknown> | null;
  occurredAt: Date;
}

/** A batch's interactions in one statement (every catalogue read is one, so it is the hot path). */
const interactionLog: BatchWriter<NewInteraction> = { name: 'analytics.interactions', write: recordInteractions };

/** One row per event, written with its batch; the unique event_id makes a replayed event a no-op here too. */
async function insertInteraction(ctx: ConsumerContext, row: InteractionRow): Promise<void> {
  ctx.defer(interactionLog, {
    eventId: row.eventId,
    type: row.type,
    userKey: row.userId ? pseudonymise(ctx.deps.config.PSEUDONYM_SECRET, row.userId) : null,
    listingId: row.listingId,
    productType: row.productType ?? null,
    sessionId: null,
    metadata: row.metadata,
    occurredAt: row.occurredAt,
  });
}

type Criteria = EventPayload<'search.performed'>['criteria'];

/** Search criteria may name a seller: analytics keeps only that seller's pseudonym. */
function pseudonymousCriteria(ctx: ConsumerContext, criteria: Criteria): Record<string, unknown> {
  const { sellerId, ...rest } = criteria;
  return sellerId ? { ...rest, sellerKey: pseudonymise(ctx.deps.config.PSEUDONYM_SECRET, sellerId) } : rest;
}

/**
 * Builds the pseudonymous interaction log from domain events. Payloads carry ids only; every user
 * id is turned into its HMAC key here, before anything is written.
 */
export const interactionConsumer = defineConsumer({
  name: 'analytics.interactions',
  handlers: {
    'listing.viewed': (event, ctx) =>
      insertInteraction(ctx, {
        eventId: event.id,
        type: InteractionType.LISTING_VIEW,
        userId: event.payload.viewerId,
        listingId: event.payload.listingId,
        metadata: null,
        occurredAt: event.occurredAt,
      }),
    'search.performed': (event, ctx) =>
      insertInteraction(ctx, {
        eventId: event.id,
        type: InteractionType.SEARCH,
        userId: event.payload.userId,
        listingId: null,
        productType: event.payload.criteria.productType ?? null,
        metadata: {
          criteria: pseudonymousCriteria(ctx, event.payload.criteria),
          resultCount: event.payload.resultCount,
        },
        occurredAt: event.occurredAt,
      }),
    'match.requested': (event, ctx) =>
      insertInteraction(ctx, {
        eventId: event.id,
        type: InteractionType.MATCH_REQUEST,
        userId: event.payload.buyerId,
        listingId: null,
        productType: event.payload.criteria.productType ?? null,
        metadata: {
          criteria: pseudonymousCriteria(ctx, event.payload.criteria),
          includeExternal: event.payload.includeExternal,
          resultCount: event.payload.resultCount,
        },
        occurredAt: event.occurredAt,
      }),
    'order.placed': (event, ctx) =>
      insertInteraction(ctx, {
        eventId: event.id,
        type: InteractionType.ORDER,
        userId: event.payload.buyerId,
        listingId: event.payload.listingId,
        metadata: { quantityKg: event.payload.quantityKg, totalPrice: event.payload.totalPrice },
        occurredAt: event.occurredAt,
      }),
    'consent.granted': (event, ctx) =>
      insertInteraction(ctx, {
        eventId: event.id,
        type: InteractionType.CONSENT_GRANTED,
        userId: event.payload.userId,
        listingId: null,
        metadata: {
          dataSourceId: event.payload.dataSourceId,
          accessLevel: event.payload.accessLevel,
          consentVersion: event.payload.consentVersion,
        },
        occurredAt: event.occurredAt,
      }),
    'consent.withdrawn': (event, ctx) =>
      insertInteraction(ctx, {
        eventId: event.id,
        type: InteractionType.CONSENT_WITHDRAWN,
        userId: event.payload.userId,
        listingId: null,
        metadata: { dataSourceId: event.payload.dataSourceId },
        occurredAt: event.occurredAt,
      }),
  },
});
