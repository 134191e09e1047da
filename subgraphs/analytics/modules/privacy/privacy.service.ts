import type { DataSource } from 'typeorm';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { pseudonymise } from '../interaction/pseudonym';
import { deleteInteractions } from '../interaction/interaction.store';
import { EXTERNAL_OFFER_MAX_AGE_DAYS } from '../market/market.service';

type Runner = Pick<DataSource, 'query'>;

/** Runs a DELETE/UPDATE … RETURNING 1 and counts its rows in the database, not in memory. */
async function count(db: Runner, statement: string, params: unknown[]): Promise<number> {
  const [row] = (await db.query(
    `WITH changed AS (${statement} RETURNING 1) SELECT count(*)::int AS n FROM changed`,
    params,
  )) as Array<{ n: number }>;
  return row.n;
}

export interface AnalyticsErasureReport {
  subgraph: 'analytics';
  /** Interactions deleted plus order rows deleted as the buyer. */
  erased: number;
  /** Rows kept with the user's pseudonym removed: orders on the user's listings, the user's listings. */
  retained: number;
  reason: string | null;
  details: { interactions: number; ordersAsBuyer: number; ordersAsSellerUnlinked: number; listingsUnlinked: number };
}

/**
 * Erasure of one data subject in analytics: every interaction under their pseudonym and their orders
 * as a buyer are deleted; listings and orders they were the seller of stay (they are other buyers'
 * history and market prices) with the seller pseudonym removed, so nothing links them to the user.
 * Idempotent: a second call erases 0.
 */
export async function eraseSubject(
  deps: Pick<SubgraphDeps, 'db' | 'config'>,
  userId: string,
): Promise<AnalyticsErasureReport> {
  const key = pseudonymise(deps.config.PSEUDONYM_SECRET, userId);
  return deps.db.dataSource.transaction(async (m) => {
    const interactions = await deleteInteractions(m, 'user_key = $1', [key]);
    const ordersAsBuyer = await count(m, `DELETE FROM analytics.orders WHERE buyer_key = $1`, [key]);
    const ordersAsSellerUnlinked = await count(
      m,
      `UPDATE analytics.orders SET seller_key = NULL WHERE seller_key = $1`,
      [key],
    );
    const listingsUnlinked = await count(m, `UPDATE analytics.listings SET seller_key = NULL WHERE seller_key = $1`, [
      key,
    ]);
    // Searches that named this user as the seller filter keep the search but lose the seller.
    await m.query(
      `UPDATE analytics.interactions SET metadata = metadata #- '{criteria,sellerKey}' WHERE metadata -> 'criteria' ->> 'sellerKey' = $1`,
      [key],
    );
    const retained = ordersAsSellerUnlinked + listingsUnlinked;
    return {
      subgraph: 'analytics',
      erased: interactions + ordersAsBuyer,
      retained,
      reason: retained
        ? 'listings and orders the user sold stay for market statistics, with the seller pseudonym removed'
        : null,
      details: { interactions, ordersAsBuyer, ordersAsSellerUnlinked, listingsUnlinked },
    };
  });
}

export interface AnalyticsExport {
  subgraph: 'analytics';
  /** The user's pseudonym in analytics (an HMAC of their id). */
  userKey: string;
  interactions: Array<{
    type: string;
    listingId: string | null;
    sessionId: string | null;
    metadata: unknown;
    occurredAt: string;
  }>;
  orders: Array<{
    orderId: string;
    listingId: string;
    quantityKg: string;
    total: string;
    placedAt: string;
    cancelledAt: string | null;
  }>;
  listings: Array<{ listingId: string; productType: string; province: string; pricePerKg: string; status: string }>;
}

