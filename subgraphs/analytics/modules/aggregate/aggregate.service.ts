import type { DataSource } from 'typeorm';
import { BadUserInputError } from '#platform/infra/errors';
import { ProductType } from '#platform/infra/schema/shared-types';
import { InteractionType } from '../interaction/interaction-type';
import { Granularity, type InteractionAnalytics, type ProductTypeCount, type SeriesPoint } from './aggregate.type';

export const MAX_RANGE_DAYS = 366;
export const MAX_HOUR_BUCKETS = 24 * 93;
const TOP_PRODUCT_TYPES = 8;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const TYPES = Object.values(InteractionType);

/** Start of the UTC hour/day that holds `at`. */
export function bucketStart(at: Date, granularity: Granularity): Date {
  const ms = granularity === Granularity.HOUR ? HOUR_MS : DAY_MS;
  return new Date(Math.floor(at.getTime() / ms) * ms);
}

/** Every bucket that overlaps [from, to), oldest first. */
export function bucketsOf(from: Date, to: Date, granularity: Granularity): Date[] {
  const step = granularity === Granularity.HOUR ? HOUR_MS : DAY_MS;
  const out: Date[] = [];
  for (let t = bucketStart(from, granularity).getTime(); t < to.getTime(); t += step) out.push(new Date(t));
  return out;
}

/** The range must be ordered and bounded, so one request cannot ask for an unbounded scan or series. */
export function validateRange(from: Date, to: Date, granularity: Granularity): void {
  if (Number.isNaN(from.getTime())) throw new BadUserInputError('from is not a valid time', 'from');
  if (Number.isNaN(to.getTime())) throw new BadUserInputError('to is not a valid time', 'to');
  if (to.getTime() <= from.getTime()) throw new BadUserInputError('to must be after from', 'to');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS)
    throw new BadUserInputError(`the range may span at most ${MAX_RANGE_DAYS} days`, 'to');
  if (granularity === Granularity.HOUR && bucketsOf(from, to, granularity).length > MAX_HOUR_BUCKETS) {
    throw new BadUserInputError(`an HOUR series may have at most ${MAX_HOUR_BUCKETS} buckets (93 days)`, 'granularity');
  }
}

const PRODUCT_TYPES = new Set<string>(Object.values(ProductType));

/**
 * Whole UTC hours inside [from, to) come from the hourly rollup; the partial hours at either edge
 * from the log itself. A range within one hour is read from the log alone.
 */
export function splitRange(from: Date, to: Date): { wholeFrom: Date; wholeTo: Date } {
  const wholeFrom = new Date(Math.ceil(from.getTime() / HOUR_MS) * HOUR_MS);
  const wholeTo = new Date(Math.floor(to.getTime() / HOUR_MS) * HOUR_MS);
  return wholeFrom < wholeTo ? { wholeFrom, wholeTo } : { wholeFrom: to, wholeTo: to };
}

/**
 * Whole UTC days inside the whole hours [wholeFrom, wholeTo) come from the daily rollup, the rest
 * from the hourly one. Without a whole day inside, the day range is empty (at wholeTo).
 */
export function splitDays(wholeFrom: Date, wholeTo: Date): { dayFrom: Date; dayTo: Date } {
  const dayFrom = new Date(Math.ceil(wholeFrom.getTime() / DAY_MS) * DAY_MS);
  const dayTo = new Date(Math.floor(wholeTo.getTime() / DAY_MS) * DAY_MS);
  return dayFrom < dayTo ? { dayFrom, dayTo } : { dayFrom: wholeTo, dayTo: wholeTo };
}

/**
 * Counts by (hour, type, product type) for [from, to): rollup rows for whole hours, log rows for the
 * edges. The hourly-only plan; the service reads ROLLUP_COUNTS (bench/analytics.bench.ts explains this one).
 */
export const COUNTS = `
  SELECT bucket AS at, type, product_type, count FROM analytics.interaction_rollup_hourly WHERE bucket >= $3 AND bucket < $4
  UNION ALL
  SELECT occurred_at, type, COALESCE(product_type, ''), 1 FROM analytics.interactions
   WHERE (occurred_at >= $1 AND occurred_at < $3) OR (occurred_at >= $4 AND occurred_at < $2)`;

/**
 * Counts by (start, type, product type) for [from, to): daily rows for the whole days [$5, $6),
 * hourly rows for the other whole hours, log rows for the partial hours at the edges. A row's
 * start lies in its own day, so grouping by day (or, with an empty day range, by hour) is exact.
 */
export const ROLLUP_COUNTS = `
  SELECT bucket AS at, type, product_type, count FROM analytics.interaction_rollup_daily WHERE bucket >= $5 AND bucket < $6
  UNION ALL
  SELECT bucket, type, product_type, count FROM analytics.interaction_rollup_hourly
   WHERE (bucket >= $3 AND bucket < $5) OR (bucket >= $6 AND bucket < $4)
  UNION ALL
  SELECT occurred_at, type, COALESCE(product_type, ''), 1 FROM analytics.interactions
   WHERE (occurred_at >= $1 AND occurred_at < $3) OR (occurred_at >= $4 AND occurred_at < $2)`;

