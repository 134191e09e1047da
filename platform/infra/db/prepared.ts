import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

interface PgPool {
  options: Record<string, unknown> & { max?: number; options?: string };
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
  on(event: 'error', listener: (err: Error) => void): unknown;
  end(): Promise<void>;
}

const names = new Map<string, string>();
const MAX_NAMES = 2000;

/** The generic-plan pool beside each data source's own pool (see preparedQuery). */
const genericPools = new WeakMap<DataSource, PgPool>();

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
  const pool = genericPool(dataSource);
  if (!pool) return dataSource.query(sql, params);
  return runNamed(dataSource, pool, sql, params);
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
  return runNamed(em.connection, client, sql, params);
}

async function runNamed<T>(
  dataSource: DataSource,
  target: Pick<PgPool, 'query'>,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  let name = names.get(sql);
  if (!name) {
    if (names.size >= MAX_NAMES) names.clear();
    name = `p_${createHash('sha1').update(sql).digest('base64url')}`;
    names.set(sql, name);
  }
  const logger = dataSource.logger;
  logger.logQuery(sql, params);
  const started = Date.now();
  try {
    const result = await target.query({ name, text: sql, values: params });
    const ms = Date.now() - started;
    const slowMs = dataSource.options.maxQueryExecutionTime;
    if (slowMs && ms > slowMs) logger.logQuerySlow(ms, sql, params);
    return result.rows as T[];
  } catch (err) {
    logger.logQueryError(err as Error, sql, params);
    throw err;
  }
}

/** Ends the generic-plan pool of a data source, if it has one (the data source's close does this). */
export async function closePreparedPool(dataSource: DataSource): Promise<void> {
  const pool = genericPools.get(dataSource);
  genericPools.delete(dataSource);
  await pool?.end();
}

/** Made on first use from the data source's pool's own settings; none on the embedded database. */
function genericPool(dataSource: DataSource): PgPool | null {
  const existing = genericPools.get(dataSource);
  if (existing) return existing;
  const main = (dataSource.driver as unknown as { master?: PgPool }).master;
  const server = typeof (dataSource.options as { url?: string }).url === 'string';
  if (!server || !main || typeof main.query !== 'function' || !dataSource.isInitialized) return null;
  const Pool = main.constructor as new (options: PgPool['options']) => PgPool;
  const pool = new Pool({
    ...main.options,
    options: `${main.options.options ?? ''} -c plan_cache_mode=force_generic_plan`.trim(),
    // Never what keeps a process alive: the data source's own pool does that.
    allowExitOnIdle: true,
  });
  // An idle connection that dies (server restart) must not crash the process; the next query reconnects.
  pool.on('error', (err) => dataSource.logger.log('warn', `prepared-statement pool: ${err.message}`));
  genericPools.set(dataSource, pool);
  return pool;
}
