import type { DataSource } from 'typeorm';
import type { Viewer } from '#platform/infra/auth/viewer';
import { isAdmin } from '#platform/infra/auth/viewer';
import { BadUserInputError } from '#platform/infra/errors';
import { decodeCursor, encodeCursor, type CursorKind } from '#platform/infra/schema/connection';
import { isUuid } from '#platform/infra/schema/ids';
import { ListingSort, ListingStatus } from './listing-status';
import type { ListingEntity } from './listing.entity';
import type { ListingFilter } from './listing.input';
import { pooledQuery, preparedQuery } from '#platform/infra/db/prepared';

/**
 * The catalogue (`Query.listings`) in plain SQL, shaped so PostgreSQL's cost stays flat in the size
 * of the catalogue:
 *  - the visibility rule "ACTIVE, or the viewer's own in any status" is an OR across two indexes,
 *    which PostgreSQL can only answer by scanning; so a signed-in viewer's page is two index range
 *    scans (the public index path `status = ACTIVE`, the viewer's own non-ACTIVE listings by
 *    `seller_id`) merged by a UNION ALL in one statement, each stopping after `first + 1` rows;
 *  - `totalCount` is counted only when selected: from the first page when it holds everything, else
 *    the planner's estimate when that is far above EXACT_COUNT_LIMIT, else a count bounded by
 *    EXACT_COUNT_LIMIT + 1 rows, estimated above it (catalogueCount; docs/performance.md);
 *  - rows come back as plain objects: no entity hydration on the hot path;
 *  - without free text the statements are prepared (platform/infra/db/prepared.ts): parsed and planned
 *    once per connection. With free text each is planned for its words (a generic plan cannot know
 *    how common a word is), on a pool beside the prepared one with the same planner costs
 *    (pooledQuery, INDEX_READ_RANDOM_PAGE_COST).
 */

export const EXACT_COUNT_LIMIT = 1000;

const MAX_SEARCH_TEXT = 200;
const MONEY = /^\d{1,10}(\.\d{1,2})?$/;

// The timestamps as epoch milliseconds (the columns are timestamptz(3)): the driver's parse of a
// timestamp's text was 2-3 % of a catalogue request's subgraph CPU, a float8 costs next to nothing.
const CREATED_MS = `(extract(epoch FROM created_at) * 1000)::float8 AS created_ms`;
const UPDATED_MS = `(extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms`;

/**
 * The columns each field of `Listing` is made from (toListing). A page reads only the columns of
 * the fields selected under `edges.node`, plus `id` and the sort's column (the cursor): decoding
 * the columns nobody asked for (a description's text, the certifications' array) was the largest
 * part of the driver's work on a catalogue page. A field missing here reads every column, so a new
 * field is never served from a column that was not read.
 */
export const LISTING_FIELD_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  __typename: [],
  id: [],
  seller: ['seller_id'],
  title: ['title'],
  description: ['description'],
  productType: ['product_type'],
  quantityKg: ['quantity_kg'],
  availableKg: ['available_kg'],
  pricePerKg: ['price_per_kg'],
  province: ['province'],
  certifications: ['certifications'],
  socialImpact: [
    'small_scale_farmer',
    'women_owned',
    'youth_owned',
    'community_owned',
    'bee_level',
    'social_impact_score',
  ],
  status: ['status'],
  createdAt: [CREATED_MS],
  updatedAt: [UPDATED_MS],
};

const ALL_COLUMNS = ['id', ...new Set(Object.values(LISTING_FIELD_COLUMNS).flat())];
const SORT_COLUMN_EXPRESSION: Record<string, string> = { created_ms: CREATED_MS };

