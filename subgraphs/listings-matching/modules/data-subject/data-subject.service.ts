import {
  ExportBuilder,
  pseudonymousId,
  returning,
  type DataSubjectHandlers,
  type SubjectCall,
} from '#platform/contracts/data-subject';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { ListingStatus } from '../listing/listing-status';
import { OrderStatus } from '../order/order-status';

/** Why completed orders survive an erasure; shown in the request's report. */
export const ORDER_RETENTION_REASON =
  'orders that were placed (not cancelled) are kept for 5 years as tax records (Tax Administration Act 28 of 2011, s. 29); ' +
  'the user id on them is replaced by a pseudonym';

/**
 * listings-matching's part of data-subject requests.
 *
 * Export: the user's listings, the orders they placed or received, their match requests (with the
 * matches found) and their seller track record.
 *
 * Erasure, in one transaction, idempotent (a retry finds nothing left to change):
 * - match requests are deleted (their results with them);
 * - orders the user placed and that were cancelled are deleted;
 * - other orders naming the user (as buyer, seller or canceller) are kept, with the user's id
 *   replaced by a pseudonym: retained, with ORDER_RETENTION_REASON;
 * - the user's listings are archived and anonymised (title, description, certifications and the
 *   social-impact facts about the seller cleared, seller id pseudonymised): other buyers' orders
 *   still point at them;
 * - the seller's track record is deleted.
 * Each listing the erasure archives emits listing.status_changed (seller: the pseudonym), so read
 * models built from listing events archive it too.
 */
export function listingsDataSubject(deps: SubgraphDeps): DataSubjectHandlers {
  const db = deps.db.dataSource;
  return {
    async export({ userId }: SubjectCall) {
      const out = new ExportBuilder();
      const [listings, orders, matchRequests, sellerStats] = await Promise.all([
        db.query(
          `SELECT id, title, description, product_type AS "productType", quantity_kg::text AS "quantityKg", available_kg::text AS "availableKg",
                  price_per_kg::text AS "pricePerKg", province, certifications, small_scale_farmer AS "smallScaleFarmer",
                  women_owned AS "womenOwned", youth_owned AS "youthOwned", community_owned AS "communityOwned", bee_level AS "beeLevel",
                  status, created_at AS "createdAt", updated_at AS "updatedAt"
             FROM listings.listings WHERE seller_id = $1 ORDER BY created_at, id LIMIT $2`,
          [userId, out.limit],
        ),
        db.query(
          `SELECT id, listing_id AS "listingId", CASE WHEN buyer_id = $1 THEN 'BUYER' ELSE 'SELLER' END AS "role",
                  quantity_kg::text AS "quantityKg", price_per_kg::text AS "pricePerKg", total::text AS total, status,
                  idempotency_key AS "idempotencyKey", created_at AS "createdAt", updated_at AS "updatedAt", cancelled_at AS "cancelledAt",
                  (cancelled_by = $1) AS "cancelledByYou"
             FROM listings.orders WHERE buyer_id = $1 OR seller_id = $1 ORDER BY created_at, id LIMIT $2`,
          [userId, out.limit],
        ),
        db.query(
          `SELECT r.id, r.product_type AS "productType", r.quantity_kg::text AS "quantityKg", r.max_price_per_kg::text AS "maxPricePerKg",
                  r.province, r.include_external AS "includeExternal", r.weights, r.created_at AS "createdAt",
                  coalesce((SELECT json_agg(json_build_object('rank', m.rank, 'source', m.source, 'listingId', m.listing_id,
                                   'externalOfferId', m.external_offer_id, 'score', m.score, 'explanation', m.explanation) ORDER BY m.rank)
                              FROM listings.match_results m WHERE m.match_request_id = r.id), '[]'::json) AS matches
             FROM listings.match_requests r WHERE r.buyer_id = $1 ORDER BY r.created_at, r.id LIMIT $2`,
          [userId, out.limit],
        ),
        db.query(`SELECT confirmed_orders AS "confirmedOrders" FROM listings.seller_stats WHERE seller_id = $1`, [
          userId,
        ]),
      ]);
      return out
        .rows('listings', listings)
        .rows('orders', orders)
        .rows('matchRequests', matchRequests)
        .value('sellerStats', sellerStats[0] ?? null)
        .build();
    },

    async erase({ userId, log }: SubjectCall) {
      const pseudonym = pseudonymousId(deps.config.PSEUDONYM_SECRET, userId);
      const result = await db.transaction(async (m) => {
        const matchRequests = await returning(
          m,
          `DELETE FROM listings.match_requests WHERE buyer_id = $1 RETURNING id`,
          [userId],
        );
        const cancelled = await returning(
          m,
          `DELETE FROM listings.orders WHERE buyer_id = $1 AND status = '${OrderStatus.CANCELLED}' RETURNING id`,
          [userId],
        );
        // One statement for every role the user plays on an order; the idempotency key was the
        // client's text, so it goes too.
        await m.query(
          `UPDATE listings.orders
              SET buyer_id = CASE WHEN buyer_id = $1 THEN $2::uuid ELSE buyer_id END,
                  idempotency_key = CASE WHEN buyer_id = $1 THEN 'erased:' || id::text ELSE idempotency_key END,
                  seller_id = CASE WHEN seller_id = $1 THEN $2::uuid ELSE seller_id END,
                  cancelled_by = CASE WHEN cancelled_by = $1 THEN $2::uuid ELSE cancelled_by END
            WHERE buyer_id = $1 OR seller_id = $1 OR cancelled_by = $1`,
          [userId, pseudonym],
        );
        // Counted under the pseudonym, so a repeated erasure still reports what is kept.
        const [kept] = await m.query(
          `SELECT count(*)::int AS n FROM listings.orders WHERE buyer_id = $1 OR seller_id = $1 OR cancelled_by = $1`,
          [pseudonym],
        );
        const listings = await returning<{ id: string; previous_status: string }>(
          m,
          `UPDATE listings.listings l
              SET seller_id = $2::uuid, title = 'Erased listing', description = NULL, certifications = '{}',
                  small_scale_farmer = false, women_owned = false, youth_owned = false, community_owned = false,
                  bee_level = NULL, social_impact_score = 0, status = '${ListingStatus.ARCHIVED}', updated_at = now()
             FROM (SELECT id, status FROM listings.listings WHERE seller_id = $1 FOR UPDATE) previous
            WHERE l.id = previous.id
            RETURNING l.id, previous.status AS previous_status`,
          [userId, pseudonym],
        );
        const stats = await returning(m, `DELETE FROM listings.seller_stats WHERE seller_id = $1 RETURNING seller_id`, [
          userId,
        ]);
        for (const listing of listings) {
          if (listing.previous_status === ListingStatus.ARCHIVED) continue;
          await deps.outbox.add(m, {
            type: 'listing.status_changed',
            payload: {
              listingId: listing.id,
              sellerId: pseudonym,
              from: listing.previous_status as ListingStatus,
              to: ListingStatus.ARCHIVED,
            },
          });
        }
        return {
          erased: matchRequests.length + cancelled.length + listings.length + stats.length,
          retained: Number(kept.n),
        };
      });
      log.info({ ...result }, 'erased a data subject from listings-matching');
      return { ...result, reason: result.retained > 0 ? ORDER_RETENTION_REASON : null };
    },
  };
}
