import type { EntityManager } from 'typeorm';
import type { InteractionType } from './interaction-type';

type Runner = Pick<EntityManager, 'query'>;

export interface NewInteraction {
  eventId: string;
  type: InteractionType;
  /** Already pseudonymised. */
  userKey: string | null;
  listingId: string | null;
  productType: string | null;
  sessionId: string | null;
  metadata: Record<string, unknown> | null;
  occurredAt: Date;
}

/**
 * Writes interactions and counts each in its hour and its day of the rollups, in one statement
 * whatever their number (the consumer hands over a batch at a time): an event id already in the
 * log, or twice in `rows`, inserts nothing the second time and therefore counts nothing.
 */
export async function recordInteractions(db: Runner, rows: NewInteraction[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `WITH inserted AS (
       INSERT INTO analytics.interactions (event_id, type, user_key, listing_id, product_type, session_id, metadata, occurred_at)
       SELECT r.event_id, r.type, r.user_key, r.listing_id, r.product_type, r.session_id, r.metadata, r.occurred_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::jsonb[], $8::timestamptz[])
              AS r(event_id, type, user_key, listing_id, product_type, session_id, metadata, occurred_at)
       ON CONFLICT (event_id) DO NOTHING
       RETURNING occurred_at, type, product_type),
     daily AS (
       INSERT INTO analytics.interaction_rollup_daily (bucket, type, product_type, count)
       SELECT date_trunc('day', occurred_at, 'UTC'), type, COALESCE(product_type, ''), count(*) FROM inserted GROUP BY 1, 2, 3
       ON CONFLICT (bucket, type, product_type) DO UPDATE SET count = analytics.interaction_rollup_daily.count + EXCLUDED.count)
     INSERT INTO analytics.interaction_rollup_hourly (bucket, type, product_type, count)
     SELECT date_trunc('hour', occurred_at, 'UTC'), type, COALESCE(product_type, ''), count(*) FROM inserted GROUP BY 1, 2, 3
     ON CONFLICT (bucket, type, product_type) DO UPDATE SET count = analytics.interaction_rollup_hourly.count + EXCLUDED.count`,
    [
      rows.map((r) => r.eventId),
      rows.map((r) => r.type),
      rows.map((r) => r.userKey),
      rows.map((r) => r.listingId),
      rows.map((r) => r.productType),
      rows.map((r) => r.sessionId),
      rows.map((r) => (r.metadata ? JSON.stringify(r.metadata) : null)),
      rows.map((r) => r.occurredAt),
    ],
  );
}

/** One interaction (the client-reported ones, and tests). */
export function recordInteraction(db: Runner, row: NewInteraction): Promise<void> {
  return recordInteractions(db, [row]);
}

/**
 * Deletes the interactions `where` selects (a condition on the log, parameters from $1) and takes
 * them off both rollups in the same statement; returns how many went.
 */
export async function deleteInteractions(db: Runner, where: string, params: unknown[]): Promise<number> {
  const [row] = (await db.query(
    `WITH deleted AS (DELETE FROM analytics.interactions WHERE ${where} RETURNING occurred_at, type, product_type),
          gone AS (SELECT date_trunc('hour', occurred_at, 'UTC') AS bucket, type, COALESCE(product_type, '') AS product_type, count(*)::int AS n
                     FROM deleted GROUP BY 1, 2, 3),
          counted AS (UPDATE analytics.interaction_rollup_hourly r SET count = r.count - gone.n FROM gone
                       WHERE r.bucket = gone.bucket AND r.type = gone.type AND r.product_type = gone.product_type RETURNING 1),
          gone_days AS (SELECT date_trunc('day', bucket, 'UTC') AS bucket, type, product_type, sum(n)::int AS n
                          FROM gone GROUP BY 1, 2, 3),
          counted_days AS (UPDATE analytics.interaction_rollup_daily r SET count = r.count - gone_days.n FROM gone_days
                            WHERE r.bucket = gone_days.bucket AND r.type = gone_days.type
                              AND r.product_type = gone_days.product_type RETURNING 1)
     SELECT COALESCE(sum(n), 0)::int AS n FROM gone`,
    params,
  )) as Array<{ n: number }>;
  return row.n;
}

/** Recomputes both rollups from the log (after a bulk load, or a manual repair of the log). */
export async function rebuildInteractionRollup(db: Runner): Promise<void> {
  await db.query(`DELETE FROM analytics.interaction_rollup_hourly`);
  await db.query(
    `INSERT INTO analytics.interaction_rollup_hourly (bucket, type, product_type, count)
     SELECT date_trunc('hour', occurred_at, 'UTC'), type, COALESCE(product_type, ''), count(*)::int FROM analytics.interactions GROUP BY 1, 2, 3`,
  );
  await db.query(`DELETE FROM analytics.interaction_rollup_daily`);
  await db.query(
    `INSERT INTO analytics.interaction_rollup_daily (bucket, type, product_type, count)
     SELECT date_trunc('day', bucket, 'UTC'), type, product_type, sum(count)::int FROM analytics.interaction_rollup_hourly GROUP BY 1, 2, 3`,
  );
}