/** The parameters of ROLLUP_COUNTS; `days: false` (an hourly series) reads no daily rows. */
export function rollupParams(from: Date, to: Date, days: boolean): Date[] {
  const { wholeFrom, wholeTo } = splitRange(from, to);
  const { dayFrom, dayTo } = days ? splitDays(wholeFrom, wholeTo) : { dayFrom: wholeTo, dayTo: wholeTo };
  return [from, to, wholeFrom, wholeTo, dayFrom, dayTo];
}

/** What interactionAnalytics resolves at once; the other fields are computed only when selected. */
export type InteractionCounts = Pick<InteractionAnalytics, 'totals' | 'series' | 'funnel'> & {
  range: { from: Date; to: Date };
};

/**
 * The series, totals and funnel of interactionAnalytics in one statement over the rollups (daily
 * rows for a DAY series, hourly rows for the rest, the log for partial hours at the edges).
 */
export async function interactionCounts(
  db: DataSource,
  from: Date,
  to: Date,
  granularity: Granularity,
): Promise<InteractionCounts> {
  validateRange(from, to, granularity);
  const unit = granularity === Granularity.HOUR ? 'hour' : 'day';
  const counts = (await db.query(
    `SELECT date_trunc('${unit}', at, 'UTC') AS bucket, type, sum(count)::int AS count FROM (${ROLLUP_COUNTS}) c
      GROUP BY 1, 2 HAVING sum(count) > 0`,
    rollupParams(from, to, granularity === Granularity.DAY),
  )) as Array<{ bucket: Date | string; type: InteractionType; count: number }>;

  const byBucket = new Map<string, number>();
  const totals = new Map<InteractionType, number>(TYPES.map((t) => [t, 0]));
  for (const row of counts) {
    if (!totals.has(row.type)) continue; // a type this build does not know is not reported
    byBucket.set(`${new Date(row.bucket).getTime()}|${row.type}`, row.count);
    totals.set(row.type, (totals.get(row.type) ?? 0) + row.count);
  }
  const series: SeriesPoint[] = [];
  for (const bucket of bucketsOf(from, to, granularity)) {
    for (const type of TYPES) series.push({ bucket, type, count: byBucket.get(`${bucket.getTime()}|${type}`) ?? 0 });
  }
  const total = (t: InteractionType) => totals.get(t) ?? 0;
  const searches = total(InteractionType.SEARCH);
  const orderCount = total(InteractionType.ORDER);
  return {
    range: { from, to },
    totals: TYPES.map((type) => ({ type, count: total(type) })),
    series,
    funnel: {
      searches,
      matchRequests: total(InteractionType.MATCH_REQUEST),
      listingViews: total(InteractionType.LISTING_VIEW),
      orders: orderCount,
      conversionRate: searches === 0 ? 0 : orderCount / searches,
    },
  };
}

/** The product types searches and match requests asked for in [from, to), most asked first. */
export async function topSearchedProductTypes(db: DataSource, from: Date, to: Date): Promise<ProductTypeCount[]> {
  const products = (await db.query(
    `SELECT product_type, sum(count)::int AS count FROM (${ROLLUP_COUNTS}) c
      WHERE type IN ('SEARCH', 'MATCH_REQUEST') AND product_type <> ''
      GROUP BY 1 HAVING sum(count) > 0 ORDER BY 2 DESC, 1 LIMIT ${TOP_PRODUCT_TYPES}`,
    rollupParams(from, to, true),
  )) as Array<{ product_type: string; count: number }>;
  return products
    .filter((p) => PRODUCT_TYPES.has(p.product_type))
    .map((p) => ({ productType: p.product_type as ProductType, count: p.count }));
}

/**
 * Share of the orders in [from, to) placed on listings with social impact: the orders in the log
 * (index on `(type, occurred_at)` covering `listing_id`) joined to the listing read model as it stands now.
 */
export async function socialImpactOrderShare(db: DataSource, from: Date, to: Date): Promise<number> {
  const [row] = (await db.query(
    `SELECT count(*)::int AS orders, count(*) FILTER (WHERE l.social_impact_score > 0)::int AS social
       FROM analytics.interactions i LEFT JOIN analytics.listings l ON l.listing_id = i.listing_id
      WHERE i.type = 'ORDER' AND i.occurred_at >= $1 AND i.occurred_at < $2`,
    [from, to],
  )) as Array<{ orders: number; social: number }>;
  return !row || row.orders === 0 ? 0 : row.social / row.orders;
}

/** Every field of interactionAnalytics at once (three statements; the API computes the last two only when asked). */
export async function interactionAnalytics(
  db: DataSource,
  from: Date,
  to: Date,
  granularity: Granularity,
): Promise<InteractionAnalytics> {
  const [counts, products, share] = await Promise.all([
    interactionCounts(db, from, to, granularity),
    topSearchedProductTypes(db, from, to),
    socialImpactOrderShare(db, from, to),
  ]);
  return { ...counts, topSearchedProductTypes: products, socialImpactOrderShare: share };
}
