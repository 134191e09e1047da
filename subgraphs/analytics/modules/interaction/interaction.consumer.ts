import { defineConsumer, type ConsumerContext } from '../../../../platform/events';
import { InteractionType } from './interaction-type';
import { pseudonymise } from './pseudonym';

interface InteractionRow {
  eventId: string;
  type: InteractionType;
  userId: string | null;
  listingId: string | null;
  metadata: Record<string, unknown> | null;
  occurredAt: Date;
}

/** One row per event; the unique event_id makes a replayed event a no-op here too. */
async function insertInteraction(ctx: ConsumerContext, row: InteractionRow): Promise<void> {
  await ctx.manager.query(
    `INSERT INTO analytics.interactions (event_id, type, user_key, listing_id, metadata, occurred_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON CONFLICT (event_id) DO NOTHING`,
    [
      row.eventId,
      row.type,
      row.userId ? pseudonymise(ctx.deps.config.PSEUDONYM_SECRET, row.userId) : null,
      row.listingId,
      row.metadata ? JSON.stringify(row.metadata) : null,
      row.occurredAt,
    ],
  );
}

/** Builds the pseudonymous interaction log from listings-matching's read events. */
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
        metadata: { criteria: event.payload.criteria, resultCount: event.payload.resultCount },
        occurredAt: event.occurredAt,
      }),
  },
});