/** The SELECT list for a page whose nodes select `fields` (null: every column), sorted by `sort`. */
export function pageColumns(fields: ReadonlySet<string> | null, sort: ListingSort): string {
  const output = SORTS[sort].output;
  if (!fields || [...fields].some((f) => !Object.hasOwn(LISTING_FIELD_COLUMNS, f))) return ALL_COLUMNS.join(', ');
  const wanted = new Set(['id', SORT_COLUMN_EXPRESSION[output] ?? output]);
  for (const f of fields) for (const c of LISTING_FIELD_COLUMNS[f]) wanted.add(c);
  // in ALL_COLUMNS' order: one statement text per set of columns, whatever the selection's order
  return ALL_COLUMNS.filter((c) => wanted.has(c)).join(', ');
}

const SORTS: Record<
  ListingSort,
  {
    column: string;
    /** The column as the page's output names it (ordering a UNION of branches). */
    output: string;
    direction: 'ASC' | 'DESC';
    cast: string;
    kind: CursorKind;
    value: (l: ListingEntity) => string | number;
  }
> = {
  NEWEST: {
    column: 'created_at',
    output: 'created_ms',
    direction: 'DESC',
    cast: 'timestamptz',
    kind: 'timestamp',
    value: (l) => l.createdAt.toISOString(),
  },
  PRICE_ASC: {
    column: 'price_per_kg',
    output: 'price_per_kg',
    direction: 'ASC',
    cast: 'numeric',
    kind: 'decimal',
    value: (l) => l.pricePerKg,
  },
  PRICE_DESC: {
    column: 'price_per_kg',
    output: 'price_per_kg',
    direction: 'DESC',
    cast: 'numeric',
    kind: 'decimal',
    value: (l) => l.pricePerKg,
  },
  SOCIAL_IMPACT: {
    column: 'social_impact_score',
    output: 'social_impact_score',
    direction: 'DESC',
    cast: 'real',
    kind: 'real',
    value: (l) => l.socialImpactScore,
  },
};

export function listingCursor(sort: ListingSort, row: ListingEntity): string {
  return encodeCursor([SORTS[sort].value(row), row.id]);
}

/** Positional parameters for one statement. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function money(value: string | undefined | null, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!MONEY.test(value))
    throw new BadUserInputError(`${field} must be a decimal amount with at most two places`, `filter.${field}`);
  return value;
}

/**
 * The tsquery for a search's text: `websearch_to_tsquery` (which never fails on user syntax:
 * "quoted phrases", -exclusions, OR), with each hyphenated word's phrase reduced to the word itself.
 *
 * The parser indexes "cold-pressed" as the compound and its parts at consecutive positions
 * (`'cold-press':1 'cold':2 'press':3`), and asks for the same as a phrase
 * (`'cold-press' <-> 'cold' <-> 'press'`). The planner estimates a phrase as if its words were
 * independent: 360 of the 11,253 HEMP_SEED listings at 1M, so it chose to read every match and
 * sort them (10,873 heap pages, 70-400 ms) instead of walking the newest listings until 21 match
 * (237 rows, under 6 ms). The compound alone matches the same listings (its parts always follow
 * it), is estimated from its own statistics (17,794) and needs no recheck of positions. Only a
 * phrase made of exactly a compound of two or three parts followed by those parts, not joined to
 * another word by a phrase operator, is reduced (a part that stemming changed, as in
 * "organic-certified", or a stop word leaves the phrase as it was). Immutable throughout, so the
 * planner folds it to a constant for a statement planned for its value.
 */
export function searchQuery(param: string): string {
  const query = `websearch_to_tsquery('english', ${param})::text`;
  // the n-th captured piece of the compound, quoted as tsquery's text form quotes a lexeme (a lexeme
  // with a quote in it has the quote doubled, which [^'] never matches: such words stay phrases)
  const part = (n: number) => `'\\${n}'`;
  const before = `(^|[&|!(] ?)`;
  const after = `(?=$| [&|]|\\s*\\))`;
  const three = `${before}'([^'-]+)-([^'-]+)-([^'-]+)' <-> ${part(2)} <-> ${part(3)} <-> ${part(4)}${after}`;
  const two = `${before}'([^'-]+)-([^'-]+)' <-> ${part(2)} <-> ${part(3)}${after}`;
  return `regexp_replace(regexp_replace(${query}, $re$${three}$re$, $s$\\1'\\2-\\3-\\4'$s$, 'g'), $re$${two}$re$, $s$\\1'\\2-\\3'$s$, 'g')::tsquery`;
}

