import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { DataSource, type QueryRunner, type Logger as TypeOrmLogger, type MixedList, type EntitySchema } from 'typeorm';
import type { Logger } from '#platform/infra/observability/logger';
import type { ServiceMetrics } from '#platform/infra/observability/metrics';
import { createPGliteDriver, openEmbeddedDatabase } from '#platform/infra/db/pglite-pool';
import { closePreparedPool } from '#platform/infra/db/prepared';

export interface DatabaseOptions {
  /** PostgreSQL connection string; without it the embedded database in `dataDir` is used. */
  url?: string;
  dataDir: string;
  /** The subgraph's own PostgreSQL schema. */
  schema: string;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
  poolSize: number;
  /** Wait for a free connection at most this long (default 5 s). */
  acquireTimeoutMs?: number;
  log: Logger;
  metrics?: ServiceMetrics;
}

/**
 * Counts every SQL statement (tests assert on it; /metrics exports it) and sends query errors and
 * slow queries to the service log. Statement text is logged at trace level only.
 */
export class StatementCounter implements TypeOrmLogger {
  count = 0;
  /** Statements of background work (event relay and consumers, tagged on their query runner): not in `count`. */
  background = 0;
  constructor(
    private readonly schema: string,
    private readonly logger: Logger,
    private readonly metrics?: ServiceMetrics,
  ) {}
  logQuery(query: string, _parameters?: unknown[], queryRunner?: QueryRunner): void {
    const background = Boolean(queryRunner?.data?.background);
    if (background) this.background += 1;
    else this.count += 1;
    this.metrics?.dbStatements.inc({ schema: this.schema, kind: background ? 'background' : 'request' });
    if (this.logger.isLevelEnabled('trace')) this.logger.trace({ sql: query }, 'sql');
  }
  logQueryError(error: string | Error, query: string): void {
    this.logger.warn({ err: error, sql: query.slice(0, 500) }, 'sql error');
  }
  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ ms: time, sql: query.slice(0, 500) }, 'slow sql');
  }
  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }
  logMigration(message: string): void {
    this.logger.debug({ schema: this.schema }, message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn({ detail: String(message) }, 'database warning');
  }
}

export interface Database {
  dataSource: DataSource;
  statements: StatementCounter;
  embedded: boolean;
  /** `SELECT 1` with a deadline, for /ready. */
  ping(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const statements = new StatementCounter(options.schema, options.log, options.metrics);
  const common = {
    type: 'postgres' as const,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    installExtensions: false,
    logging: true,
    logger: statements,
    maxQueryExecutionTime: 1000,
  };
  let dataSource: DataSource;
  const embedded = !options.url;
  if (options.url) {
    dataSource = new DataSource({
      ...common,
      url: options.url,
      extra: {
        max: options.poolSize,
        connectionTimeoutMillis: options.acquireTimeoutMs ?? 5000,
        idleTimeoutMillis: 30_000,
        statement_timeout: 15_000,
        application_name: `hemp-${options.schema}`,
      },
    });
  } else {
    const dir = options.dataDir === 'memory://' ? 'memory://' : path.resolve(options.dataDir, 'pglite');
    if (dir !== 'memory://') mkdirSync(dir, { recursive: true });
    const db = await openEmbeddedDatabase(dir);
    dataSource = new DataSource({ ...common, driver: createPGliteDriver(db) });
  }
  await dataSource.initialize();
  await migrate(dataSource, options.schema, embedded, options.log);

  return {
    dataSource,
    statements,
    embedded,
    async ping(timeoutMs = 2000) {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          dataSource.query('SELECT 1'),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('database ping timed out')), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
      return performance.now() - started;
    },
    async close() {
      await closePreparedPool(dataSource);
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/**
 * Creates the schema and runs pending migrations. On a PostgreSQL server an advisory lock makes
 * replicas that start together take turns; the embedded database has one process by construction.
 */
async function migrate(dataSource: DataSource, schema: string, embedded: boolean, log: Logger): Promise<void> {
  await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  if (embedded) {
    await runPending(dataSource, schema, log);
    return;
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`migrations:${schema}`]);
    await runPending(dataSource, schema, log);
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrations:${schema}`]).catch(() => undefined);
    await runner.release();
  }
}

async function runPending(dataSource: DataSource, schema: string, log: Logger) {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  if (applied.length) log.info({ schema, migrations: applied.map((m) => m.name) }, 'migrations applied');
}
