import type { DataSource } from 'typeorm';
import { ProductType, Province } from '#platform/infra/schema/shared-types';
import { SEARCH_WORDS } from '../scripts/seed-data';
import { latencyStats } from './stats';

/** The matching bench's requests, timing loops and read-model seeding (bench/matching.bench.ts). */

/** External sources of the read model (two consented in the run). */
export const EXTERNAL_SOURCES = [
  '6b2f7a10-1c1e-4f36-9a51-3d2f0e6b0b01',
  '6b2f7a10-1c1e-4f36-9a51-3d2f0e6b0b02',
  '6b2f7a10-1c1e-4f36-9a51-3d2f0e6b0b03',
];

/** A fixed pseudo-random sequence, so two runs send the same requests. */
export function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
export const pick = <T>(r: () => number, xs: readonly T[]) => xs[Math.floor(r() * xs.length)];

export async function timed(n: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn(i);
    out.push(performance.now() - started);
  }
  return out;
}

export async function concurrent(n: number, workers: number, fn: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t0 = performance.now();
        await fn(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { ...latencyStats(latencies), concurrency: workers, requestsPerSecond: Math.round(n / seconds) };
}

export const MATCH = `mutation($input: MatchInput!) { requestMatches(input: $input) { id matches { score breakdown { price distance quantity quality socialImpact } explanation listing { id title pricePerKg { amount } } } } }`;
export const SEARCH = `query($f: ListingFilter, $sort: ListingSort) { listings(filter: $f, sort: $sort, first: 20) { totalCount edges { cursor node { id title pricePerKg { amount } seller { displayName } } } pageInfo { hasNextPage endCursor } } }`;

export function matchInput(r: () => number) {
  return {
    productType: pick(r, Object.values(ProductType)),
    quantityKg: Math.round(10 + r() * 990),
    province: r() < 0.8 ? pick(r, Object.values(Province)) : null,
    maxPricePerKg: r() < 0.5 ? (50 + Math.floor(r() * 400)).toFixed(2) : null,
    weights: r() < 0.3 ? { socialImpact: Math.round(r() * 10) / 10, price: 0.5 } : null,
  };
}

export function searchFilter(r: () => number) {
  const words = r() < 0.5 ? pick(r, SEARCH_WORDS) : `${pick(r, SEARCH_WORDS)} ${pick(r, SEARCH_WORDS)}`;
  const filter: Record<string, unknown> = { text: words };
  if (r() < 0.5) filter.productType = pick(r, Object.values(ProductType));
  if (r() < 0.4) filter.province = pick(r, Object.values(Province));
  if (r() < 0.3) filter.maxPricePerKg = (100 + Math.floor(r() * 300)).toFixed(2);
  return filter;
}

/** External offers straight into the read model (what the external.offers.crawled consumer writes), prices and certifications spread like the listings'. */
export async function seedExternalOffers(listings: DataSource, count: number): Promise<void> {
  const levels = ['BASIC', 'BASIC', 'ADVANCED'];
  for (let i = 0; i < EXTERNAL_SOURCES.length; i++) {
    await listings.query(
      `INSERT INTO listings.external_sources (source_id, required_access_level, updated_at) VALUES ($1, $2, now())`,
      [EXTERNAL_SOURCES[i], levels[i]],
    );
  }
  await listings.query(
    `INSERT INTO listings.external_offers (offer_id, source_id, external_id, product_type, quantity_kg, price_per_kg, province, certifications, fetched_at, gone)
     SELECT gen_random_uuid(), ($2::uuid[])[1 + g % 3], 'X-' || g, ($3::text[])[1 + (g * 7) % cardinality($3::text[])],
            50 + (g * 37) % 1950, (5 + (g::bigint * 2246822519 % 4294967296 / 29) % 49500 / 100.0)::numeric(12,2),
            CASE WHEN g % 5 = 0 THEN NULL ELSE ($4::text[])[1 + (g * 11) % 9] END,
            CASE g % 4 WHEN 0 THEN '{}'::text[] WHEN 1 THEN ARRAY['organic'] WHEN 2 THEN ARRAY['organic', 'GAP'] ELSE ARRAY['organic', 'GAP', 'SAHPRA'] END,
            now() - make_interval(secs => g % 86400), g % 50 = 0
       FROM generate_series(1, $1) g`,
    [count, EXTERNAL_SOURCES, Object.values(ProductType), Object.values(Province)],
  );
}