/** The filter's own conditions, without visibility. Validation errors are BAD_USER_INPUT on the field. */
function filterConditions(f: ListingFilter, p: Params): string[] {
  const where: string[] = [];
  if (f.productType) where.push(`product_type = ${p.add(f.productType)}`);
  if (f.province) where.push(`province = ${p.add(f.province)}`);
  const min = money(f.minPricePerKg, 'minPricePerKg');
  const max = money(f.maxPricePerKg, 'maxPricePerKg');
  if (min !== undefined) where.push(`price_per_kg >= ${p.add(min)}::numeric`);
  if (max !== undefined) where.push(`price_per_kg <= ${p.add(max)}::numeric`);
  if (f.minAvailableKg !== undefined && f.minAvailableKg !== null) {
    if (!Number.isFinite(f.minAvailableKg) || f.minAvailableKg < 0)
      throw new BadUserInputError('minAvailableKg must be zero or more', 'filter.minAvailableKg');
    where.push(`available_kg >= ${p.add(f.minAvailableKg)}`);
  }
  if (f.text !== undefined && f.text !== null) {
    const text = f.text.trim();
    if (text.length > MAX_SEARCH_TEXT)
      throw new BadUserInputError(`text must be at most ${MAX_SEARCH_TEXT} characters`, 'filter.text');
    if (text) where.push(`search @@ ${searchQuery(p.add(text))}`);
  }
  if (f.socialImpactOnly) where.push('social_impact_score > 0');
  if (f.sellerId !== undefined && f.sellerId !== null) {
    if (!isUuid(f.sellerId)) throw new BadUserInputError('sellerId is not a valid id', 'filter.sellerId');
    where.push(`seller_id = ${p.add(f.sellerId)}`);
  }
  if (f.status) where.push(`status = ${p.add(f.status)}`);
  return where;
}

/**
 * The index paths a viewer's visible rows come from: one for anonymous callers, admins and a filter
 * that already pins the status or another seller; two (public + own) otherwise.
 */
function visibilityBranches(f: ListingFilter, viewer: Viewer | null, p: Params): string[][] {
  if (isAdmin(viewer)) return [[]];
  // 'ACTIVE' is written as a literal so the planner can match the partial indexes on status.
  const publicOnly = [`status = 'ACTIVE'`];
  if (!viewer || f.status === ListingStatus.ACTIVE || (f.sellerId && f.sellerId !== viewer.userId)) return [publicOnly];
  // A filter on a status other than ACTIVE leaves only the viewer's own rows.
  if (f.status) return [[`seller_id = ${p.add(viewer.userId)}`, `status <> 'ACTIVE'`]];
  return [publicOnly, [`seller_id = ${p.add(viewer.userId)}`, `status <> 'ACTIVE'`]];
}

interface CataloguePlan {
  /** Full WHERE per branch (filter + visibility), sharing one parameter list. */
  branches: string[];
  params: Params;
}

function plan(
  filter: ListingFilter | undefined,
  viewer: Viewer | null,
  extra?: (p: Params) => string[],
): CataloguePlan {
  const f = filter ?? {};
  const params = new Params();
  const common = filterConditions(f, params);
  const more = extra ? extra(params) : [];
  const branches = visibilityBranches(f, viewer, params).map((b) => [...common, ...more, ...b].join(' AND ') || 'TRUE');
  return { branches, params };
}

