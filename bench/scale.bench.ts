import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { generatePrivateJwk, loadSigningKeys } from '#platform/infra/auth/keys';
import { signAccessToken } from '#platform/infra/auth/viewer';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { ProductType, Province } from '#platform/infra/schema/shared-types';
import { seedListings, seedSellers, SEARCH_WORDS } from '../scripts/seed-data';
import { percentile } from './stats';
import { startProcess, waitForReady } from './processes';
import { costPlotSvg } from './plot';

/**
 * The cost of each operation as the catalogue grows: 10k, 100k and 1M listings (BENCH_SCALES), 50
 * connections, the production layout (the four subgraphs in one process, the gateway in another,
 * Hive Gateway in a third, real PostgreSQL). For every load run it reads the CPU time of every
 * process from /proc/<pid>/stat — the gateway (or Hive, with its workers), the subgraphs process,
 * and the PostgreSQL backends serving the bench database — and divides by the requests completed.
 *
 * Bodies are unique per request in "fair" mode (a variable that changes nothing the catalogue
 * returns), so no gateway can share a subgraph call between requests; "dedupe" mode sends one body
 * again and again, which is where in-flight deduplication and our response cache work. The fair
 * Hive comparison is the headline.
 *
 *   npm run bench                                   (all benchmarks, this one included)
 *   BENCH_ONLY=scale npm run bench                  (this one)
 *   BENCH_SCALES=10000 BENCH_SECONDS=3 BENCH_ONLY=scale npm run bench   (a quick look)
 *
 * Settings: BENCH_SCALES (comma-separated listing counts, ascending), BENCH_SECONDS (per load run),
 * BENCH_CONNECTIONS, BENCH_PEER_ROUNDS, BENCH_HIVE=false (skip Hive), BENCH_OPS, BENCH_BASE_PORT.
 */

const SCALES = (process.env.BENCH_SCALES ?? '10000,100000,1000000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PEER_ROUNDS = Number(process.env.BENCH_PEER_ROUNDS ?? 2);
const WITH_HIVE = process.env.BENCH_HIVE !== 'false';
/** BENCH_OPS=catalogue,me runs only the operations whose names start so (a quick look). */
const OPS = process.env.BENCH_OPS?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BASE_PORT = Number(process.env.BENCH_BASE_PORT ?? 4800);
const SECRET = 'bench-scale-secret-0123456789abcdef';
const SELLERS = 1000;
const BUYERS = 500;
const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------------------------------------------------------------- CPU accounting from /proc

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}

/** A process and all its descendants (Hive's workers, for one). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

interface CpuProbe {
  snapshot(): Promise<Map<string, Map<number, number>>>;
}

function cpuProbe(groups: () => Promise<Record<string, number[]>>): CpuProbe {
  return {
    async snapshot() {
      const out = new Map<string, Map<number, number>>();
      for (const [name, pids] of Object.entries(await groups()))
        out.set(name, new Map(pids.map((p) => [p, cpuTicks(p)])));
      return out;
    },
  };
}

/** CPU ms per group between two snapshots; a process that appeared in between counts from zero. */
function cpuDelta(
  before: Map<string, Map<number, number>>,
  after: Map<string, Map<number, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pids] of after) {
    let ticks = 0;
    for (const [pid, t] of pids) ticks += t - (before.get(name)?.get(pid) ?? 0);
    out[name] = ticks * TICK_MS;
  }
  return out;
}

// ---------------------------------------------------------------- load

interface Run {
  rps: number;
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  graphqlErrors: number;
  /** CPU ms per completed request, per process group. */
  cpuMsPerOp: Record<string, number>;
}

type Body = () => { body: string; headers?: Record<string, string> };

async function load(url: string, next: Body, seconds: number, probe: CpuProbe | null): Promise<Run> {
  const latencies: number[] = [];
  let graphqlErrors = 0;
  let sampled = 0;
  const before = probe ? await probe.snapshot() : null;
  const instance = autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req: any) => {
          const { body, headers } = next();
          return { ...req, body, headers: { ...req.headers, ...headers } };
        },
        onResponse: (status: number, body: string) => {
          // sample bodies for GraphQL errors (a 200 with errors is not a success)
          if (status === 200 && sampled++ % 10 === 0 && body.includes('"errors"')) graphqlErrors++;
        },
      },
    ],
  } as any) as unknown as Promise<autocannon.Result> & {
    on(event: 'response', listener: (...args: any[]) => void): void;
  };
  instance.on('response', (_c: unknown, _s: number, _b: number, responseTime: number) => latencies.push(responseTime));
  const result = await instance;
  const after = probe ? await probe.snapshot() : null;
  latencies.sort((a, b) => a - b);
  const requests = result.requests.total;
  const cpu = before && after ? cpuDelta(before, after) : {};
  return {
    rps: round(result.requests.average, 1),
    requests,
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    graphqlErrors: graphqlErrors * 10,
    cpuMsPerOp: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, requests ? round(v / requests, 3) : 0])),
  };
}

