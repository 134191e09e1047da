import { ListingStatus } from '../listing/listing-status';
import { QUALITY } from './match.scoring';

/** Rows the pilot reads per range (the cheapest): enough that its K-th best is close to the real K-th. */
export const PILOT_PER_RANGE = 6;
/**
 * Slack on the pruning bound, far above float8 rounding in a five-term sum (about 1e-16): a row is
 * read when its upper bound is within this of the threshold, so rounding can only widen the scan.
 */
const SCORE_SLACK = 1e-9;

/** The score of listing `l` (seller_stats `s`), term by term as match.scoring.ts sums it. */
const SCORE = `( $4::float8 * GREATEST(0, LEAST(1, 1 - l.match_price / (2 * (SELECT price FROM ref))))
               + $5::float8 * ($9::float8[])[l.match_province]
               + $6::float8 * LEAST(1, l.match_available / $3::float8)
               + $7::float8 * ( ${QUALITY.certificationWeight}::float8 * l.match_certifications / ${QUALITY.certificationCap}
                              + ${QUALITY.trackRecordWeight}::float8 * LEAST(COALESCE(s.confirmed_orders, 0), ${QUALITY.trackRecordCap}) / ${QUALITY.trackRecordCap})
               + $8::float8 * l.social_impact_score )`;
/** The same with the track record at its cap: an upper bound read from the index alone. */
const SCORE_WITHOUT_SELLER = SCORE.replace(
  `LEAST(COALESCE(s.confirmed_orders, 0), ${QUALITY.trackRecordCap})`,
  `${QUALITY.trackRecordCap}`,
);

/** Every term but price at its highest in range `r` (province, certs, tier): quantity and track record at their caps. */
const REST = (r: string) => `( $5::float8 * ($9::float8[])[${r}.province] + $6::float8
           + $7::float8 * (${QUALITY.certificationWeight}::float8 * ${r}.certs / ${QUALITY.certificationCap} + ${QUALITY.trackRecordWeight}::float8)
           + $8::float8 * (${r}.tier + 1) / 10.0::float8 )`;

/** The threshold, once per statement (an InitPlan: a join with the CTE would be rescanned per row). */
const T = `(SELECT t FROM threshold)`;

/** What the statement returns per listing: all that scoring reads (match.candidates.ts), from the index and seller_stats. */
const CANDIDATE = `l.id, l.match_price, l.match_available, l.match_province, l.match_certifications, l.social_impact_score,
           l.created_at, COALESCE(s.confirmed_orders, 0) AS confirmed_orders, ${SCORE} AS score`;

/** The listings a request may be matched with, within range `r`. */
const IN_RANGE = (r: string) => `l.product_type = $1 AND l.status = '${ListingStatus.ACTIVE}' AND l.available_kg > 0
           AND l.match_province = ${r}.province AND l.match_certifications = ${r}.certs AND l.match_impact_tier = ${r}.tier
           AND l.match_price <= COALESCE($2::float8, 'Infinity')
           AND l.seller_id <> $10::uuid`;

/**
 * The SQL pre-selection: only ACTIVE listings with stock of the product type, at or under the
 * buyer's maximum price, not the buyer's own, ranked by the same weighted score the service
 * computes, cut to the top K, with what scoring reads of them (never the table's rows: the service
 * reads the full rows of the few it keeps, match.candidates.ts).
 *
 * Reference price (no maximum, no pooled reference given): the stored median when
 * listings.price_reference says it is current in this statement's snapshot, else computed here;
 * the last row reports which, so the caller can store it (match.reference-price.ts).
 *
 * Pruning, exact. listings_match_tiers_idx has one range per (province p, certifications c, impact
 * tier t), ordered by price; listings.match_ranges lists every range that has held a matchable
 * listing of the type (written in the listing's own transaction), so visiting those visits every
 * row. Within a range every term but price is at most
 *   rest = w_distance × D[p] + w_quantity + w_quality × (0.6 × c / 3 + 0.4) + w_social × (t + 1) / 10
 * (quantity and the track record at their caps, social impact under its tier's ceiling; every
 * weight ≥ 0), so a row scores at most rest + w_price × (1 − price / (2 × reference)), which falls
 * as the price rises. For a threshold T, the rows whose bound is below T − SCORE_SLACK score below
 * T and need not be read.
 *
 * The statement reads (1) the pilot: the $14 cheapest rows (by price, id) of every range, and (2) in
 * each range the pilot did not exhaust, the rows after those whose bound reaches T (and whose score
 * with the track record at its cap does too). If the K-th best row read scores ≥ T, every
 * row not read scores below that K-th, so the top K, ties included (equal scores are all ≥ T, all
 * read), is exactly what reading every row gives. T is $13 when given, else the pilot's K-th best
 * score: the pilot's rows are real candidates and are all kept, so the check holds by construction;
 * with fewer than K pilot rows T is −Infinity (every row read). The last row reports the T used;
 * selectCandidates checks it and, if it ever failed, runs again with the K-th score as T.
 *
 * $1 product type, $2 max price or null, $3 requested kg, $4..$8 normalised weights (price,
 * distance, quantity, quality, social impact), $9 distance score per match_province, $10 buyer,
 * $11 K, $12 the price reference when already known (the pooled median with external offers), or
 * null, $13 the threshold or null (the pilot's), $14 the pilot's rows per range.
 *
 * The last row has a null id and carries the reference and T, so it is there even without candidates.
 */