interface ListingRow {
  id: string;
  seller_id: string;
  title: string;
  description: string | null;
  product_type: string;
  quantity_kg: string | number;
  available_kg: string | number;
  price_per_kg: string | number;
  province: string;
  certifications: string[];
  small_scale_farmer: boolean;
  women_owned: boolean;
  youth_owned: boolean;
  community_owned: boolean;
  bee_level: number | null;
  social_impact_score: number | string;
  status: string;
  created_ms: number | string;
  updated_ms: number | string;
}

/**
 * A row as the entity: every column the statement read (pageColumns). A column it did not read
 * leaves its property undefined; its field was not selected, so nothing reads it.
 */
function toEntity(r: ListingRow): ListingEntity {
  return {
    id: r.id,
    sellerId: r.seller_id,
    title: r.title,
    description: r.description,
    productType: r.product_type,
    quantityKg: r.quantity_kg === undefined ? undefined : String(r.quantity_kg),
    availableKg: r.available_kg === undefined ? undefined : String(r.available_kg),
    pricePerKg: r.price_per_kg === undefined ? undefined : String(r.price_per_kg),
    province: r.province,
    certifications: r.certifications === undefined ? undefined : (r.certifications ?? []),
    smallScaleFarmer: r.small_scale_farmer,
    womenOwned: r.women_owned,
    youthOwned: r.youth_owned,
    communityOwned: r.community_owned,
    beeLevel: r.bee_level,
    socialImpactScore: r.social_impact_score === undefined ? undefined : Number(r.social_impact_score),
    status: r.status,
    createdAt: r.created_ms === undefined ? undefined : new Date(Number(r.created_ms)),
    updatedAt: r.updated_ms === undefined ? undefined : new Date(Number(r.updated_ms)),
  } as ListingEntity;
}

const run = <T>(dataSource: DataSource, filter: ListingFilter | undefined, sql: string, values: unknown[]) =>
  filter?.text ? pooledQuery<T>(dataSource, sql, values) : preparedQuery<T>(dataSource, sql, values);

/** One page (`limit + 1` rows, the extra one telling whether a next page exists) in one statement. */
export async function cataloguePage(
  dataSource: DataSource,
  args: {
    filter?: ListingFilter;
    viewer: Viewer | null;
    sort: ListingSort;
    after?: string | null;
    limit: number;
    /** The `Listing` fields the page's nodes select (selectedFieldsAt); null or absent: all of them. */
    fields?: ReadonlySet<string> | null;
  },
): Promise<ListingEntity[]> {
  const s = SORTS[args.sort];
  const cursor = decodeCursor(args.after, [s.kind, 'uuid'] as const);
  const { branches, params } = plan(args.filter, args.viewer, (p) => {
    if (!cursor) return [];
    const op = s.direction === 'DESC' ? '<' : '>';
    return [`(${s.column}, id) ${op} (${p.add(cursor[0])}::${s.cast}, ${p.add(cursor[1])}::uuid)`];
  });
  const limit = params.add(args.limit + 1);
  const order = `ORDER BY ${s.column} ${s.direction}, id ${s.direction} LIMIT ${limit}`;
  const columns = pageColumns(args.fields ?? null, args.sort);
  const select = (where: string) => `SELECT ${columns} FROM listings.listings WHERE ${where} ${order}`;
  const sql =
    branches.length === 1
      ? select(branches[0])
      : `${branches.map((b) => `(${select(b)})`).join(' UNION ALL ')} ORDER BY ${s.output} ${s.direction}, id ${s.direction} LIMIT ${limit}`;
  const rows = await run<ListingRow>(dataSource, args.filter, sql, params.values);
  return rows.map(toEntity);
}

/**
 * When the planner expects more than this many times the exact-count limit, its estimate is the
 * answer and nothing is counted: a bounded count reads limit + 1 rows (about 0.7 ms of PostgreSQL
 * CPU at 1,001 rows, the largest part of a catalogue request's), only to learn that there are
 * more. The planner's row estimates for the catalogue's predicates are within a small factor of
 * the truth: equalities and ranges from the column statistics, product type × province × status
 * from their extended statistics (a combination that never occurs is not estimated as common), a
 * word from the text statistics. A filter on one seller is always counted: its estimate is the
 * average seller's, and sellers differ by far more than this factor.
 */
