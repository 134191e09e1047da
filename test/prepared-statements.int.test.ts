import pino from 'pino';
import { openDatabase, type Database } from '#platform/infra/db/data-source';
import { preparedQuery } from '#platform/infra/db/prepared';
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
