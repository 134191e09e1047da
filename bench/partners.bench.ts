import 'reflect-metadata';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'graphql';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { Role } from '#platform/infra/schema/shared-types';
import { scanValue } from '../gateway/edge/threat-patterns';
import { requestStrings } from '../gateway/edge/threats';
import { PARTNER_MANIFEST_PATH } from '../gateway/partners/manifest';
import { insertListings, insertUsers } from '../test/helpers/fixtures';
import { startTestStack } from '../test/helpers/stack';

/**
 * What the partner path and threat detection cost at the gateway.
 * 1. Threat scanning alone: microseconds per request for an ordinary search and for 4 KB adversarial values.
 * 2. Through the whole stack (real PostgreSQL): PartnerActiveListings sent as a partner (key lookup,
 *    tier limit, manifest) against the same document sent anonymously, at 10 concurrent clients.
 * `npm run bench:partners` → bench/results/partners.json
 */
function perOp(fn: () => void, iterations: number): number {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - started) / 1000 / iterations;
}

function scanRequest(doc: ReturnType<typeof parse>, variables: Record<string, unknown>) {
  for (const [, value] of requestStrings(doc, variables)) scanValue(value);
}

function threatScan() {
  const search = parse(
    'query Search($filter: ListingFilter, $first: Int) { listings(filter: $filter, first: $first, sort: NEWEST) { totalCount edges { node { id title } } } }',
  );
  const ordinary = {
    filter: { text: "O'Brien's hemp farm", productType: 'HEMP_OIL', province: 'GAUTENG', minPricePerKg: '12.50' },
    first: 20,
  };
  const adversarial: Record<string, string> = {
    quotes: "' or ".repeat(820),
    angles: '<'.repeat(4096),
    spaces: `'${' '.repeat(4090)}or`,
    dots: '..'.repeat(2048),
    selects: 'select '.repeat(585),
  };
  const result: Record<string, number> = { ordinarySearchMicros: perOp(() => scanRequest(search, ordinary), 20_000) };
  for (const [name, value] of Object.entries(adversarial))
    result[`adversarial4kb_${name}Micros`] = perOp(() => scanRequest(search, { filter: { text: value } }), 500);
  return result;
}

async function timed(concurrency: number, total: number, call: () => Promise<number>) {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        const t0 = performance.now();
        if ((await call()) !== 200) failures += 1;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(2));
  return { requests: total, failures, rps: Math.round(total / seconds), p50Ms: q(0.5), p95Ms: q(0.95), p99Ms: q(0.99) };
}

async function throughStack() {
  const t = await startTestStack({ env: { LOG_LEVEL: 'warn', PARTNER_LIMIT_STANDARD: '1000000' } });
  try {
    const [admin] = await insertUsers(t.stack, 1, [Role.ADMIN]);
    const sellers = await insertUsers(t.stack, 20);
    await insertListings(t.stack, sellers, 10);
    const token = await t.tokenFor(admin.id, [Role.ADMIN]);
    const created = await t.gql(
      'mutation { createPartnerClient(name: "Bench Partner", tier: STANDARD) { apiKey } }',
      {},
      { token },
    );
    const apiKey = created.body.data.createPartnerClient.apiKey as string;
    const op = JSON.parse(readFileSync(PARTNER_MANIFEST_PATH, 'utf8')).operations.find(
      (o: { name: string }) => o.name === 'PartnerActiveListings',
    );
    const variables = { productType: null, province: null, first: 20 };
    const send =
      (body: unknown, headers: Record<string, string> = {}) =>
      async () =>
        await fetch(t.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        }).then(async (r) => (await r.arrayBuffer(), r.status));
    const anonymous = send({ query: op.body, variables });
    const partner = send(
      { variables, extensions: { persistedQuery: { version: 1, sha256Hash: op.id } } },
      { 'x-api-key': apiKey },
    );
    await timed(10, 200, anonymous);
    await timed(10, 200, partner);
    return { anonymousSameDocument: await timed(10, 1500, anonymous), partnerByHash: await timed(10, 1500, partner) };
  } finally {
    await t.stop();
  }
}

async function main() {
  const result = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))) },
    threatScan: threatScan(),
    gateway: await throughStack(),
  };
  const dir = path.join(PROJECT_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'partners.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