export const ESTIMATE_TRUSTED_ABOVE = 5;

/**
 * `totalCount`, cheapest first:
 *  1. the whole result fitted on the first page (`firstPage.rows` ≤ `firstPage.limit`): that is the
 *     count, exact, with no statement;
 *  2. the planner's estimate of the public branch (`EXPLAIN`, planning only) when it exceeds
 *     ESTIMATE_TRUSTED_ABOVE × (exactLimit + 1) and no seller is named: that estimate;
 *  3. otherwise a count of each branch that stops at exactLimit + 1 rows: exact when every branch
 *     stops short of it, else the estimate as in 2 (never below exactLimit + 1 nor below what was
 *     counted).
 */
export async function catalogueCount(
  dataSource: DataSource,
  args: {
    filter?: ListingFilter;
    viewer: Viewer | null;
    exactLimit?: number;
    /** Rows the first page held when no cursor was given (it fetches limit + 1): exact when ≤ limit. */
    firstPage?: { rows: number; limit: number };
  },
): Promise<{ count: number; estimated: boolean }> {
  if (args.firstPage && args.firstPage.rows <= args.firstPage.limit) {
    return { count: args.firstPage.rows, estimated: false };
  }
  const exactLimit = args.exactLimit ?? EXACT_COUNT_LIMIT;
  const floor = exactLimit + 1;
  const trustable = !args.filter?.sellerId;
  // The estimate is read for the filter's value bounds rounded inwards (estimateKey): a subset of
  // the filter's rows, so an estimate trusted for it holds for the filter too, and nearby bounds
  // share one remembered estimate.
  const rounded = plan(inwardBounds(args.filter), args.viewer);
  const key = trustable ? estimateKey(rounded.branches[0], rounded.params.values) : null;
  const remembered = key ? trustedEstimates.get(dataSource, key) : undefined;
  if (remembered !== undefined) return { count: remembered, estimated: true };
  const estimated = await estimateFirstBranch(dataSource, rounded.branches[0], rounded.params.values);
  if (key && estimated > ESTIMATE_TRUSTED_ABOVE * floor) {
    trustedEstimates.set(dataSource, key, Math.round(estimated));
    return { count: Math.round(estimated), estimated: true };
  }

  // Only now the filter's own plan: a remembered or trusted estimate never needed it.
  const { branches, params } = plan(args.filter, args.viewer);
  const cap = params.add(floor);
  const counted = branches.map(
    (b) => `(SELECT count(*) FROM (SELECT 1 FROM listings.listings WHERE ${b} LIMIT ${cap}) s)`,
  );
  const [row] = await run<Record<string, string>>(
    dataSource,
    args.filter,
    `SELECT ${counted.map((c, i) => `${c} AS c${i}`).join(', ')}`,
    params.values,
  );
  const counts = branches.map((_, i) => Number(row[`c${i}`]));
  const total = counts.reduce((a, b) => a + b, 0);
  // Every branch below its cap means every branch was counted whole.
  if (counts.every((c) => c <= exactLimit)) return { count: total, estimated: false };
  return { count: Math.max(floor, total, Math.round(estimated)), estimated: true };
}

/**
 * Trusted estimates (above ESTIMATE_TRUSTED_ABOVE × the limit) remembered per data source for
 * ESTIMATE_TTL_MS: an `EXPLAIN` costs about 0.25 ms of PostgreSQL CPU, the largest statement of a
 * catalogue request, and its answer only moves with the table's statistics (autovacuum's `ANALYZE`)
 * and size. An estimate is at most this much older than the statistics; below the trust threshold
 * nothing is remembered, so an exact count stays exact.
 */
export const ESTIMATE_TTL_MS = 10_000;
const ESTIMATES_KEPT = 5_000;

class TrustedEstimates {
  private readonly bySource = new WeakMap<DataSource, Map<string, { rows: number; until: number }>>();