// ---------------------------------------------------------------- operations

const CATALOGUE = `query Catalogue($f: ListingFilter) { listings(first: 20, filter: $f) { totalCount edges { node { id title pricePerKg { amount currency } socialImpact { score womenOwned } seller { displayName } } } pageInfo { hasNextPage endCursor } } }`;
const SEARCH = `query Search($f: ListingFilter) { listings(first: 20, filter: $f) { totalCount edges { node { id title pricePerKg { amount } seller { displayName } } } } }`;
const LISTING = `query Listing($id: ID!) { listing(id: $id) { id title description pricePerKg { amount } availableKg socialImpact { score } seller { displayName } } }`;
const ME = `query Me { me { id displayName email roles province } }`;
const MATCH = `mutation Match($input: MatchInput!) { requestMatches(input: $input) { id matches { score source listing { id title pricePerKg { amount } } } } }`;
const ORDER = `mutation Order($id: ID!, $kg: Float!, $key: String!) { placeOrder(listingId: $id, quantityKg: $kg, idempotencyKey: $key) { id status total { amount } } }`;

let counter = 0;
/** A filter that changes nothing the catalogue returns (every seeded listing has 50 kg or more) but makes each body unique. */
const uniqueNoop = () => ({ minAvailableKg: (++counter % 1_000_000) * 1e-9 });

