import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signGatewayRequest, SIGNATURE_HEADER } from '#platform/infra/auth/gateway-signature';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { load as loadBody, median, round, type Run } from './load';
import { metricSum, peakRssMb } from './metrics';
import { uniqueNoop } from './operations';
import { BENCH_SECRET, startBenchStack } from './stack';

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
const BASE_PORT = Number(process.env.BENCH_BASE_PORT ?? 4700);

// Each body is unique (a filter that changes nothing, operations.ts uniqueNoop): the gateway's
// response cache and in-flight dedupe would otherwise answer the anonymous ones without a subgraph.
const ONE_SUBGRAPH = () =>
  JSON.stringify({
    query:
      'query One($f: ListingFilter) { listings(first: 20, filter: $f) { edges { node { id title pricePerKg { amount } } } } }',
    variables: { f: uniqueNoop() },
  });
const CATALOGUE = (n: number) =>
  JSON.stringify({
    query: `query Catalogue($f: ListingFilter) { listings(first: ${n}, filter: $f) { totalCount edges { node { id title pricePerKg { amount currency } socialImpact { score womenOwned } seller { displayName } } } } }`,
    variables: { f: uniqueNoop() },
  });

type LoadResult = Run;

/** A body from `body()` each request, with headers for that body. */
const load = (url: string, body: () => string, seconds: number, headers: (body: string) => Record<string, string>) =>
  loadBody(
    url,
    () => {
      const b = body();
      return { body: b, headers: headers(b) };
    },
    { seconds, connections: CONNECTIONS },
  );

async function main() {
  const stack = await startBenchStack({
    basePort: BASE_PORT,
    hive: true,
    sellers: 1000,
    buyers: 500,
    firstScale: 10_000,
  });
  try {
    // 1,000 sellers and 10,000 listings
    await stack.seedTo(10_000);
    const tokens = await Promise.all(stack.buyerIds.map((id) => stack.token(id, ['BUYER'])));
    let next = 0;
    const uniqueAuth = () => ({ authorization: `Bearer ${tokens[next++ % tokens.length]}` });
    const ours = stack.ours;
    const theirs = stack.hive!;
    const direct = `http://127.0.0.1:${BASE_PORT + 2}/graphql`;
    const signed = (body: string) => {
      const h: Record<string, string> = { 'x-request-id': `bench-${next++}` };
      // Each request its own signature over the body: the subgraph refuses a replayed one.
      h[SIGNATURE_HEADER] = signGatewayRequest(BENCH_SECRET, {
        method: 'POST',
        pathWithQuery: new URL(direct).pathname,
        body,
        get: (n) => h[n],
      });
      return h;
    };
    const catalogue20 = () => CATALOGUE(20);

    // Warm both gateways and the subgraphs (query plans, JIT, connection pools).
    await load(ours, catalogue20, 3, uniqueAuth);
    await load(theirs, catalogue20, 3, uniqueAuth);
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
      peer.ours.push(await load(ours, catalogue20, SECONDS, uniqueAuth));
      peer.hive.push(await load(theirs, catalogue20, SECONDS, uniqueAuth));
    }

    // 2. The catalogue query, the long run.
    const catalogue = await load(ours, catalogue20, CATALOGUE_SECONDS, uniqueAuth);

    // 4. Statements and subgraph requests per operation.
    const subgraphMetrics = [1, 2, 3, 4].map((p) => `http://127.0.0.1:${BASE_PORT + p}/metrics`);
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
          `http://127.0.0.1:${BASE_PORT}/metrics`,
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
          `http://127.0.0.1:${BASE_PORT}/metrics`,
          'subgraph_request_duration_seconds_count',
        );
        samples.push({ sqlStatements: sqlAfter - sqlBefore, subgraphRequests: callsAfter - callsBefore });
      }
      // the smallest sample is the operation alone, without a consumer's write landing in between
      perOperation[`N=${n}`] = samples.reduce((a, b) => (b.sqlStatements < a.sqlStatements ? b : a));
    }

    const medianOf = (rs: LoadResult[], k: 'rps' | 'p95') => median(rs.map((x) => x[k]));
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
      peakRssMb: {
        subgraphs: peakRssMb(stack.pids.subgraphs),
        gateway: peakRssMb(stack.pids.gateway),
        hive: peakRssMb(stack.pids.hive),
      },
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
    await stack.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`gateway bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
