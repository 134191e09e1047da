import { ExportBuilder, type DataSubjectHandlers, type SubjectCall } from '#platform/contracts/data-subject';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { pseudonymise } from '../interaction/pseudonym';
import { eraseSubject } from '../privacy/privacy.service';

/**
 * analytics' part of data-subject requests. Interactions are stored under the HMAC pseudonym of
 * the user id (never the id), so both directions start from that pseudonym.
 *
 * Erasure deletes the user's interactions and records the pseudonym in
 * `analytics.erased_subjects`: a trigger on `analytics.interactions` drops any later row under it,
 * so events still in flight, a replay of the retained event log, or a client's logInteraction
 * cannot bring the user back. Aggregates computed later simply no longer count them.
 */
export function analyticsDataSubject(deps: SubgraphDeps): DataSubjectHandlers {
  const db = deps.db.dataSource;
  const keyOf = (userId: string) => pseudonymise(deps.config.PSEUDONYM_SECRET, userId);
  return {
    async export({ userId }: SubjectCall) {
      const out = new ExportBuilder();
      const interactions = await db.query(
        `SELECT id, type, listing_id AS "listingId", session_id AS "sessionId", metadata, occurred_at AS "occurredAt"
           FROM analytics.interactions WHERE user_key = $1 ORDER BY occurred_at, id LIMIT $2`,
        [keyOf(userId), out.limit],
      );
      const orders = await db.query(
        `SELECT order_id::text AS "orderId", listing_id::text AS "listingId", quantity_kg::text AS "quantityKg", total::text AS total,
                placed_at AS "placedAt", cancelled_at AS "cancelledAt"
           FROM analytics.orders WHERE buyer_key = $1 ORDER BY placed_at, order_id LIMIT $2`,
        [keyOf(userId), out.limit],
      );
      const listings = await db.query(
        `SELECT listing_id::text AS "listingId", product_type AS "productType", province, price_per_kg::text AS "pricePerKg", status
           FROM analytics.listings WHERE seller_key = $1 ORDER BY created_at, listing_id LIMIT $2`,
        [keyOf(userId), out.limit],
      );
      return out.rows('interactions', interactions).rows('orders', orders).rows('listings', listings).build();
    },

    async erase({ userId, log }: SubjectCall) {
      const key = keyOf(userId);
      // Remembered first, so nothing written under the pseudonym from now on survives (the trigger).
      await db.query(`INSERT INTO analytics.erased_subjects (user_key) VALUES ($1) ON CONFLICT (user_key) DO NOTHING`, [
        key,
      ]);
      // The privacy service deletes through the interaction store, keeping the hourly rollup in step.
      const report = await eraseSubject(deps, userId);
      log.info(report.details, 'erased a data subject from analytics');
      return { erased: report.erased, retained: report.retained, reason: report.reason };
    },
  };
}
