import { ExportBuilder, returning, type DataSubjectHandlers, type SubjectCall } from '../../../../platform/data-subject';
import type { SubgraphDeps } from '../../../../platform/subgraph';
import { pseudonymise } from '../interaction/pseudonym';

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
      return out.rows('interactions', interactions).build();
    },

    async erase({ userId, log }: SubjectCall) {
      const key = keyOf(userId);
      const deleted = await db.transaction(async (m) => {
        await m.query(`INSERT INTO analytics.erased_subjects (user_key) VALUES ($1) ON CONFLICT (user_key) DO NOTHING`, [key]);
        return returning(m, `DELETE FROM analytics.interactions WHERE user_key = $1 RETURNING id`, [key]);
      });
      log.info({ interactions: deleted.length }, 'erased a data subject from analytics');
      return { erased: deleted.length, retained: 0, reason: null };
    },
  };
}