async function main() {
  const started = Date.now();
  const dbName = `hemp_scale_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();
  const jwk = await generatePrivateJwk();
  const keys = await loadSigningKeys(JSON.stringify([jwk]), os.tmpdir());
  const ports = {
    gateway: BASE_PORT,
    identity: BASE_PORT + 1,
    listings: BASE_PORT + 2,
    external: BASE_PORT + 3,
    analytics: BASE_PORT + 4,
    hive: BASE_PORT + 10,
  };
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl,
    REDIS_URL: '',
    GATEWAY_SECRET: SECRET,
    JWT_PRIVATE_KEYS: JSON.stringify([jwk]),
    JWKS_URL: `http://127.0.0.1:${ports.identity}/.well-known/jwks.json`,
    GATEWAY_PORT: String(ports.gateway),
    IDENTITY_CONSENT_PORT: String(ports.identity),
    LISTINGS_MATCHING_PORT: String(ports.listings),
    EXTERNAL_SOURCES_PORT: String(ports.external),
    ANALYTICS_PORT: String(ports.analytics),
    IDENTITY_CONSENT_URL: `http://127.0.0.1:${ports.identity}/graphql`,
    LISTINGS_MATCHING_URL: `http://127.0.0.1:${ports.listings}/graphql`,
    EXTERNAL_SOURCES_URL: `http://127.0.0.1:${ports.external}/graphql`,
    ANALYTICS_URL: `http://127.0.0.1:${ports.analytics}/graphql`,
    SIMULATORS_ENABLED: 'false',
    CRAWL_INTERVAL_SECONDS: '0',
    // The bench measures cost per operation, not the abuse defences.
    THREAT_BOT_REQUESTS: '100000000',
  };
  const children: ChildProcess[] = [];
  const results: any = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGb: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      loadAverageAtStart: os.loadavg(),
    },
    settings: {
      scales: SCALES,
      secondsPerRun: SECONDS,
      connections: CONNECTIONS,
      peerRounds: PEER_ROUNDS,
      sellers: SELLERS,
      buyers: BUYERS,
      hive: WITH_HIVE,
    },
    scales: [] as any[],
  };
  try {
    const subgraphs = startProcess('subgraphs', ['dist/bench/bench/subgraphs.js'], env);
    children.push(subgraphs);
    await waitForReady(`http://127.0.0.1:${ports.analytics}/ready`, 90);
    const gateway = startProcess('gateway', ['dist/bench/gateway/index.js'], env);
    children.push(gateway);
    let hive: ChildProcess | null = null;
    if (WITH_HIVE) {
      hive = startProcess(
        'hive',
        [
          path.join(PROJECT_ROOT, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js'),
          'supergraph',
          'schema/supergraph.graphql',
          '-c',
          'deploy/hive/gateway.config.ts',
          '--port',
          String(ports.hive),
          '--fork',
          '1',
        ],
        { ...env, NODE_ENV: 'production' },
      );
      children.push(hive);
    }
    await waitForReady(`http://127.0.0.1:${ports.gateway}/ready`, 90);
    if (hive) await waitForReady(`http://127.0.0.1:${ports.hive}/healthcheck`, 90);

    const db = new DataSource({ type: 'postgres', url: dbUrl });
    await db.initialize();
    const sellerIds = await seedSellers(db, SELLERS);
    const buyerIds = await seedSellers(db, BUYERS);
    await db.query(`UPDATE identity.users SET roles = ARRAY['BUYER'] WHERE id = ANY($1::uuid[])`, [buyerIds]);
    const tokens = await Promise.all(
      buyerIds.map(
        async (id) =>
          (
            await signAccessToken(
              keys,
              { userId: id, roles: ['BUYER'] },
              { issuer: 'hemp-marketplace', audience: 'hemp-marketplace-api' },
            )
          ).token,
      ),
    );
    // Sellers see their own drafts: some signed-in catalogue requests come from sellers.
    const sellerTokens = await Promise.all(
      sellerIds
        .slice(0, 200)
        .map(
          async (id) =>
            (
              await signAccessToken(
                keys,
                { userId: id, roles: ['SELLER'] },
                { issuer: 'hemp-marketplace', audience: 'hemp-marketplace-api' },
              )
            ).token,
        ),
    );
    let tokenIndex = 0;
    const buyer = () => ({ authorization: `Bearer ${tokens[tokenIndex++ % tokens.length]}` });
    const someone = () => ({
      authorization: `Bearer ${tokenIndex % 5 === 0 ? sellerTokens[tokenIndex++ % sellerTokens.length] : tokens[tokenIndex++ % tokens.length]}`,
    });

    const pgBackends = async () =>
      (await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [dbName])).map(
        (r: { pid: number }) => r.pid,
      );
    const probeOurs = cpuProbe(async () => ({
      gateway: processTree(gateway.pid!),
      subgraphs: [subgraphs.pid!],
      postgres: await pgBackends(),
    }));
    const probeHive = hive
      ? cpuProbe(async () => ({
          gateway: processTree(hive!.pid!),
          subgraphs: [subgraphs.pid!],
          postgres: await pgBackends(),
        }))
      : null;
    const ours = `http://127.0.0.1:${ports.gateway}/graphql`;
    const theirs = `http://127.0.0.1:${ports.hive}/graphql`;
    const json = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });

    let seeded = 0;
    for (const scale of SCALES) {
      const seedStarted = Date.now();
      await seedListings(db, { count: scale - seeded, from: seeded + 1, sellerIds, inactiveShare: 0.05 });
      seeded = scale;
      // as autovacuum would leave a table that has settled: statistics and the visibility map
      await db.query('VACUUM ANALYZE listings.listings');
      const seedSeconds = round((Date.now() - seedStarted) / 1000, 1);
      const listingIds: string[] = (
        await db.query(`SELECT id FROM listings.listings WHERE status = 'ACTIVE' ORDER BY created_at DESC LIMIT 5000`)
      ).map((r: { id: string }) => r.id);
      let r = 0;
      const pick = <T>(xs: readonly T[]) => xs[(r++ * 2654435761) % xs.length];

      const ops: Record<string, { url: string; body: Body }> = {
        'catalogue (anonymous)': { url: ours, body: () => ({ body: json(CATALOGUE, { f: uniqueNoop() }) }) },
        'catalogue (signed-in)': {
          url: ours,
          body: () => ({ body: json(CATALOGUE, { f: uniqueNoop() }), headers: someone() }),
        },
        'catalogue (anonymous, one body: response cache)': { url: ours, body: () => ({ body: json(CATALOGUE) }) },
        'search text + filters (signed-in)': {
          url: ours,
          body: () => ({
            body: json(SEARCH, {
              f: {
                text: pick(SEARCH_WORDS),
                productType: pick(Object.values(ProductType)),
                ...(r % 2 ? { province: pick(Object.values(Province)) } : {}),
                ...uniqueNoop(),
              },
            }),
            headers: buyer(),
          }),
        },
        'listing (signed-in)': {
          url: ours,
          body: () => ({ body: json(LISTING, { id: pick(listingIds) }), headers: buyer() }),
        },
        'me (signed-in)': { url: ours, body: () => ({ body: json(ME), headers: buyer() }) },
        'requestMatches (signed-in)': {
          url: ours,
          body: () => ({
            body: json(MATCH, {
              input: {
                productType: pick(Object.values(ProductType)),
                quantityKg: 10 + (r % 900),
                province: pick(Object.values(Province)),
              },
            }),
            headers: buyer(),
          }),
        },
        'placeOrder (signed-in)': {
          url: ours,
          body: () => ({
            body: json(ORDER, { id: pick(listingIds), kg: 0.01, key: `bench-${scale}-${++counter}` }),
            headers: buyer(),
          }),
        },
      };

      // warm up plans, JIT, pools
      await load(ours, ops['catalogue (signed-in)'].body, 2, null);
      const operations: Record<string, Run> = {};
      for (const [name, op] of Object.entries(ops)) {
        if (OPS && !OPS.some((o) => name.startsWith(o))) continue;
        operations[name] = await load(op.url, op.body, SECONDS, probeOurs);
        process.stdout.write(
          `${scale} ${name}: ${operations[name].rps} RPS, p95 ${operations[name].p95} ms, CPU ms/op ${JSON.stringify(operations[name].cpuMsPerOp)}, errors ${operations[name].errors}\n`,
        );
      }

      // The peer comparison, interleaved rounds: fair (unique bodies) is the headline.
      const peer: any = {};
      if (hive && probeHive) {
        await load(theirs, ops['catalogue (signed-in)'].body, 2, null);
        const modes: Record<string, Body> = {
          'fair, signed-in (unique bodies and tokens)': () => ({
            body: json(CATALOGUE, { f: uniqueNoop() }),
            headers: buyer(),
          }),
          'fair, anonymous (unique bodies)': () => ({ body: json(CATALOGUE, { f: uniqueNoop() }) }),
          'dedupe, anonymous (one body)': () => ({ body: json(CATALOGUE) }),
        };
        for (const [mode, body] of Object.entries(modes)) {
          const rounds = { ours: [] as Run[], hive: [] as Run[] };
          for (let i = 0; i < PEER_ROUNDS; i++) {
            rounds.ours.push(await load(ours, body, SECONDS, probeOurs));
            rounds.hive.push(await load(theirs, body, SECONDS, probeHive));
          }
          const med = (rs: Run[], f: (x: Run) => number) => median(rs.map(f));
          peer[mode] = {
            oursRps: med(rounds.ours, (x) => x.rps),
            hiveRps: med(rounds.hive, (x) => x.rps),
            ratio: round(
              med(rounds.ours, (x) => x.rps) /
                Math.max(
                  1,
                  med(rounds.hive, (x) => x.rps),
                ),
              3,
            ),
            oursP95: med(rounds.ours, (x) => x.p95),
            hiveP95: med(rounds.hive, (x) => x.p95),
            oursGatewayCpuMsPerOp: med(rounds.ours, (x) => x.cpuMsPerOp.gateway ?? 0),
            hiveGatewayCpuMsPerOp: med(rounds.hive, (x) => x.cpuMsPerOp.gateway ?? 0),
            rounds,
          };
          process.stdout.write(
            `${scale} peer ${mode}: ours ${peer[mode].oursRps} vs Hive ${peer[mode].hiveRps} RPS (×${peer[mode].ratio}); gateway CPU ms/op ${peer[mode].oursGatewayCpuMsPerOp} vs ${peer[mode].hiveGatewayCpuMsPerOp}\n`,
          );
        }
      }
      results.scales.push({ listings: scale, seedSeconds, operations, peer });
      // Written after every scale, so a cut run still leaves what it measured.
      writeResults(results, started);
    }
    await db.destroy();
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

function writeResults(results: any, started: number) {
  results.totalSeconds = Math.round((Date.now() - started) / 1000);
  const dir = path.join(PROJECT_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'scale.json'), JSON.stringify(results, null, 2) + '\n');
  const series = ['catalogue (anonymous)', 'catalogue (signed-in)'].flatMap((op) =>
    ['gateway', 'subgraphs', 'postgres'].map((proc) => ({
      name: `${proc}, ${op.replace('catalogue ', '').replace(/[()]/g, '')}`,
      points: results.scales.map((s: any) => ({ x: s.listings, y: s.operations[op]?.cpuMsPerOp?.[proc] ?? 0 })),
    })),
  );
  writeFileSync(
    path.join(dir, 'cost-vs-size.svg'),
    costPlotSvg({ title: 'CPU ms per catalogue request vs catalogue size (50 connections)', series }),
  );
}

main().catch((err) => {
  process.stderr.write(`scale bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
