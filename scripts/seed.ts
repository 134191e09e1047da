import { DataSource } from 'typeorm';
import { loadConfig } from '../platform/config';
import { createLogger } from '../platform/logger';
import { openDatabase } from '../platform/db/data-source';
import { Province } from '../platform/schema/shared-types';
import { SUBGRAPHS } from '../subgraphs';
import { seedListings } from '../bench/seed';

/**
 * `npm run seed -- --users 1000 --listings 100000 [--seed demo]`: loads realistic data fast into
 * DATABASE_URL (after applying migrations), each table with INSERT … SELECT over generate_series,
 * deterministic for a given --seed (which also namespaces the e-mail addresses, so seeding twice
 * with different seeds adds, and with the same seed refuses).
 */
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main() {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('set DATABASE_URL: the embedded database belongs to the process that runs npm start');
  const users = Number(arg('users', '1000'));
  const listings = Number(arg('listings', '10000'));
  const seed = arg('seed', 'seed').replace(/[^a-z0-9-]/gi, '').slice(0, 20) || 'seed';
  if (!Number.isInteger(users) || users < 1 || users > 1_000_000) throw new Error('--users must be 1..1,000,000');
  if (!Number.isInteger(listings) || listings < 0 || listings > 5_000_000) throw new Error('--listings must be 0..5,000,000');
  const log = createLogger('seed', config.LOG_LEVEL);
  for (const module of SUBGRAPHS) {
    const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, schema: module.dbSchema, entities: module.entities, migrations: module.migrations, poolSize: 2, log });
    await db.close();
  }
  const ds = new DataSource({ type: 'postgres', url: config.DATABASE_URL });
  await ds.initialize();
  try {
    const started = performance.now();
    const existing = await ds.query(`SELECT 1 FROM identity.users WHERE email = $1`, [`${seed}-seller-1@seed.hemp.co.za`]);
    if (existing.length) throw new Error(`this database was already seeded with --seed ${seed}; pick another seed`);
    const rows: Array<{ id: string }> = await ds.query(
      `INSERT INTO identity.users (email, display_name, roles, province, password_hash, created_at)
       SELECT $3 || '-seller-' || g || '@seed.hemp.co.za', 'Seed Farmer ' || g,
              CASE WHEN g % 3 = 0 THEN ARRAY['BUYER'] ELSE ARRAY['SELLER', 'BUYER'] END,
              ($2::text[])[1 + g % array_length($2::text[], 1)], 'not-a-login', now() - (g || ' minutes')::interval
         FROM generate_series(1, $1::int) AS g
       RETURNING id`,
      [users, Object.values(Province), seed],
    );
    const sellerIds = rows.map((r) => r.id);
    const usersMs = performance.now() - started;
    if (listings > 0) await seedListings(ds, { count: listings, sellerIds, inactiveShare: 0.05 });
    await ds.query('ANALYZE');
    log.info({ users, listings, usersMs: Math.round(usersMs), totalMs: Math.round(performance.now() - started) }, 'seeded');
    process.stdout.write(`seeded ${users} users and ${listings} listings in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    await ds.destroy();
  }
}

main().catch((err) => {
  process.stderr.write(`seed failed: ${(err as Error).message}\n`);
  process.exit(1);
});
