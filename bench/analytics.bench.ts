import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Role } from '#platform/infra/schema/shared-types';
import { COUNTS, interactionAnalytics, splitRange } from '../subgraphs/analytics/modules/aggregate/aggregate.service';
import { Granularity } from '../subgraphs/analytics/modules/aggregate/aggregate.type';
import { rebuildInteractionRollup } from '../subgraphs/analytics/modules/interaction/interaction.store';
import { startTestStack, type TestStack } from '../test/helpers/stack';
import { latencyStats } from './stats';

/**
 * interactionAnalytics over 1,000,000 interactions spread over the last 365 days (the retention
 * period), on the real PostgreSQL server: through the gateway as an admin sees it, and straight at
 * the service to show the database's share. Results go to bench/results/analytics.json.
 *
 *   npm run bench:analytics            (BENCH_INTERACTIONS, BENCH_ITERATIONS to change the size)
 */
const INTERACTIONS = Number(process.env.BENCH_INTERACTIONS ?? 1_000_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 40);
const LISTINGS = 2_000;
const USERS = 50_000;
const DAY_MS = 86_400_000;

async function timed(n: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn(i);
    out.push(performance.now() - started);
  }
  return out;
}

/** Seeds in SQL (INSERT … SELECT generate_series): a fixed mix of types, users, listings and times. */
async function seed(t: TestStack) {
  // Its own connection: the services' pools have a statement timeout meant for requests, not bulk loads.
  const db = new Client({ connectionString: t.config.DATABASE_URL });
  await db.connect();
  try {
    return await seedWith(db);
  } finally {
    await db.end();
  }
}

const CHUNK = 100_000;

async function seedWith(db: Client) {
  const started = performance.now();
  await db.query(
    `INSERT INTO analytics.listings (listing_id, seller_key, product_type, province, price_per_kg, quantity_kg, available_kg, status,
                                     social_impact_score, certification_count, created_at, version_at)
     SELECT md5('listing' || n)::uuid, encode(sha256(('seller' || (n % 300))::bytea), 'hex'),
            (ARRAY['HEMP_FIBRE','HEMP_SEED','HEMP_OIL','CBD_ISOLATE','CBD_OIL','CANNABIS_FLOWER','CANNABIS_EXTRACT','SEEDLINGS'])[1 + n % 8],
            (ARRAY['EASTERN_CAPE','FREE_STATE','GAUTENG','KWAZULU_NATAL','LIMPOPO','MPUMALANGA','NORTHERN_CAPE','NORTH_WEST','WESTERN_CAPE'])[1 + n % 9],
            20 + (n * 37) % 180, 500, 100 + (n * 13) % 400, CASE WHEN n % 10 = 0 THEN 'PAUSED' ELSE 'ACTIVE' END,
            CASE WHEN n % 3 = 0 THEN 0.25 * (n % 5) ELSE 0 END, n % 4, now() - interval '400 days', now() - interval '400 days'
       FROM generate_series(0, ${LISTINGS - 1}) AS n`,
  );
  for (let from = 1; from <= INTERACTIONS; from += CHUNK) {
    const to = Math.min(INTERACTIONS, from + CHUNK - 1);
    // Types: 40 % SEARCH, 8 % MATCH_REQUEST, 40 % LISTING_VIEW, 8 % ORDER, 3 % CONSENT_GRANTED, 1 % CONSENT_WITHDRAWN.
    await db.query(
      `INSERT INTO analytics.interactions (event_id, type, user_key, listing_id, product_type, metadata, occurred_at)
     SELECT 'bench:' || g, s.type, encode(sha256(('user' || ((g * 48271) % ${USERS}))::bytea), 'hex'),
            CASE WHEN s.type IN ('LISTING_VIEW', 'ORDER') THEN md5('listing' || ((g * 7919) % ${LISTINGS}))::uuid END,
            CASE WHEN s.type IN ('SEARCH', 'MATCH_REQUEST')
                 THEN (ARRAY['HEMP_FIBRE','HEMP_SEED','HEMP_OIL','CBD_ISOLATE','CBD_OIL','CANNABIS_FLOWER','CANNABIS_EXTRACT','SEEDLINGS'])[1 + (g * 31) % 8] END,
            CASE WHEN s.type = 'SEARCH' THEN jsonb_build_object('criteria', jsonb_build_object('sort', 'NEWEST'), 'resultCount', g % 50) END,
            now() - (${INTERACTIONS} - g) * (interval '365 days' / ${INTERACTIONS})
       FROM generate_series(${from}::bigint, ${to}::bigint) AS g,
            LATERAL (SELECT CASE WHEN r < 40 THEN 'SEARCH' WHEN r < 48 THEN 'MATCH_REQUEST' WHEN r < 88 THEN 'LISTING_VIEW'
                                 WHEN r < 96 THEN 'ORDER' WHEN r < 99 THEN 'CONSENT_GRANTED' ELSE 'CONSENT_WITHDRAWN' END AS type
                       FROM (SELECT (g * 2654435761) % 100 AS r) x) s`,
    );
  }
  const seedMs = Math.round(performance.now() - started);
  // The consumer keeps the rollup row by row; a bulk load rebuilds it once.
  await rebuildInteractionRollup(db);
  const rollupMs = Math.round(performance.now() - started) - seedMs;
  // What autovacuum would do after a bulk load: statistics and the visibility map (index-only scans).
  await db.query(`VACUUM ANALYZE analytics.interactions`);
  await db.query(`VACUUM ANALYZE analytics.interaction_rollup_hourly`);
  await db.query(`VACUUM ANALYZE analytics.listings`);
  const [{ n: rollupRows }] = (await db.query(`SELECT count(*)::int AS n FROM analytics.interaction_rollup_hourly`))
    .rows;
  return { seedMs, rollupMs, rollupRows, vacuumMs: Math.round(performance.now() - started) - seedMs - rollupMs };
}

