import { defineConsumer } from '#platform/infra/events/index';

/**
 * Keeps listings.external_offers and listings.external_sources from `external.offers.crawled`.
 *
 * Applying an event twice has no second effect (the processed-id row, and every write here is an
 * upsert). Events of one source normally arrive in order, but a retried event can land after a
 * later one, so every write compares times: an offer is overwritten only by a copy fetched at the
 * same time or later, marked gone only by a crawl later than its copy, and a gone offer comes back
 * only with a copy fetched after it went.
 */
export const externalOffersConsumer = defineConsumer({
  name: 'listings.external-offers',
  handlers: {
    'external.offers.crawled': async (event, ctx) => {
      const p = event.payload;
      const crawledAt = p.crawledAt ?? event.occurredAt.toISOString();
      // Without a level (an event from before it was carried) the source stays unknown here, and
      // offers of an unknown source are never matched: it fails closed.
      if (p.requiredAccessLevel) {
        await ctx.manager.query(
          `INSERT INTO listings.external_sources (source_id, required_access_level, updated_at) VALUES ($1, $2, $3)
           ON CONFLICT (source_id) DO UPDATE SET required_access_level = EXCLUDED.required_access_level, updated_at = EXCLUDED.updated_at
           WHERE listings.external_sources.updated_at <= EXCLUDED.updated_at`,
          [p.dataSourceId, p.requiredAccessLevel, crawledAt],
        );
      }
      if (p.offers.length) {
        await ctx.manager.query(
          `INSERT INTO listings.external_offers (offer_id, source_id, external_id, product_type, quantity_kg, price_per_kg, province, certifications, fetched_at)
           SELECT r."offerId", $1, r."externalId", r."productType", r."quantityKg", r."pricePerKg", r.province, r.certifications, r."fetchedAt"
             FROM jsonb_to_recordset($2::jsonb) AS r("offerId" uuid, "externalId" text, "productType" text, "quantityKg" numeric,
                                                     "pricePerKg" numeric, province text, certifications text[], "fetchedAt" timestamptz)
           ON CONFLICT (offer_id) DO UPDATE SET
             source_id = EXCLUDED.source_id, external_id = EXCLUDED.external_id, product_type = EXCLUDED.product_type,
             quantity_kg = EXCLUDED.quantity_kg, price_per_kg = EXCLUDED.price_per_kg, province = EXCLUDED.province,
             certifications = EXCLUDED.certifications, fetched_at = EXCLUDED.fetched_at, gone = false, gone_at = NULL
           WHERE listings.external_offers.fetched_at <= EXCLUDED.fetched_at
             AND (listings.external_offers.gone_at IS NULL OR listings.external_offers.gone_at < EXCLUDED.fetched_at)`,
          [p.dataSourceId, JSON.stringify(p.offers)],
        );
      }
      if (p.goneOfferIds?.length) {
        await ctx.manager.query(
          `UPDATE listings.external_offers SET gone = true, gone_at = $2
            WHERE offer_id = ANY($1::uuid[]) AND fetched_at < $2 AND (gone_at IS NULL OR gone_at < $2)`,
          [p.goneOfferIds, crawledAt],
        );
      }
    },
  },
});
