import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProductType, Province, Role } from '#platform/infra/schema/shared-types';
import { distanceTable, resolveWeights } from '../subgraphs/listings-matching/modules/match/match.scoring';
import { CANDIDATES_SQL, requestMatches } from '../subgraphs/listings-matching/modules/match/match.service';
import { candidateParams } from '../subgraphs/listings-matching/modules/match/match.candidates';
import { EXTERNAL_CANDIDATES_SQL } from '../subgraphs/listings-matching/modules/external-offer/external-offer.candidates';
import type { ActiveConsent } from '#platform/contracts/consent-client';
import { startTestStack, type TestStack } from '../test/helpers/stack';
import { seedListings, seedSellers, seedSellerStats } from '../scripts/seed-data';
import { latencyStats } from './stats';
import {
  concurrent,
  EXTERNAL_SOURCES,
  MATCH,
  matchInput,
  pick,
  rng,
  SEARCH,
  searchFilter,
  seedExternalOffers,
  timed,
} from './matching-inputs';

/**
 * Matching and search at 100k ACTIVE listings (and 30k external offers in the read model) on the
 * real PostgreSQL server (a fresh database), through the gateway as a client sees it, and
 * requestMatches also straight at the service (no HTTP) to show what the database work costs. Sequential requests measure latency; a concurrent
 * run shows how it holds under load. Results go to bench/results/matching.json.
 *
 *   npm run bench:matching            (BENCH_LISTINGS, BENCH_ITERATIONS to change the size)
 */