const QUERY = `query ($from: DateTime!, $to: DateTime!, $g: Granularity) { interactionAnalytics(from: $from, to: $to, granularity: $g) {
  totals { type count } series { bucket type count } funnel { searches matchRequests listingViews orders conversionRate }
  topSearchedProductTypes { productType count } socialImpactOrderShare } }`;

async function main() {
  const t = await startTestStack({ env: { LOG_LEVEL: 'warn' } });
  try {
    const seeded = await seed(t);
    const admin = await t.tokenFor(randomUUID(), [Role.ADMIN]);
    const db = t.stack.subgraphs.analytics.deps.db.dataSource;
    const now = Date.now();
    // Each iteration shifts the window by an hour, so no two requests ask the same thing.
    const scenario = (days: number, granularity: Granularity) => ({
      gateway: async () =>
        latencyStats(
          await timed(ITERATIONS, async (i) => {
            const to = new Date(now - i * 3_600_000);
            const res = await t.gql(
              QUERY,
              { from: new Date(to.getTime() - days * DAY_MS).toISOString(), to: to.toISOString(), g: granularity },
              { token: admin },
            );
            if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
          }),
        ),
      service: async () =>
        latencyStats(
          await timed(ITERATIONS, async (i) => {
            const to = new Date(now - i * 3_600_000);
            await interactionAnalytics(db, new Date(to.getTime() - days * DAY_MS), to, granularity);
          }),
        ),
    });
    const rows = async (days: number) =>
      Number(
        (
          await db.query(
            `SELECT count(*) AS n FROM analytics.interactions WHERE occurred_at >= now() - make_interval(days => $1)`,
            [days],
          )
        )[0].n,
      );
    // The plan of the series statement, for a range with partial hours at both edges.
    const plan = async (days: number, unit: string) => {
      const to = new Date(now);
      const from = new Date(now - days * DAY_MS);
      const { wholeFrom, wholeTo } = splitRange(from, to);
      const rows = await db.query(
        `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT date_trunc('${unit}', at, 'UTC') AS bucket, type, sum(count)::int AS count FROM (${COUNTS}) c GROUP BY 1, 2`,
        [from, to, wholeFrom, wholeTo],
      );
      return rows.map((r: Record<string, string>) => r['QUERY PLAN']);
    };

    const results: Record<string, unknown> = {};
    for (const [name, days, g] of [
      ['day30', 30, Granularity.DAY],
      ['hour7', 7, Granularity.HOUR],
      ['day366', 366, Granularity.DAY],
    ] as const) {
      const s = scenario(days, g);
      await s.service(); // warm-up: plans and caches
      results[name] = {
        range: `${days} days`,
        granularity: g,
        interactionsInRange: await rows(days),
        gateway: await s.gateway(),
        service: await s.service(),
        seriesPlan: await plan(days, g === Granularity.HOUR ? 'hour' : 'day'),
      };
    }
    // The training export: the first page and a page deep in the keyset, 100 rows each.
    const VECTORS = `query ($after: String) { featureVectors(first: 100, after: $after) { totalCount pageInfo { endCursor } edges { node { userKey listingId features label } } } }`;
    let cursor: string | null = null;
    const featurePages = latencyStats(
      await timed(Math.min(ITERATIONS, 20), async () => {
        const res = await t.gql(VECTORS, { after: cursor }, { token: admin });
        if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
        cursor = res.body.data.featureVectors.pageInfo.endCursor;
      }),
    );
    const out = {
      benchmark: 'analytics',
      at: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      database: 'PostgreSQL server (fresh database), whole stack in one process',
      data: { interactions: INTERACTIONS, spreadOverDays: 365, listings: LISTINGS, users: USERS, ...seeded },
      iterations: ITERATIONS,
      loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
      // Headline figures (through the gateway) where bench/run.ts reads them.
      day30: (results.day30 as { gateway: unknown }).gateway,
      hour7: (results.hour7 as { gateway: unknown }).gateway,
      interactionAnalytics: results,
      featureVectorsPage100: featurePages,
    };
    const dir = path.join(
      __dirname.includes(`${path.sep}dist${path.sep}`)
        ? path.resolve(__dirname, '../../..')
        : path.resolve(__dirname, '..'),
      'bench',
      'results',
    );
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'analytics.json'), `${JSON.stringify(out, null, 2)}\n`);
    console.log(
      JSON.stringify(
        {
          data: out.data,
          featureVectorsPage100: featurePages,
          ...Object.fromEntries(
            Object.entries(results).map(([k, v]: [string, any]) => [
              k,
              { rows: v.interactionsInRange, gateway: v.gateway, service: v.service },
            ]),
          ),
        },
        null,
        2,
      ),
    );
  } finally {
    await t.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
