import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { generatePrivateJwk, loadSigningKeys } from '#platform/infra/auth/keys';
import { signAccessToken } from '#platform/infra/auth/viewer';
import { signGatewayRequest, SIGNATURE_HEADER } from '#platform/infra/auth/gateway-signature';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { seedListings, seedSellers } from '../scripts/seed-data';
import { percentile } from './stats';
import { startProcess, waitForReady } from './processes';

/**
 * The gateway's own numbers, each process separate as in production (subgraphs in one process, our
 * gateway in another, Hive Gateway in a third), on a fresh PostgreSQL database:
 *  1. gateway tax: RPS through our gateway ÷ RPS straight to the subgraph, one-subgraph query;
 *  2. the catalogue query at 50 connections, every request with its own access token;
 *  3. Hive Gateway serving the same committed supergraph, interleaved with ours;
 *  4. SQL statements and subgraph requests per operation for N = 1, 10, 100;
 *  5. peak RSS of each process.
 * Every ratio comes from rounds interleaved in one run; figures are medians of the rounds.
 *
 *   npm run bench:gateway   (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS)
 */

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CATALOGUE_SECONDS = Number(process.env.BENCH_CATALOGUE_SECONDS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BASE_PORT = Number(process.env.BENCH_BASE_PORT ?? 4700);
const SECRET = 'bench-gateway-secret-0123456789abcdef';

const ONE_SUBGRAPH = JSON.stringify({
  query: '{ listings(first: 20) { edges { node { id title pricePerKg { amount } } } } }',
});
const CATALOGUE = (n: number) =>
  JSON.stringify({
    query: `{ listings(first: ${n}) { totalCount edges { node { id title pricePerKg { amount currency } socialImpact { score womenOwned } seller { displayName } } } } }`,
  });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

interface LoadResult {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(
  url: string,
  body: string,
  seconds: number,
  headers: () => Record<string, string>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  // autocannon returns an emitter that is also awaitable; its typings only know the promise.
  const instance = autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    body,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req: any) => ({ ...req, headers: { ...req.headers, ...headers() } }) }],
  }) as unknown as Promise<autocannon.Result> & { on(event: 'response', listener: (...args: any[]) => void): void };
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) =>
    latencies.push(responseTime),
  );
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    rps: round(result.requests.average, 1),
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

function peakRssMb(pid: number | undefined): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return round(kb / 1024, 1);
  } catch {
    return null;
  }
}

async function metricSum(url: string, name: string, labelFilter = ''): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name) && line.includes(labelFilter)) sum += Number(line.split(' ').pop());
  return sum;
}

