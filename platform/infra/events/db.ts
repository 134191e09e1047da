import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * Query runners for event work, tagged so the statement counter can tell background polling from
 * the statements a request runs (tests assert on the latter).
 *
 * On the embedded database a query runner holds the one session from connect to release: every
 * query of a unit of work must go through it, never through the data source beside it.
 */
export function eventRunner(dataSource: DataSource): QueryRunner {
  const runner = dataSource.createQueryRunner();
  runner.data = { ...(runner.data ?? {}), background: true };
  return runner;
}

/** One statement (or several without a transaction) on a tagged runner, released afterwards. */
export async function withRunner<T>(dataSource: DataSource, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
  const runner = eventRunner(dataSource);
  await runner.connect();
  try {
    return await work(runner);
  } finally {
    await runner.release();
  }
}

/** A transaction on a tagged runner: committed when `work` resolves, rolled back when it throws. */
export async function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const runner = eventRunner(dataSource);
  await runner.connect();
  try {
    await runner.startTransaction();
    try {
      const result = await work(runner.manager);
      await runner.commitTransaction();
      return result;
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw err;
    }
  } finally {
    await runner.release();
  }
}

/** PostgreSQL identifier check for schema names built into SQL text (they come from code, not users). */
export function schemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  return schema;
}
