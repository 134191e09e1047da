import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const names = new Map<string, string>();
const MAX_NAMES = 2000;

/**
 * A hot read as a named prepared statement on the PostgreSQL server: each pooled connection parses
 * and plans it once and then only binds and executes (PostgreSQL keeps a generic plan once it costs
 * no more than a custom one), where an unnamed statement is parsed and planned on every request —
 * for the catalogue's short statements, planning costs about as much as running them. Every
 * distinct text is one statement per connection, so only texts drawn from a small set belong here
 * (the catalogue's shapes: filters × sorts × visibility), never free text in the SQL.
 *
 * The TypeORM logger still counts and logs it (tests assert statement counts; /metrics exports
 * them) and the pg instrumentation still traces it. On the embedded database (PGlite) it is an
 * ordinary query.
 */
export async function preparedQuery<T>(dataSource: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
  const server = typeof (dataSource.options as { url?: string }).url === 'string';
  if (!server || !pool || typeof pool.query !== 'function') return dataSource.query(sql, params);
  return runNamed(dataSource, pool, sql, params);
}

/**
 * preparedQuery inside a transaction: on the transaction's own connection (a statement prepared
 * there stays prepared for that pooled connection's next transactions).
 */
export async function preparedQueryIn<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const client = (em.queryRunner as unknown as { databaseConnection?: PgPool } | undefined)?.databaseConnection;
  const server = typeof (em.connection.options as { url?: string }).url === 'string';
  if (!server || !client || typeof client.query !== 'function') return em.query(sql, params);
  return runNamed(em.connection, client, sql, params);
}

async function runNamed<T>(dataSource: DataSource, target: PgPool, sql: string, params: unknown[]): Promise<T[]> {
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
