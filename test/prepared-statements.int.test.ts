import pino from 'pino';
import { openDatabase, type Database } from '#platform/infra/db/data-source';
import { INDEX_READ_RANDOM_PAGE_COST, pooledQuery, preparedQuery } from '#platform/infra/db/prepared';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { waitFor } from './helpers/wait';

/**
 * The catalogue's prepared statements run with one generic plan per connection (PostgreSQL
 * otherwise re-plans them on every execution); every other statement keeps the default, where a
 * plan for the actual values is made.
 */
let database: TestDatabase;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  db = await openDatabase({
    url: database.url,
    dataDir: 'memory://',
    schema: 'prepared_test',
    entities: [],
    migrations: [],
    poolSize: 3,
    log: pino({ level: 'silent' }),
  });
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const setting = `SELECT current_setting('plan_cache_mode') AS mode`;

describe('prepared statements', () => {
  it('pooled (free-text) statements plan for their values, with the same in-memory page cost as the prepared ones', async () => {
    const costs = `SELECT current_setting('plan_cache_mode') AS mode, current_setting('random_page_cost') AS cost`;
    const [pooled] = await pooledQuery<{ mode: string; cost: string }>(db.dataSource, costs, []);
    expect(pooled).toEqual({ mode: 'auto', cost: String(INDEX_READ_RANDOM_PAGE_COST) });
    const [prepared] = await preparedQuery<{ mode: string; cost: string }>(db.dataSource, costs, []);
    expect(prepared).toEqual({ mode: 'force_generic_plan', cost: String(INDEX_READ_RANDOM_PAGE_COST) });
    // The data source's own connections keep the server's settings.
    const [plain] = await db.dataSource.query(costs);
    expect(plain).toEqual({ mode: 'auto', cost: '4' });
    // An unnamed statement with a parameter is planned for that value (a custom plan): the planner
    // sees the literal in EXPLAIN's output only then.
    const [explained] = await pooledQuery<Record<string, string>>(
      db.dataSource,
      `EXPLAIN (FORMAT JSON) SELECT g FROM generate_series(1, 10) g WHERE g > $1`,
      [7],
    );
    expect(JSON.stringify(explained)).toContain('7');
  });

  it('run on connections that keep one generic plan; the data source’s own connections do not', async () => {
    const [prepared] = await preparedQuery<{ mode: string }>(db.dataSource, setting, []);
    expect(prepared.mode).toBe('force_generic_plan');
    const [plain] = await db.dataSource.query(setting);
    expect(plain.mode).toBe('auto');
  });

  it('plan once: the second execution of a statement on a connection is generic', async () => {
    const sql = `SELECT count(*)::int AS n FROM generate_series(1, 10) g WHERE g > $1`;
    for (let i = 0; i < 7; i++) await preparedQuery(db.dataSource, sql, [i]);
    const [{ n }] = await preparedQuery<{ n: number }>(db.dataSource, sql, [8]);
    expect(n).toBe(2);
    // Each pooled connection that ran it holds it with generic plans only.
    const plans = await Promise.all(
      [0, 1, 2].map(() =>
        preparedQuery<{ generic: number; custom: number }>(
          db.dataSource,
          `SELECT coalesce(sum(generic_plans), 0)::int AS generic, coalesce(sum(custom_plans), 0)::int AS custom
             FROM pg_prepared_statements WHERE statement LIKE '%generate_series(1, 10)%'`,
          [],
        ),
      ),
    );
    for (const [p] of plans) expect(p.custom).toBe(0);
    expect(plans.some(([p]) => p.generic > 0)).toBe(true);
  });

  it('leave no connection behind when the database is closed', async () => {
    const count = async () =>
      Number(
        (
          await db.dataSource.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          )
        )[0].n,
      );
    const baseline = await count();
    const other = await openDatabase({
      url: database.url,
      dataDir: 'memory://',
      schema: 'prepared_test',
      entities: [],
      migrations: [],
      poolSize: 2,
      log: pino({ level: 'silent' }),
    });
    await preparedQuery(other.dataSource, 'SELECT 1 AS one', []);
    expect(await count()).toBeGreaterThan(baseline);
    await other.close();
    // its own pool and its prepared-statement pool are both gone (a backend leaves the view once it has exited)
    await waitFor(async () => ((await count()) === baseline ? true : undefined), {
      what: 'every connection of the closed database gone',
    });
  });
});
