import { DataSource } from 'typeorm';
import { loadConfig } from '#platform/infra/config';
import { createLogger } from '#platform/infra/observability/logger';
import { ProductType, Province } from '#platform/infra/schema/shared-types';
import { migrateAll } from './migrate';
import { seedListings } from './seed-data';
import { pseudonymise } from '../subgraphs/analytics/modules/interaction/pseudonym';
import { rebuildInteractionRollup } from '../subgraphs/analytics/modules/interaction/interaction.store';

/**
 * `npm run seed -- --users 1000 --listings 100000 --interactions 1000000 [--seed demo]`: loads realistic data fast into
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
  if (!config.DATABASE_URL)
    throw new Error('set DATABASE_URL: the embedded database belongs to the process that runs npm start');
  const users = Number(arg('users', '1000'));
  const listings = Number(arg('listings', '10000'));
  const interactions = Number(arg('interactions', '0'));
  const seed =
    arg('seed', 'seed')
      .replace(/[^a-z0-9-]/gi, '')
      .slice(0, 20) || 'seed';
  if (!Number.isInteger(users) || users < 1 || users > 1_000_000) throw new Error('--users must be 1..1,000,000');
  if (!Number.isInteger(listings) || listings < 0 || listings > 5_000_000)
    throw new Error('--listings must be 0..5,000,000');
  if (!Number.isInteger(interactions) || interactions < 0 || interactions > 20_000_000)
    throw new Error('--interactions must be 0..20,000,000');
  const log = createLogger('seed', config.LOG_LEVEL);
  await migrateAll(config, log);
  const ds = new DataSource({ type: 'postgres', url: config.DATABASE_URL });
  await ds.initialize();
  try {
    const started = performance.now();
    const existing = await ds.query(`SELECT 1 FROM identity.users WHERE email = $1`, [
      `${seed}-seller-1@seed.hemp.co.za`,
    ]);
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
    if (listings > 0) {
      await seedListings(ds, { count: listings, sellerIds, inactiveShare: 0.05 });
      await seedAnalyticsListings(ds, sellerIds, config.PSEUDONYM_SECRET);
    }
    if (interactions > 0) await seedInteractions(ds, interactions, users, seed);
    await ds.query('ANALYZE');
    log.info(
      { users, listings, interactions, usersMs: Math.round(usersMs), totalMs: Math.round(performance.now() - started) },
      'seeded',
    );
    process.stdout.write(
      `seeded ${users} users, ${listings} listings and ${interactions} interactions in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
  } finally {
    await ds.destroy();
  }
}

/**
 * Analytics' listing read model, as listing.created events would have filled it (the seed writes no
 * outbox events): without it marketPriceIndex and the admin console's Market page see no listings.
 */
async function seedAnalyticsListings(ds: DataSource, sellerIds: string[], secret: string) {
  await ds.query(
    `INSERT INTO analytics.listings (listing_id, seller_key, product_type, province, price_per_kg, quantity_kg, available_kg,
                                     status, social_impact_score, certification_count, created_at, version_at)
     SELECT l.id, k.key, l.product_type, l.province, l.price_per_kg, l.quantity_kg, l.available_kg, l.status,
            l.social_impact_score, cardinality(l.certifications), l.created_at, l.updated_at
       FROM listings.listings l JOIN unnest($1::uuid[], $2::text[]) AS k(id, key) ON k.id = l.seller_id
     ON CONFLICT (listing_id) DO NOTHING`,
    [sellerIds, sellerIds.map((id) => pseudonymise(secret, id))],
  );
}

/**
 * Interactions over the last year under pseudonymous keys (sha256 of a seed-scoped user number; a
 * seed needs no HMAC secret), pointing at seeded listings; the rollups are rebuilt once after.
 */
async function seedInteractions(ds: DataSource, count: number, users: number, seed: string) {
  const chunk = 200_000;
  const listingIds: string[] = (
    await ds.query(`SELECT id FROM listings.listings ORDER BY created_at DESC LIMIT 5000`)
  ).map((r: { id: string }) => r.id);
  for (let from = 1; from <= count; from += chunk) {
    const to = Math.min(count, from + chunk - 1);
    await ds.query(
      `INSERT INTO analytics.interactions (event_id, type, user_key, listing_id, product_type, metadata, occurred_at)
       SELECT 'seed:' || $3 || ':' || g, s.type, encode(sha256(($3 || ':user:' || ((g * 48271) % $4))::bytea), 'hex'),
              CASE WHEN s.type IN ('LISTING_VIEW', 'ORDER') AND array_length($5::uuid[], 1) > 0 THEN ($5::uuid[])[1 + (g * 7919) % array_length($5::uuid[], 1)] END,
              CASE WHEN s.type IN ('SEARCH', 'MATCH_REQUEST') THEN ($6::text[])[1 + (g * 31) % array_length($6::text[], 1)] END,
              CASE WHEN s.type = 'SEARCH' THEN jsonb_build_object('criteria', jsonb_build_object('sort', 'NEWEST'), 'resultCount', g % 50) END,
              now() - ($2::bigint - g) * (interval '365 days' / $2::bigint)
         FROM generate_series($1::bigint, $7::bigint) AS g,
              LATERAL (SELECT CASE WHEN r < 40 THEN 'SEARCH' WHEN r < 48 THEN 'MATCH_REQUEST' WHEN r < 88 THEN 'LISTING_VIEW'
                                   WHEN r < 96 THEN 'ORDER' WHEN r < 99 THEN 'CONSENT_GRANTED' ELSE 'CONSENT_WITHDRAWN' END AS type
                         FROM (SELECT (g * 2654435761) % 100 AS r) x) s`,
      [from, count, seed, users, listingIds, Object.values(ProductType), to],
    );
  }
  await rebuildInteractionRollup(ds);
}

main().catch((err) => {
  process.stderr.write(`seed failed: ${(err as Error).message}\n`);
  process.exit(1);
});
