import { defineConsumer, type ConsumerContext, type EventPayload } from '#platform/infra/events/index';
import { pseudonymise } from '../interaction/pseudonym';

type Snapshot = EventPayload<'listing.created'>;

/**
 * A listing as analytics needs it, from the snapshot in listing.created/updated. A retried event can
 * arrive after a newer one of the same listing, so a row only moves forward in time (`version_at`).
 */
async function upsertListing(ctx: ConsumerContext, p: Snapshot, at: Date): Promise<void> {
  await ctx.manager.query(
    `INSERT INTO analytics.listings (listing_id, seller_key, product_type, province, price_per_kg, quantity_kg, available_kg, status,
                                     social_impact_score, certification_count, created_at, version_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
     ON CONFLICT (listing_id) DO UPDATE SET
       product_type = EXCLUDED.product_type, province = EXCLUDED.province, price_per_kg = EXCLUDED.price_per_kg,
       quantity_kg = EXCLUDED.quantity_kg, available_kg = EXCLUDED.available_kg, status = EXCLUDED.status,
       social_impact_score = COALESCE(EXCLUDED.social_impact_score, analytics.listings.social_impact_score),
       certification_count = COALESCE(EXCLUDED.certification_count, analytics.listings.certification_count),
       created_at = LEAST(analytics.listings.created_at, EXCLUDED.created_at),
       version_at = EXCLUDED.version_at
     WHERE analytics.listings.version_at <= EXCLUDED.version_at`,
    [
      p.listingId,
      pseudonymise(ctx.deps.config.PSEUDONYM_SECRET, p.sellerId),
      p.productType,
      p.province,
      p.pricePerKg,
      p.quantityKg,
      p.availableKg,
      p.status,
      p.socialImpact?.score ?? null,
      p.certifications?.length ?? null,
      at,
    ],
  );
}

/** Thrown when an event needs a listing analytics has not seen yet: the retry comes after listing.created. */
class ListingNotYetKnown extends Error {
  constructor(listingId: string) {
    super(`listing ${listingId} is not in the read model yet`);
    this.name = 'ListingNotYetKnown';
  }
}

/** Offers that arrive are upserted; the crawl that brought them becomes the source's current one. */
async function recordCrawl(ctx: ConsumerContext, p: EventPayload<'external.offers.crawled'>, at: Date): Promise<void> {
  if (p.offers.length === 0) return; // a crawl that brought nothing (source down) does not make everything gone
  await ctx.manager.query(
    `INSERT INTO analytics.source_crawls (data_source_id, crawl_run_id, occurred_at) VALUES ($1, $2, $3)
     ON CONFLICT (data_source_id) DO UPDATE SET crawl_run_id = EXCLUDED.crawl_run_id, occurred_at = EXCLUDED.occurred_at
     WHERE analytics.source_crawls.occurred_at <= EXCLUDED.occurred_at`,
    [p.dataSourceId, p.crawlRunId, at],
  );
  await ctx.manager.query(
    `INSERT INTO analytics.external_offers (offer_id, data_source_id, crawl_run_id, product_type, province, price_per_kg, quantity_kg, fetched_at)
     SELECT o.offer_id, $1, $2, o.product_type, o.province, o.price_per_kg, o.quantity_kg, o.fetched_at
       FROM jsonb_to_recordset($3::jsonb) AS o(offer_id uuid, product_type text, province text, price_per_kg numeric, quantity_kg double precision, fetched_at timestamptz)
     ON CONFLICT (offer_id) DO UPDATE SET
       crawl_run_id = EXCLUDED.crawl_run_id, product_type = EXCLUDED.product_type, province = EXCLUDED.province,
       price_per_kg = EXCLUDED.price_per_kg, quantity_kg = EXCLUDED.quantity_kg, fetched_at = EXCLUDED.fetched_at
     WHERE analytics.external_offers.fetched_at <= EXCLUDED.fetched_at`,
    [
      p.dataSourceId,
      p.crawlRunId,
      JSON.stringify(
        p.offers.map((o) => ({
          offer_id: o.offerId,
          product_type: o.productType,
          province: o.province,
          price_per_kg: o.pricePerKg,
          quantity_kg: o.quantityKg,
          fetched_at: o.fetchedAt,
        })),
      ),
    ],
  );
}

/**
 * Analytics' own read models of listings, orders and external offers, from listings-matching's and
 * external-sources' events: the price index and the ML features read these, never another schema.
 */
export const readModelConsumer = defineConsumer({
  name: 'analytics.read-models',
  handlers: {
    'listing.created': (event, ctx) => upsertListing(ctx, event.payload, event.occurredAt),
    'listing.updated': (event, ctx) => upsertListing(ctx, event.payload, event.occurredAt),
    'listing.status_changed': async (event, ctx) => {
      const p = event.payload;
      const rows: unknown[] = await ctx.manager.query(
        `UPDATE analytics.listings SET status = $2, version_at = $3 WHERE listing_id = $1 AND version_at <= $3 RETURNING listing_id`,
        [p.listingId, p.to, event.occurredAt],
      );
      if (countOf(rows) > 0) return;
      const known: unknown[] = await ctx.manager.query(`SELECT 1 FROM analytics.listings WHERE listing_id = $1`, [
        p.listingId,
      ]);
      if (known.length === 0) throw new ListingNotYetKnown(p.listingId);
    },
    'order.placed': async (event, ctx) => {
      const p = event.payload;
      const secret = ctx.deps.config.PSEUDONYM_SECRET;
      await ctx.manager.query(
        `INSERT INTO analytics.orders (order_id, listing_id, buyer_key, seller_key, quantity_kg, total, placed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (order_id) DO NOTHING`,
        [
          p.orderId,
          p.listingId,
          pseudonymise(secret, p.buyerId),
          pseudonymise(secret, p.sellerId),
          p.quantityKg,
          p.totalPrice,
          event.occurredAt,
        ],
      );
    },
    'order.cancelled': async (event, ctx) => {
      const p = event.payload;
      const secret = ctx.deps.config.PSEUDONYM_SECRET;
      // An order seen only through its cancellation is still one the seller lost.
      await ctx.manager.query(
        `INSERT INTO analytics.orders (order_id, listing_id, buyer_key, seller_key, quantity_kg, total, placed_at, cancelled_at)
         VALUES ($1, $2, $3, $4, 0, 0, $5, $5)
         ON CONFLICT (order_id) DO UPDATE SET cancelled_at = EXCLUDED.cancelled_at`,
        [p.orderId, p.listingId, pseudonymise(secret, p.buyerId), pseudonymise(secret, p.sellerId), event.occurredAt],
      );
    },
    'external.offers.crawled': (event, ctx) => recordCrawl(ctx, event.payload, event.occurredAt),
  },
});

/** Rows of an UPDATE … RETURNING through TypeORM's postgres driver ([rows, count]) or PGlite (rows). */
function countOf(result: unknown): number {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[1];
  return Array.isArray(result) ? result.length : 0;
}