async function main() {
  const dbName = `hemp_bench_${Date.now().toString(36)}`;
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
  const urls = {
    IDENTITY_CONSENT_URL: `http://127.0.0.1:${ports.identity}/graphql`,
    LISTINGS_MATCHING_URL: `http://127.0.0.1:${ports.listings}/graphql`,
    EXTERNAL_SOURCES_URL: `http://127.0.0.1:${ports.external}/graphql`,
    ANALYTICS_URL: `http://127.0.0.1:${ports.analytics}/graphql`,
  };
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl,
    GATEWAY_SECRET: SECRET,
    JWT_PRIVATE_KEYS: JSON.stringify([jwk]),
    JWKS_URL: `http://127.0.0.1:${ports.identity}/.well-known/jwks.json`,
    GATEWAY_PORT: String(ports.gateway),
    IDENTITY_CONSENT_PORT: String(ports.identity),
    LISTINGS_MATCHING_PORT: String(ports.listings),
    EXTERNAL_SOURCES_PORT: String(ports.external),
    ANALYTICS_PORT: String(ports.analytics),
    SIMULATORS_ENABLED: 'false',
    CRAWL_INTERVAL_SECONDS: '0',
    ...urls,
  };
  const children: ChildProcess[] = [];
  try {
    const subgraphs = startProcess('subgraphs', ['dist/bench/bench/subgraphs.js'], env);
    children.push(subgraphs);
    await waitForReady(`http://127.0.0.1:${ports.analytics}/ready`, 60);

    // Seed through the subgraphs' own tables: 1,000 sellers, 10,000 listings.
    const seedDb = new DataSource({ type: 'postgres', url: dbUrl });
    await seedDb.initialize();
    const sellerIds = await seedSellers(seedDb, 1000);
    await seedListings(seedDb, { count: 10_000, sellerIds });
    await seedDb.query('ANALYZE');
    await seedDb.destroy();

    const gateway = startProcess('gateway', ['dist/bench/gateway/index.js'], env);
    const hive = startProcess(
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
    children.push(gateway, hive);
    await waitForReady(`http://127.0.0.1:${ports.gateway}/ready`, 60);
    await waitForReady(`http://127.0.0.1:${ports.hive}/healthcheck`, 60);

    const tokens = await Promise.all(
      sellerIds
        .slice(0, 500)
        .map(
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
    let next = 0;
    const uniqueAuth = () => ({ authorization: `Bearer ${tokens[next++ % tokens.length]}` });
    const ours = `http://127.0.0.1:${ports.gateway}/graphql`;
    const theirs = `http://127.0.0.1:${ports.hive}/graphql`;
    const direct = urls.LISTINGS_MATCHING_URL;
    const signed = () => {
      const h: Record<string, string> = { 'x-request-id': `bench-${next++}` };
      // Each request its own signature over the body: the subgraph refuses a replayed one.
      h[SIGNATURE_HEADER] = signGatewayRequest(SECRET, {
        method: 'POST',
        pathWithQuery: new URL(direct).pathname,
        body: ONE_SUBGRAPH,
        get: (n) => h[n],
      });
      return h;
    };

    // Warm both gateways and the subgraphs (query plans, JIT, connection pools).
    await load(ours, CATALOGUE(20), 3, uniqueAuth);
    await load(theirs, CATALOGUE(20), 3, uniqueAuth);
    await load(direct, ONE_SUBGRAPH, 2, signed);

    // 1. Gateway tax, interleaved rounds.
    const tax = { direct: [] as LoadResult[], gateway: [] as LoadResult[] };
    for (let r = 0; r < ROUNDS; r++) {
      tax.direct.push(await load(direct, ONE_SUBGRAPH, SECONDS, signed));
      tax.gateway.push(await load(ours, ONE_SUBGRAPH, SECONDS, () => ({})));
    }

    // 3. Peer comparison on the catalogue query, interleaved rounds.
    const peer = { ours: [] as LoadResult[], hive: [] as LoadResult[] };
    for (let r = 0; r < ROUNDS; r++) {
      peer.ours.push(await load(ours, CATALOGUE(20), SECONDS, uniqueAuth));
      peer.hive.push(await load(theirs, CATALOGUE(20), SECONDS, uniqueAuth));
    }

    // 2. The catalogue query, the long run.
    const catalogue = await load(ours, CATALOGUE(20), CATALOGUE_SECONDS, uniqueAuth);

    // 4. Statements and subgraph requests per operation.
    const subgraphMetrics = [ports.identity, ports.listings, ports.external, ports.analytics].map(
      (p) => `http://127.0.0.1:${p}/metrics`,
    );
    // Statements requests caused (relays and consumers poll in the background and are labelled apart).
    const sqlTotal = async () =>
      (await Promise.all(subgraphMetrics.map((u) => metricSum(u, 'db_statements_total', 'kind="request"')))).reduce(
        (a, b) => a + b,
        0,
      );
    // Let the load test's last requests finish before counting (bounded: at most 30 s).
    for (let previous = -1, current = await sqlTotal(), waited = 0; previous !== current && waited < 30; waited++) {
      await new Promise((r) => setTimeout(r, 1000));
      [previous, current] = [current, await sqlTotal()];
    }
    const perOperation: Record<string, { sqlStatements: number; subgraphRequests: number }> = {};
    for (const n of [1, 10, 100]) {
      const samples: Array<{ sqlStatements: number; subgraphRequests: number }> = [];
      for (let i = 0; i < 3; i++) {
        const sqlBefore = await sqlTotal();
        const callsBefore = await metricSum(
          `http://127.0.0.1:${ports.gateway}/metrics`,
          'subgraph_request_duration_seconds_count',
        );
        const res = await fetch(ours, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: CATALOGUE(n),
        });
        if (!res.ok) throw new Error(`catalogue N=${n} failed: ${res.status}`);
        const sqlAfter = await sqlTotal();
        const callsAfter = await metricSum(
          `http://127.0.0.1:${ports.gateway}/metrics`,
          'subgraph_request_duration_seconds_count',
        );
        samples.push({ sqlStatements: sqlAfter - sqlBefore, subgraphRequests: callsAfter - callsBefore });
      }
      // the smallest sample is the operation alone, without a consumer's write landing in between
      perOperation[`N=${n}`] = samples.reduce((a, b) => (b.sqlStatements < a.sqlStatements ? b : a));
    }

    const medianOf = (rs: LoadResult[], k: keyof LoadResult) => median(rs.map((x) => x[k]));
    const result = {
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGb: round(os.totalmem() / 2 ** 30, 1),
        node: process.version,
      },
      date: new Date().toISOString(),
      settings: { secondsPerRound: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, listings: 10_000, sellers: 1000 },
      gatewayTax: {
        query: 'listings(first: 20) { id title pricePerKg } (listings-matching only)',
        directRps: medianOf(tax.direct, 'rps'),
        gatewayRps: medianOf(tax.gateway, 'rps'),
        ratio: round(medianOf(tax.gateway, 'rps') / medianOf(tax.direct, 'rps'), 3),
        rounds: tax,
      },
      catalogue: {
        query: 'listings(first: 20) with seller { displayName } and socialImpact, unique Authorization per request',
        seconds: CATALOGUE_SECONDS,
        ...catalogue,
      },
      peerComparison: {
        oursRps: medianOf(peer.ours, 'rps'),
        hiveRps: medianOf(peer.hive, 'rps'),
        ratio: round(medianOf(peer.ours, 'rps') / medianOf(peer.hive, 'rps'), 3),
        oursP95: medianOf(peer.ours, 'p95'),
        hiveP95: medianOf(peer.hive, 'p95'),
        workers: { ours: 1, hive: 1 },
        rounds: peer,
      },
      perOperation,
      peakRssMb: { subgraphs: peakRssMb(subgraphs.pid), gateway: peakRssMb(gateway.pid), hive: peakRssMb(hive.pid) },
    };
    const dir = path.join(PROJECT_ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'gateway.json'), JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(
      JSON.stringify(
        {
          gatewayTax: result.gatewayTax.ratio,
          catalogue,
          peer: result.peerComparison.ratio,
          perOperation,
          peakRssMb: result.peakRssMb,
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

main().catch((err) => {
  process.stderr.write(`gateway bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