/** Everything analytics holds on one data subject (access request), oldest first. */
export async function exportSubject(
  deps: Pick<SubgraphDeps, 'db' | 'config'>,
  userId: string,
): Promise<AnalyticsExport> {
  const key = pseudonymise(deps.config.PSEUDONYM_SECRET, userId);
  const db = deps.db.dataSource;
  const [interactions, orders, listings] = await Promise.all([
    db.query(
      `SELECT type, listing_id::text AS "listingId", session_id AS "sessionId", metadata, occurred_at AS "occurredAt"
         FROM analytics.interactions WHERE user_key = $1 ORDER BY occurred_at, id`,
      [key],
    ),
    db.query(
      `SELECT order_id::text AS "orderId", listing_id::text AS "listingId", quantity_kg::text AS "quantityKg", total::text AS total,
              placed_at AS "placedAt", cancelled_at AS "cancelledAt"
         FROM analytics.orders WHERE buyer_key = $1 ORDER BY placed_at, order_id`,
      [key],
    ),
    db.query(
      `SELECT listing_id::text AS "listingId", product_type AS "productType", province, price_per_kg::text AS "pricePerKg", status
         FROM analytics.listings WHERE seller_key = $1 ORDER BY created_at, listing_id`,
      [key],
    ),
  ]);
  const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
  return {
    subgraph: 'analytics',
    userKey: key,
    interactions: interactions.map((r: any) => ({ ...r, occurredAt: iso(r.occurredAt) })),
    orders: orders.map((r: any) => ({ ...r, placedAt: iso(r.placedAt), cancelledAt: iso(r.cancelledAt) })),
    listings,
  };
}

/** Deletes interactions and order rows older than the retention period, and external offers too old for the price index; returns what it removed. */
export async function purgeExpired(
  db: DataSource,
  retentionDays: number,
  now = new Date(),
): Promise<{ interactions: number; orders: number; externalOffers: number }> {
  // Whole hours, so the hourly rollup loses exactly the rows the log loses.
  const cutoff = new Date(Math.floor((now.getTime() - retentionDays * 86_400_000) / 3_600_000) * 3_600_000);
  const interactions = await deleteInteractions(db, 'occurred_at < $1', [cutoff]);
  await db.query(`DELETE FROM analytics.interaction_rollup_hourly WHERE bucket < $1`, [cutoff]);
  // a day the cutoff cuts through keeps its row (counted down above); wholly older days go
  await db.query(`DELETE FROM analytics.interaction_rollup_daily WHERE bucket <= $1::timestamptz - interval '1 day'`, [
    cutoff,
  ]);
  const orders = await count(db, `DELETE FROM analytics.orders WHERE placed_at < $1`, [cutoff]);
  // Offers past the price index's window are never read again.
  const externalOffers = await count(db, `DELETE FROM analytics.external_offers WHERE fetched_at < $1`, [
    new Date(now.getTime() - EXTERNAL_OFFER_MAX_AGE_DAYS * 86_400_000),
  ]);
  return { interactions, orders, externalOffers };
}

/** Runs the retention purge every `intervalSeconds` (0: never); returns the stop function. */
export function startRetentionPurge(deps: Pick<SubgraphDeps, 'db' | 'config' | 'log'>): () => Promise<void> {
  const intervalSeconds = deps.config.analyticsPurgeIntervalSeconds;
  if (intervalSeconds <= 0) return async () => undefined;
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = purgeExpired(deps.db.dataSource, deps.config.ANALYTICS_RETENTION_DAYS)
      .then((removed) =>
        deps.log.info({ ...removed, retentionDays: deps.config.ANALYTICS_RETENTION_DAYS }, 'analytics retention purge'),
      )
      .catch((err) => deps.log.error({ err }, 'analytics retention purge failed'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, intervalSeconds * 1000);
  timer.unref();
  tick();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/**
 * The data-subject functions bound to this service's dependencies, for the internal route of the
 * data-subject request orchestration: `eraseSubject(userId)` and `exportSubject(userId)`.
 */
export function createPrivacyService(deps: Pick<SubgraphDeps, 'db' | 'config'>) {
  return {
    eraseSubject: (userId: string) => eraseSubject(deps, userId),
    exportSubject: (userId: string) => exportSubject(deps, userId),
  };
}
