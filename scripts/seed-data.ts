import type { DataSource } from 'typeorm';
import { ProductType, Province } from '#platform/infra/schema/shared-types';

/**
 * Fast, deterministic seeding for benchmarks: each table is filled by one INSERT … SELECT over
 * generate_series, so PostgreSQL makes the rows itself (100k listings in a few seconds) instead of
 * receiving them one by one. "Random" values are multiplicative hashes of the row number, so two
 * runs seed the same data.
 */

const ADJECTIVES = [
  'organic',
  'sun-grown',
  'premium',
  'heritage',
  'coastal',
  'highland',
  'karoo',
  'bushveld',
  'cold-pressed',
  'raw',
  'dried',
  'certified',
  'fresh',
  'industrial',
  'artisanal',
  'fair-trade',
  'wild',
  'irrigated',
  'dryland',
  'greenhouse',
];
const NOUNS = [
  'fibre',
  'bales',
  'seed',
  'oil',
  'isolate',
  'flower',
  'extract',
  'seedlings',
  'hurds',
  'hearts',
  'tincture',
  'resin',
  'biomass',
  'clones',
  'cuttings',
  'pellets',
  'meal',
  'flour',
  'cake',
  'stalks',
];

export const SEARCH_WORDS = [...ADJECTIVES, ...NOUNS];

/** Sellers straight into identity.users; returns their ids. */
export async function seedSellers(identity: DataSource, count: number): Promise<string[]> {
  const rows: Array<{ id: string }> = await identity.query(
    `INSERT INTO identity.users (email, display_name, roles, province, password_hash, created_at)
     SELECT 'bench-seller-' || g || '-' || md5(random()::text) || '@example.co.za', 'Bench Farmer ' || g, ARRAY['SELLER'],
            ($2::text[])[1 + g % array_length($2::text[], 1)], 'not-a-real-hash', now() - (g || ' seconds')::interval
       FROM generate_series(1, $1::int) AS g
     RETURNING id`,
    [count, Object.values(Province)],
  );
  return rows.map((r) => r.id);
}

export interface SeedListingsOptions {
  count: number;
  sellerIds: string[];
  /** Share of listings that are not ACTIVE (spread over DRAFT, PAUSED, SOLD_OUT, ARCHIVED). */
  inactiveShare?: number;
  /** Rows per INSERT statement. */
  batch?: number;
  /** The first row number (default 1): seeding 10k then `from: 10_001` grows the same catalogue to a larger one. */
  from?: number;
}

export async function seedListings(listings: DataSource, options: SeedListingsOptions): Promise<void> {
  const batch = options.batch ?? 25_000;
  const inactiveEvery = options.inactiveShare ? Math.max(2, Math.round(1 / options.inactiveShare)) : 0;
  const first = options.from ?? 1;
  const last = first + options.count - 1;
  for (let start = first; start <= last; start += batch) {
    const end = Math.min(last, start + batch - 1);
    await listings.query(
      `WITH src AS (
         SELECT g,
                (g::bigint * 2654435761) % 4294967296 AS h1,
                (g::bigint * 2246822519) % 4294967296 AS h2,
                (g::bigint * 3266489917) % 4294967296 AS h3
           FROM generate_series($1::int, $2::int) AS g
       ), v AS (
         SELECT g, h1, h2, h3,
                h1 % 2 = 0 AS ssf, h2 % 3 = 0 AS wo, h3 % 5 = 0 AS yo, (h1 / 7) % 7 = 0 AS co,
                CASE WHEN h2 % 4 = 0 THEN NULL ELSE 1 + (h3 / 11) % 8 END AS bee,
                (50 + (h1 / 13) % 1950)::numeric(14,3) AS qty
           FROM src
       )
       INSERT INTO listings.listings (seller_id, title, description, product_type, quantity_kg, available_kg, price_per_kg, province,
                                      certifications, small_scale_farmer, women_owned, youth_owned, community_owned, bee_level,
                                      social_impact_score, status, created_at, updated_at)
       SELECT ($3::uuid[])[1 + h1 % array_length($3::uuid[], 1)],
              initcap(($5::text[])[1 + (h2 / 3) % array_length($5::text[], 1)]) || ' ' || ($5::text[])[1 + (h3 / 5) % array_length($5::text[], 1)]
                || ' hemp ' || ($6::text[])[1 + (h1 / 17) % array_length($6::text[], 1)],
              'Lot ' || g || ': ' || ($6::text[])[1 + (h2 / 19) % array_length($6::text[], 1)] || ' from a ' || ($5::text[])[1 + (h1 / 23) % array_length($5::text[], 1)] || ' farm',
              ($4::text[])[1 + g % array_length($4::text[], 1)],
              qty,
              CASE WHEN h3 % 20 = 0 THEN round(qty / 3) ELSE qty END,
              (5 + (h2 / 29) % 49500 / 100.0)::numeric(12,2),
              ($7::text[])[1 + (h3 / 31) % array_length($7::text[], 1)],
              CASE h1 % 4 WHEN 0 THEN '{}'::text[] WHEN 1 THEN ARRAY['organic'] WHEN 2 THEN ARRAY['organic', 'GAP'] ELSE ARRAY['organic', 'GAP', 'SAHPRA'] END,
              ssf, wo, yo, co, bee,
              round((0.25 * ssf::int + 0.25 * wo::int + 0.2 * yo::int + 0.2 * co::int + 0.1 * coalesce((9 - bee) / 8.0, 0))::numeric, 3),
              CASE WHEN $8::int > 0 AND g % $8::int = 0 THEN ($9::text[])[1 + (g / $8::int) % 4] ELSE 'ACTIVE' END,
              now() - (g || ' seconds')::interval,
              now() - (g || ' seconds')::interval
         FROM v`,
      [
        start,
        end,
        options.sellerIds,
        Object.values(ProductType),
        ADJECTIVES,
        NOUNS,
        Object.values(Province),
        inactiveEvery,
        ['DRAFT', 'PAUSED', 'ARCHIVED', 'PAUSED'],
      ],
    );
  }
}

/** A track record for some sellers, as confirmed orders would have built it. */
export async function seedSellerStats(listings: DataSource, sellerIds: string[]): Promise<void> {
  await listings.query(
    `INSERT INTO listings.seller_stats (seller_id, confirmed_orders)
     SELECT id, (ord * 7) % 15 FROM unnest($1::uuid[]) WITH ORDINALITY AS s(id, ord) WHERE ord % 2 = 0
     ON CONFLICT (seller_id) DO NOTHING`,
    [sellerIds],
  );
}
