import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

interface PgPool {
  options: Record<string, unknown> & { max?: number; options?: string };
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
  on(event: 'error', listener: (err: Error) => void): unknown;
  end(): Promise<void>;
}

const names = new Map<string, string>();
const MAX_NAMES = 2000;

/**
 * The pools beside each data source's own: `generic` for preparedQuery (one generic plan per
 * statement), `custom` for pooledQuery (planned for the values, as the data source's are). Both plan
 * with INDEX_READ_RANDOM_PAGE_COST.
 */
type PlanKind = 'generic' | 'custom';
const pools: Record<PlanKind, WeakMap<DataSource, PgPool>> = { generic: new WeakMap(), custom: new WeakMap() };

/**
 * A hot read as a named prepared statement on the PostgreSQL server, run on connections that keep
 * one generic plan per statement (`plan_cache_mode = force_generic_plan`): each connection parses
 * and plans it once and then only binds and executes.
 *
 * Left to itself PostgreSQL re-plans a prepared statement for every execution whenever the generic
 * plan's estimate looks dearer than the custom ones — and with a `LIMIT $n` or a range parameter it
 * always does, although the generic plan is the same index walk (measured on the catalogue page at
 * 1M listings: 7 executions, 7 custom plans, 0.15 ms planning for 0.04 ms of execution). The setting
 * is a session setting that would also reach every unnamed statement on the connection (TypeORM's),
 * where a plan for the actual values matters, so these statements get their own small pool instead
 * of the data source's.
 *
 * Every distinct text is one statement per connection, so only texts drawn from a small set belong
 * here (the catalogue's shapes: filters × sorts × visibility), never free text in the SQL, and only
 * statements whose best plan does not depend on the values (equality, keyset ranges, index order).
 *
 * The TypeORM logger still counts and logs it (tests assert statement counts; /metrics exports
 * them) and the pg instrumentation still traces it. On the embedded database (PGlite) it is an
 * ordinary query.
 */
export async function preparedQuery<T>(dataSource: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  const pool = poolFor(dataSource, 'generic');
  if (!pool) return dataSource.query(sql, params);
  return run(dataSource, pool, sql, params, statementName(sql));
}

/**
 * An unnamed statement, planned for its values every time, on a pool beside preparedQuery's that
 * plans with the same costs (INDEX_READ_RANDOM_PAGE_COST) but not with generic plans: for the
 * catalogue's statements with free text, whose best plan depends on how common the words are. On
 * the embedded database it is an ordinary query.
 */
export async function pooledQuery<T>(dataSource: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  const pool = poolFor(dataSource, 'custom');
  if (!pool) return dataSource.query(sql, params);
  return run(dataSource, pool, sql, params, undefined);
}

/**
 * preparedQuery inside a transaction, on the transaction's own connection (a statement prepared
 * there stays prepared for that pooled connection's next transactions). That connection plans as
 * the data source's do: a caller that wants the generic plan says `SET LOCAL plan_cache_mode`.
 */
export async function preparedQueryIn<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const client = (em.queryRunner as unknown as { databaseConnection?: Pick<PgPool, 'query'> } | undefined)
    ?.databaseConnection;
  const server = typeof (em.connection.options as { url?: string }).url === 'string';
  if (!server || !client || typeof client.query !== 'function') return em.query(sql, params);
  return run(em.connection, client, sql, params, statementName(sql));
}

/** The server-side name of a prepared statement: one per distinct text. */
function statementName(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    if (names.size >= MAX_NAMES) names.clear();
    name = `p_${createHash('sha1').update(sql).digest('base64url')}`;
    names.set(sql, name);
  }
  return name;
}

/** One statement on `target`, counted and logged by the data source's logger; unnamed without `name`. */
async function run<T>(
  dataSource: DataSource,
  target: Pick<PgPool, 'query'>,
  sql: string,
  params: unknown[],
  name: string | undefined,
): Promise<T[]> {
  const logger = dataSource.logger;
  logger.logQuery(sql, params);
  const started = Date.now();
  try {
    const result = await target.query(name ? { name, text: sql, values: params } : { text: sql, values: params });
    const ms = Date.now() - started;
    const slowMs = dataSource.options.maxQueryExecutionTime;
    if (slowMs && ms > slowMs) logger.logQuerySlow(ms, sql, params);
    return result.rows as T[];
  } catch (err) {
    logger.logQueryError(err as Error, sql, params);
    throw err;
  }
}

/** Ends the pools beside a data source, if it has any (the data source's close does this). */
export async function closePreparedPool(dataSource: DataSource): Promise<void> {
  for (const kind of ['generic', 'custom'] as const) {
    const pool = pools[kind].get(dataSource);
    pools[kind].delete(dataSource);
    await pool?.end();
  }
}

/**
 * The planner's cost of a random page read on this pool's connections (PostgreSQL's default is 4,
 * a spinning disk's). The statements here walk indexes over a working set that is in memory; at 4
 * the planner preferred an index whose order matched the table's physical order (listings are
 * stored roughly by creation time) over a smaller one that held only the rows asked for: a search
 * within one product type walked every ACTIVE listing newest first and filtered out nineteen in
 * twenty, 1.8 ms, where `listings_active_type_created_idx` answers in 0.7 (100k listings). 1.1 is
 * the usual setting for data in memory or on SSD. Only these pools' statements see it.
 */
export const INDEX_READ_RANDOM_PAGE_COST = 1.1;

/** Made on first use from the data source's pool's own settings; none on the embedded database. */
function poolFor(dataSource: DataSource, kind: PlanKind): PgPool | null {
  const existing = pools[kind].get(dataSource);
  if (existing) return existing;
  const main = (dataSource.driver as unknown as { master?: PgPool }).master;
  const server = typeof (dataSource.options as { url?: string }).url === 'string';
  if (!server || !main || typeof main.query !== 'function' || !dataSource.isInitialized) return null;
  const Pool = main.constructor as new (options: PgPool['options']) => PgPool;
  const pool = new Pool({
    ...main.options,
    options: [
      main.options.options ?? '',
      kind === 'generic' ? '-c plan_cache_mode=force_generic_plan' : '',
      `-c random_page_cost=${INDEX_READ_RANDOM_PAGE_COST}`,
    ]
      .filter(Boolean)
      .join(' '),
    // Never what keeps a process alive: the data source's own pool does that.
    allowExitOnIdle: true,
  });
  // An idle connection that dies (server restart) must not crash the process; the next query reconnects.
  pool.on('error', (err) => dataSource.logger.log('warn', `${kind}-plan statement pool: ${err.message}`));
  pools[kind].set(dataSource, pool);
  return pool;
}