export const CANDIDATES_SQL = `
  WITH stored AS (
    SELECT r.median, r.version, r.listing_count, r.computed_version = r.version AS fresh
      FROM listings.price_reference r WHERE r.product_type = $1
  ), computed AS (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m.match_price) AS median, count(*)::int AS n
      FROM listings.listings m
     WHERE m.product_type = $1 AND m.status = '${ListingStatus.ACTIVE}' AND m.available_kg > 0
       AND $2::float8 IS NULL AND $12::float8 IS NULL AND (SELECT fresh FROM stored) IS NOT TRUE
  ), ref AS (
    SELECT COALESCE($2::float8, $12::float8,
             CASE WHEN (SELECT fresh FROM stored) THEN (SELECT median FROM stored) ELSE (SELECT median FROM computed) END) AS price,
           ($2::float8 IS NULL AND $12::float8 IS NULL AND (SELECT fresh FROM stored) IS NOT TRUE) AS computed,
           (SELECT version FROM stored) AS version,
           CASE WHEN (SELECT fresh FROM stored) THEN (SELECT listing_count FROM stored) ELSE (SELECT n FROM computed) END AS listing_count
  ), ranges AS (
    SELECT province, certs, tier FROM listings.match_ranges WHERE product_type = $1
  ), pilot_rows AS MATERIALIZED (
    -- Only the index: a LATERAL per range is a plain LIMIT over one index range.
    SELECT r.province, r.certs, r.tier, x.*
      FROM ranges r CROSS JOIN LATERAL (
        SELECT l.id, l.seller_id, l.match_price, l.match_province, l.match_available, l.match_certifications,
               l.social_impact_score, l.created_at
          FROM listings.listings l
         WHERE ${IN_RANGE('r')}
         ORDER BY l.match_price, l.id LIMIT $14
      ) x
     WHERE (SELECT price FROM ref) IS NOT NULL
  ), pilot AS MATERIALIZED (
    SELECT ${CANDIDATE} FROM pilot_rows l LEFT JOIN listings.seller_stats s ON s.seller_id = l.seller_id
  ), threshold AS (
    SELECT COALESCE($13::float8, (SELECT score FROM pilot ORDER BY score DESC OFFSET $11 - 1 LIMIT 1), '-Infinity') AS t
  ), resume AS (
    -- The ranges the pilot did not exhaust, and the highest price whose bound reaches T there; with
    -- a zero price weight a range is all or nothing.
    SELECT p.province, p.certs, p.tier, p.last_price,
           CASE WHEN ${T} = '-Infinity' OR ${REST('p')} >= ${T} - ${SCORE_SLACK} THEN 'Infinity'::float8
                WHEN $4::float8 = 0 THEN NULL
                ELSE 2 * (SELECT price FROM ref) * (1 - (${T} - ${SCORE_SLACK} - ${REST('p')}) / $4::float8) * (1 + 1e-9) + 1e-9 END AS max_price
      FROM (SELECT province, certs, tier, max(match_price) AS last_price
              FROM pilot_rows GROUP BY province, certs, tier HAVING count(*) = $14) p
  ), top AS (
    SELECT * FROM pilot
    UNION ALL
    -- The rows after the pilot's: in (price, id) order the pilot read the first $14 of the same rows.
    SELECT ${CANDIDATE}
      FROM resume r CROSS JOIN LATERAL (
        SELECT l.id, l.seller_id, l.match_price, l.match_province, l.match_available, l.match_certifications,
               l.social_impact_score, l.created_at
          FROM listings.listings l
         WHERE ${IN_RANGE('r')} AND l.match_price <= r.max_price
         ORDER BY l.match_price, l.id OFFSET $14
      ) l
      LEFT JOIN listings.seller_stats s ON s.seller_id = l.seller_id
     WHERE r.max_price > r.last_price AND ${SCORE_WITHOUT_SELLER} >= ${T} - ${SCORE_SLACK}
     ORDER BY score DESC, match_price ASC, created_at ASC, id ASC
     LIMIT $11
  )
  SELECT *, NULL::float8 AS reference_price, NULL::bool AS reference_computed, NULL::bigint AS reference_version,
         NULL::int AS reference_count, NULL::float8 AS threshold
    FROM top
  UNION ALL
  SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, price, computed, version, listing_count, (SELECT t FROM threshold)
    FROM ref`;
