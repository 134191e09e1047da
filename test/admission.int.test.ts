import type { QueryRunner } from 'typeorm';
import { Role } from '#platform/infra/schema/shared-types';
import { insertListings, insertUsers } from './helpers/fixtures';
import { startTestStack, type GraphQLResponse, type TestStack } from './helpers/stack';
import { waitFor } from './helpers/wait';

/**
 * Admission control through the gateway (gateway/edge/admission.ts): one slot, two places in the
 * queue, a short wait. An order blocked on a row lock held by the test keeps the slot taken.
 */
let t: TestStack;
let buyerToken: string;
let listingId: string;
let lock: QueryRunner;

const ORDER = `mutation($id: ID!, $key: String!) { placeOrder(listingId: $id, quantityKg: 1, idempotencyKey: $key) { id status } }`;
const ME = `{ me { id } }`;
const CATALOGUE = `{ listings(first: 2) { edges { node { id } } } }`;

beforeAll(async () => {
  t = await startTestStack({
    env: {
      GATEWAY_MAX_CONCURRENCY: '1',
      GATEWAY_MAX_QUEUED: '2',
      GATEWAY_MAX_QUEUE_WAIT_MS: '1500',
      RESPONSE_CACHE_TTL_MS: '60000',
    },
  });
  const sellers = await insertUsers(t.stack, 1);
  const [buyer] = await insertUsers(t.stack, 1, [Role.BUYER]);
  buyerToken = await t.tokenFor(buyer.id, [Role.BUYER]);
  [{ id: listingId }] = await insertListings(t.stack, sellers, 1);
});
afterAll(async () => {
  if (lock?.isTransactionActive) await lock.rollbackTransaction();
  await lock?.release();
  await t?.stop();
});

/** Returns the blocked order's answer, wrapped: awaiting a returned promise would wait for the order itself. */
async function holdTheSlot(): Promise<{ order: Promise<GraphQLResponse> }> {
  lock = t.stack.subgraphs['listings-matching'].deps.db.dataSource.createQueryRunner();
  await lock.connect();
  await lock.startTransaction();
  await lock.query(`SELECT 1 FROM listings.listings WHERE id = $1 FOR UPDATE`, [listingId]);
  const order = t.gql(ORDER, { id: listingId, key: `held-${Date.now()}` }, { token: buyerToken });
  // The order is admitted and waits on the row lock.
  await waitFor(async () => {
    const [row] = await lock.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')`,
    );
    return row.n > 0;
  });
  return { order };
}

it('past the queue an operation is refused at once with 503, and a waiting one after the wait', async () => {
  // Cached before the slot is taken: a cached answer needs no slot.
  const warm = await t.gql(CATALOGUE);
  expect(warm.status).toBe(200);
  const { order } = await holdTheSlot();

  const queued = [t.gql(ME, {}, { token: buyerToken }), t.gql(ME, {}, { token: buyerToken })];
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  const refused = await t.gql(ME, {}, { token: buyerToken });
  expect(Date.now() - started).toBeLessThan(1000);
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('1');
  expect(refused.body.errors?.[0].extensions).toEqual({
    code: 'RATE_LIMITED',
    reason: 'OVERLOADED',
    retryAfterSeconds: 1,
  });
  expect(refused.body.data).toBeUndefined();

  const cached = await t.gql(CATALOGUE);
  expect(cached.status).toBe(200);
  expect(cached.headers.get('x-cache')).toBe('HIT');

  // The two in the queue wait 1.5 s, then are refused the same way.
  for (const r of await Promise.all(queued)) {
    expect(r.status).toBe(503);
    expect(r.body.errors?.[0].extensions?.reason).toBe('OVERLOADED');
  }

  await lock.commitTransaction();
  const placed = await order;
  expect(placed.status).toBe(200);
  expect(placed.body.data.placeOrder.status).toBe('CONFIRMED');
});

it('gives the slot back after each operation: waiting ones run in turn, and nothing is held afterwards', async () => {
  const { order } = await holdTheSlot();
  const waiting = [t.gql(ME, {}, { token: buyerToken }), t.gql(`{ listings(first: 1) { totalCount } }`)];
  await new Promise((r) => setTimeout(r, 200));
  await lock.commitTransaction();
  expect((await order).status).toBe(200);
  for (const r of await Promise.all(waiting)) {
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
  }
  // An error in an operation gives its slot back too.
  const bad = await t.gql(
    `mutation($id: ID!) { placeOrder(listingId: $id, quantityKg: -1, idempotencyKey: "bad") { id } }`,
    { id: listingId },
    { token: buyerToken },
  );
  expect(bad.status).toBe(200);
  expect(bad.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  const results = await Promise.all(Array.from({ length: 2 }, () => t.gql(ME, {}, { token: buyerToken })));
  expect(results.map((r) => r.status)).toEqual([200, 200]);
  const metrics = await fetch(new URL('/metrics', t.gatewayUrl)).then((r) => r.text());
  expect(metrics).toMatch(/gateway_admission_in_flight 0/);
  expect(metrics).toMatch(/gateway_admission_queued 0/);
  expect(metrics).toMatch(/gateway_admission_refused_total\{reason="queue_full"\} 1/);
  expect(metrics).toMatch(/gateway_admission_refused_total\{reason="wait_timeout"\} 2/);
});