  get(dataSource: DataSource, key: string): number | undefined {
    const entries = this.bySource.get(dataSource);
    const hit = entries?.get(key);
    if (!hit) return undefined;
    if (Date.now() < hit.until) return hit.rows;
    entries!.delete(key);
    return undefined;
  }

  set(dataSource: DataSource, key: string, rows: number): void {
    let entries = this.bySource.get(dataSource);
    if (!entries) this.bySource.set(dataSource, (entries = new Map()));
    // oldest first out: a Map iterates in insertion order
    if (entries.size >= ESTIMATES_KEPT) entries.delete(entries.keys().next().value as string);
    entries.set(key, { rows, until: Date.now() + ESTIMATE_TTL_MS });
  }
}

const trustedEstimates = new TrustedEstimates();

const estimateKey = (branch: string, values: unknown[]) =>
  `${branch}\u0000${JSON.stringify(values.slice(0, maxParam(branch)))}`;

/**
 * The filter with its numeric bounds rounded inwards to two significant figures (a minimum up, a
 * maximum down; money to whole cents): it selects a subset of the filter's rows, so a count or an
 * estimate above a threshold for it is above it for the filter too. Bounds that differ only past
 * the second figure (a price slider, 1,234 and 1,250) then share one remembered estimate.
 */
export function inwardBounds(filter: ListingFilter | undefined): ListingFilter | undefined {
  if (!filter) return filter;
  const out: ListingFilter = { ...filter };
  if (typeof filter.minAvailableKg === 'number' && Number.isFinite(filter.minAvailableKg))
    out.minAvailableKg = roundSignificant(filter.minAvailableKg, 'up');
  if (filter.minPricePerKg && MONEY.test(filter.minPricePerKg))
    out.minPricePerKg = roundSignificant(Number(filter.minPricePerKg), 'up', 0.01).toFixed(2);
  if (filter.maxPricePerKg && MONEY.test(filter.maxPricePerKg))
    out.maxPricePerKg = roundSignificant(Number(filter.maxPricePerKg), 'down', 0.01).toFixed(2);
  return out;
}

/** `x` rounded up or down to two significant figures, in steps of at least `minStep`. */
export function roundSignificant(x: number, direction: 'up' | 'down', minStep = 0): number {
  if (!(x > 0)) return x;
  const step = Math.max(10 ** (Math.floor(Math.log10(x)) - 1), minStep);
  const units = x / step;
  // a bound already on a step stays where it is (units like 12.000000001 are float noise)
  const near = Math.round(units);
  const whole = Math.abs(units - near) < 1e-9 ? near : direction === 'up' ? Math.ceil(units) : Math.floor(units);
  return Number((whole * step).toPrecision(12));
}

/**
 * The planner's row estimate (planning only, no rows read) for the first branch: the public one, or
 * the only one. A signed-in seller's own unlisted rows are left out of an estimate: a few beside
 * the thousands that make it an estimate.
 */
async function estimateFirstBranch(dataSource: DataSource, branch: string, values: unknown[]): Promise<number> {
  const [explained] = await dataSource.query(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM listings.listings WHERE ${branch}`,
    values.slice(0, maxParam(branch)),
  );
  return planRows(explained);
}

/** The highest $n a statement refers to: the parameters after it belong to other branches. */
function maxParam(sql: string): number {
  let max = 0;
  for (const m of sql.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]));
  return max;
}

/** The top plan node's row estimate from `EXPLAIN (FORMAT JSON)`, as pg and PGlite return it. */
function planRows(explained: Record<string, unknown>): number {
  const value = Object.values(explained)[0];
  const parsed = typeof value === 'string' ? JSON.parse(value) : value;
  const rows = (parsed as Array<{ Plan: { 'Plan Rows': number } }>)[0]?.Plan?.['Plan Rows'];
  return Number.isFinite(rows) ? Number(rows) : 0;
}