const ACTIVE_LISTINGS = Number(process.env.BENCH_LISTINGS ?? 100_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SELLERS = 2_000;
/** External offers in listings-matching's read model, spread over three sources (two consented in the run). */
const EXTERNAL_OFFERS = Number(process.env.BENCH_EXTERNAL_OFFERS ?? 30_000);

const INACTIVE_EVERY = 21; // 1 in 21 listings is DRAFT, PAUSED or ARCHIVED: 100k ACTIVE out of 105k

async function main() {
  const t: TestStack = await startTestStack({ env: { LOG_LEVEL: 'warn' } });
  try {
    const identity = t.stack.subgraphs['identity-consent'].deps.db.dataSource;
    const listings = t.stack.subgraphs['listings-matching'].deps.db.dataSource;

    const seedStarted = performance.now();
    const sellerIds = await seedSellers(identity, SELLERS);
    const total = Math.round((ACTIVE_LISTINGS * INACTIVE_EVERY) / (INACTIVE_EVERY - 1));
    await seedListings(listings, { count: total, sellerIds, inactiveShare: 1 / INACTIVE_EVERY });
    await seedSellerStats(listings, sellerIds);
    // what autovacuum does after a bulk load: statistics, and the visibility map index-only scans rely on
    await seedExternalOffers(listings, EXTERNAL_OFFERS);
    await listings.query('VACUUM ANALYZE listings.listings');
    await listings.query('VACUUM ANALYZE listings.external_offers');
    await listings.query('VACUUM ANALYZE listings.seller_stats');
    await identity.query('VACUUM ANALYZE identity.users');
    const seedMs = Math.round(performance.now() - seedStarted);
    const [{ active, all }] = await listings.query(
      `SELECT count(*) FILTER (WHERE status = 'ACTIVE')::int AS active, count(*)::int AS all FROM listings.listings`,
    );
    process.stdout.write(`seeded ${all} listings (${active} ACTIVE) and ${SELLERS} sellers in ${seedMs} ms\n`);

    const [buyer] = await seedSellers(identity, 1);
    const token = await t.tokenFor(buyer, [Role.BUYER]);
    const viewer = { kind: 'user' as const, userId: buyer, roles: [Role.BUYER], tokenId: 'bench' };
    const limits = { results: t.config.MATCH_RESULT_LIMIT, candidates: t.config.MATCH_CANDIDATE_LIMIT };

    const check = (res: Awaited<ReturnType<TestStack['gql']>>) => {
      if (res.body.errors) throw new Error(`benchmark request failed: ${JSON.stringify(res.body.errors)}`);
    };

    // warm-up: JIT, connection pools, PostgreSQL caches
    const warm = rng(1);
    await timed(30, async () => check(await t.gql(MATCH, { input: matchInput(warm) }, { token })));
    await timed(30, async () => check(await t.gql(SEARCH, { f: searchFilter(warm) })));

    let r = rng(42);
    const matchGateway = await timed(ITERATIONS, async () =>
      check(await t.gql(MATCH, { input: matchInput(r) }, { token })),
    );
    r = rng(42);
    let matchCount = 0;
    const matchService = await timed(ITERATIONS, async () => {
      const out = await requestMatches(
        listings,
        t.stack.subgraphs['listings-matching'].deps.outbox,
        viewer,
        matchInput(r) as never,
        limits,
        null,
      );
      matchCount += out.results.length;
    });
    // includeExternal with consents for two of the three sources (the consent answer is given, as
    // identity-consent's route would give it: this measures the database work of the pooled ranking)
    const consents: ActiveConsent[] = EXTERNAL_SOURCES.slice(0, 2).map((id) => ({
      dataSourceId: id,
      accessLevel: 'BASIC' as never,
      consentVersion: 'v1',
      expiresAt: null,
    }));
    r = rng(42);
    let externalMatches = 0;
    let pooledMatches = 0;
    const matchServiceExternal = await timed(ITERATIONS, async () => {
      const out = await requestMatches(
        listings,
        t.stack.subgraphs['listings-matching'].deps.outbox,
        viewer,
        { ...matchInput(r), includeExternal: true } as never,
        limits,
        consents,
      );
      pooledMatches += out.results.length;
      externalMatches += out.results.filter((m) => m.source === 'EXTERNAL').length;
    });
    r = rng(7);
    const searchGateway = await timed(ITERATIONS, async () => check(await t.gql(SEARCH, { f: searchFilter(r) })));
    r = rng(9);
    const catalogueGateway = await timed(ITERATIONS, async () =>
      check(
        await t.gql(SEARCH, {
          f: r() < 0.5 ? { productType: pick(r, Object.values(ProductType)) } : {},
          sort: pick(r, ['NEWEST', 'PRICE_ASC', 'SOCIAL_IMPACT']),
        }),
      ),
    );
    r = rng(11);
    const matchConcurrent = await concurrent(ITERATIONS, CONCURRENCY, async () =>
      check(await t.gql(MATCH, { input: matchInput(r) }, { token })),
    );
    r = rng(13);
    const searchConcurrent = await concurrent(ITERATIONS, CONCURRENCY, async () =>
      check(await t.gql(SEARCH, { f: searchFilter(r) })),
    );

    // one candidate query as PostgreSQL runs it, to show the plan and the database's share
    const w = resolveWeights(null);
    const explain = async () => {
      const [row] = await listings.query(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${CANDIDATES_SQL}`,
        candidateParams(
          {
            productType: ProductType.HEMP_OIL,
            maxPrice: null,
            quantityKg: '100',
            weights: w,
            province: Province.GAUTENG,
            buyerId: buyer,
            limit: limits.candidates,
            knownReference: null,
          },
          null,
          null,
        ),
      );
      return row['QUERY PLAN'][0];
    };
    const plans = [];
    for (let i = 0; i < 20; i++) plans.push(await explain());
    const candidateSql = {
      executionMs: latencyStats(plans.map((p) => p['Execution Time'])),
      indexOnlyScanOnCandidateIndex:
        JSON.stringify(plans[0].Plan).includes('"Index Only Scan"') &&
        JSON.stringify(plans[0].Plan).includes('listings_match_tiers_idx'),
    };
    const explainExternal = async () => {
      const [row] = await listings.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${EXTERNAL_CANDIDATES_SQL}`, [
        ProductType.HEMP_OIL,
        200,
        null,
        '100',
        w.price,
        w.distance,
        w.quantity,
        w.quality,
        distanceTable(Province.GAUTENG),
        EXTERNAL_SOURCES.slice(0, 2),
        limits.candidates,
      ]);
      return row['QUERY PLAN'][0];
    };
    const externalPlans = [];
    for (let i = 0; i < 20; i++) externalPlans.push(await explainExternal());
    const externalCandidateSql = {
      executionMs: latencyStats(externalPlans.map((p) => p['Execution Time'])),
      indexOnlyScanOnCandidateIndex:
        JSON.stringify(externalPlans[0].Plan).includes('"Index Only Scan"') &&
        JSON.stringify(externalPlans[0].Plan).includes('external_offers_match_candidates_idx'),
    };
    const results = {
      benchmark: 'matching',
      at: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
      },
      database: 'PostgreSQL server (fresh database), whole stack in one process',
      data: {
        listings: all,
        activeListings: active,
        sellers: SELLERS,
        externalOffers: EXTERNAL_OFFERS,
        externalSources: EXTERNAL_SOURCES.length,
        seedMs,
      },
      config: { iterations: ITERATIONS, matchResultLimit: limits.results, matchCandidateLimit: limits.candidates },
      loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
      requestMatches: {
        gatewaySequential: latencyStats(matchGateway),
        serviceSequential: {
          ...latencyStats(matchService),
          meanMatches: Math.round((matchCount / ITERATIONS) * 10) / 10,
        },
        gatewayConcurrent: matchConcurrent,
        serviceSequentialIncludeExternal: {
          description:
            'includeExternal with consents for 2 of 3 sources: pooled median, listings and external candidates, one ranking. The seeded listings carry ' +
            'social impact and seller track records that external offers lack (both score 0 for them), so few external offers reach the top 20: this measures the cost of pooling',
          ...latencyStats(matchServiceExternal),
          meanMatches: Math.round((pooledMatches / ITERATIONS) * 10) / 10,
          meanExternalMatches: Math.round((externalMatches / ITERATIONS) * 10) / 10,
        },
      },
      search: {
        description:
          'listings(filter: { text + optional productType/province/maxPricePerKg }, first: 20) with totalCount and seller displayName',
        gatewaySequential: latencyStats(searchGateway),
        gatewayConcurrent: searchConcurrent,
      },
      catalogue: {
        description:
          'listings(first: 20) without text, optional productType, sorted NEWEST/PRICE_ASC/SOCIAL_IMPACT, with totalCount and seller displayName',
        gatewaySequential: latencyStats(catalogueGateway),
      },
      candidateSql,
      externalCandidateSql,
    };
    const dir = path.join(
      __dirname.includes(`${path.sep}dist${path.sep}`)
        ? path.resolve(__dirname, '../../..')
        : path.resolve(__dirname, '..'),
      'bench',
      'results',
    );
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'matching.json'), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await t.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
