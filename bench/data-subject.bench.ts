/**
 * Data-subject request numbers, through the gateway on real PostgreSQL:
 *   NODE_OPTIONS=--experimental-vm-modules npx jest --roots '<rootDir>/bench' --testMatch '**\/data-subject.bench.ts' --testTimeout 600000
 * Writes bench/results/data-subject.json. Not part of the test suite (jest only collects *.test.ts).
 *
 * Measures request → COMPLETED (polling every 10 ms) for an export and an erasure, for small users
 * and for one heavy user whose interactions pass the 10 000-rows-per-kind cap.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { SIGNATURE_HEADER, signGatewayRequest } from '#platform/infra/auth/gateway-signature';
import { createDataSubjectClient } from '#platform/contracts/data-subject';
import { pseudonymise } from '../subgraphs/analytics/modules/interaction/pseudonym';
import { registerUser, type Session } from '../test/helpers/identity';
import { startTestStack, type TestStack } from '../test/helpers/stack';
import { latencyStats } from './stats';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ env: { LOG_LEVEL: 'warn', RATE_LIMIT_REGISTER_PER_IP: '100000' } });
});

afterAll(async () => {
  await t?.stop();
});

/**
 * Milliseconds from the mutation to a finished request (status polled in the database every 10 ms),
 * then the time to read the finished request through the gateway.
 */
async function run(mutation: string, token: string): Promise<{ ms: number; readMs: number; request: any }> {
  const db = t.stack.subgraphs['identity-consent'].deps.db.dataSource;
  const started = performance.now();
  const res = await t.gql(mutation, {}, { token });
  const id = Object.values(res.body.data as Record<string, { id: string }>)[0].id;
  for (;;) {
    const [row] = await db.query(`SELECT status FROM identity.data_subject_requests WHERE id = $1`, [id]);
    if (row.status !== 'PENDING') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = performance.now() - started;
  const readStarted = performance.now();
  const poll = await t.gql(
    `query($id: ID!) { dataSubjectRequest(id: $id) { status export report { subgraph erased retained } failureReason } }`,
    { id },
    { token },
  );
  return { ms, readMs: performance.now() - readStarted, request: poll.body.data.dataSubjectRequest };
}

const EXPORT = `mutation { requestDataExport { id } }`;
const ERASE = `mutation { requestErasure { id } }`;

/** Rows straight into each subgraph's tables: a seller with listings, orders on them, match requests and interactions. */
async function seedHeavy(
  user: Session,
  buyer: Session,
  counts: { listings: number; orders: number; matchRequests: number; interactions: number },
) {
  const listings = t.stack.subgraphs['listings-matching'].deps.db.dataSource;
  await listings.query(
    `INSERT INTO listings.listings (seller_id, title, description, product_type, quantity_kg, available_kg, price_per_kg, province, status)
     SELECT $1, 'Bench lot ' || i, 'Bench listing', 'HEMP_FIBRE', 1000, 1000, 50, 'GAUTENG', 'ACTIVE' FROM generate_series(1, $2) i`,
    [user.id, counts.listings],
  );
  await listings.query(
    `INSERT INTO listings.orders (listing_id, buyer_id, seller_id, quantity_kg, price_per_kg, total, status, idempotency_key)
     SELECT l.id, $2, $1, 1, 50, 50, CASE WHEN row_number() OVER () % 4 = 0 THEN 'CANCELLED' ELSE 'CONFIRMED' END, 'bench-' || l.id
       FROM listings.listings l WHERE l.seller_id = $1 LIMIT $3`,
    [user.id, buyer.id, counts.orders],
  );
  await listings.query(
    `INSERT INTO listings.match_requests (buyer_id, product_type, quantity_kg, weights) SELECT $1, 'HEMP_SEED', 10, '{}'::jsonb FROM generate_series(1, $2)`,
    [user.id, counts.matchRequests],
  );
  const analytics = t.stack.subgraphs.analytics.deps.db.dataSource;
  await analytics.query(
    `INSERT INTO analytics.interactions (event_id, type, user_key, metadata, occurred_at)
     SELECT 'bench:' || $1 || ':' || i, 'SEARCH', $1, '{"criteria":{"productType":"HEMP_FIBRE"}}'::jsonb, now() - (i || ' seconds')::interval
       FROM generate_series(1, $2) i`,
    [pseudonymise(t.config.PSEUDONYM_SECRET, user.id), counts.interactions],
  );
}

test('data-subject request benchmark', async () => {
  const results: Record<string, unknown> = {
    at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      node: process.version,
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    },
  };

  // 1. Small users (a registration and a few audit rows): the fixed cost of a request.
  const exportMs: number[] = [];
  const eraseMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const user = await registerUser(t);
    exportMs.push((await run(EXPORT, user.accessToken)).ms);
    eraseMs.push((await run(ERASE, user.accessToken)).ms);
  }
  results.smallUser = { exportToCompleted: latencyStats(exportMs), erasureToCompleted: latencyStats(eraseMs) };

  // 2. One heavy user: interactions past the cap, thousands of listings and orders.
  const counts = { listings: 5000, orders: 5000, matchRequests: 2000, interactions: 12_000 };
  const heavy = await registerUser(t, { roles: ['BUYER', 'SELLER'] });
  const buyer = await registerUser(t);
  await seedHeavy(heavy, buyer, counts);
  const client = createDataSubjectClient(t.stack.config, 60_000);
  const perSubgraph: Record<string, number> = {};
  for (const name of ['listings-matching', 'analytics'] as const) {
    const started = performance.now();
    await client.export(name, heavy.id, '00000000-0000-4000-8000-000000000000');
    perSubgraph[name] = Math.round(performance.now() - started);
  }
  const exported = await run(EXPORT, heavy.accessToken);
  exported.request.id = exported.request.export.requestId;
  // The same read straight from identity-consent (signed as the gateway signs), to split the cost.
  const directUrl = t.stack.subgraphs['identity-consent'].url;
  const directBody = JSON.stringify({
    query: `query($id: ID!) { dataSubjectRequest(id: $id) { export } }`,
    variables: { id: exported.request.id },
  });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-request-id': 'bench-direct',
    authorization: `Bearer ${heavy.accessToken}`,
  };
  headers[SIGNATURE_HEADER] = signGatewayRequest(t.config.GATEWAY_SECRET, {
    method: 'POST',
    pathWithQuery: new URL(directUrl).pathname,
    body: directBody,
    get: (h) => headers[h],
  });
  const directStarted = performance.now();
  const direct = await fetch(directUrl, { method: 'POST', headers, body: directBody });
  await direct.json();
  const directReadMs = performance.now() - directStarted;
  const erased = await run(ERASE, heavy.accessToken);
  results.heavyUser = {
    seeded: counts,
    exportRouteMs: perSubgraph,
    exportToCompletedMs: Math.round(exported.ms),
    exportReadThroughGatewayMs: Math.round(exported.readMs),
    exportReadFromSubgraphMs: Math.round(directReadMs),
    exportBytes: Buffer.byteLength(JSON.stringify(exported.request.export)),
    truncated: exported.request.export.truncated,
    erasureToCompletedMs: Math.round(erased.ms),
    report: erased.request.report,
  };

  const out = path.join(__dirname, 'results', 'data-subject.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  expect(exported.request.status).toBe('COMPLETED');
  expect(erased.request.status).toBe('COMPLETED');
});
