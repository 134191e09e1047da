import type { QueryRunner } from 'typeorm';
import { Role } from '#platform/infra/schema/shared-types';
import { insertListings, insertUsers } from './helpers/fixtures';
import { startTestStack, type GraphQLResponse, type TestStack } from './helpers/stack';
import { waitFor } from './helpers/wait';

/**
 * Priority at the gateway (gateway/edge/priority.ts), through the whole stack: one other operation
 * at a time while a priority one is in flight, one place in the queue. The test holds operations
 * in PostgreSQL: an order waits on a listing's row lock, and `me` waits on a lock on the users table.
 */
let t: TestStack;
let buyerToken: string;
/** One token per `me`: identical requests of one user would share a subgraph call (in-flight dedupe). */
let tokens: string[];
let next = 0;
let listingId: string;
const locks: QueryRunner[] = [];

const ORDER = `mutation($id: ID!, $key: String!) { placeOrder(listingId: $id, quantityKg: 1, idempotencyKey: $key) { id status } }`;
const ME = `query Me { me { id } }`;
const SEARCH = `query Search { listings(first: 1, filter: { text: "hemp" }) { totalCount } }`;

beforeAll(async () => {
  t = await startTestStack({
    env: {
      GATEWAY_PRIORITY_OTHERS: '1',
      GATEWAY_PRIORITY_HOLD_MS: '200',
      GATEWAY_MAX_QUEUED: '1',
      GATEWAY_MAX_QUEUE_WAIT_MS: '5000',
    },
  });
  const sellers = await insertUsers(t.stack, 1);
  const buyers = await insertUsers(t.stack, 12, [Role.BUYER]);
  buyerToken = await t.tokenFor(buyers[0].id, [Role.BUYER]);
  tokens = await Promise.all(buyers.slice(1).map((b) => t.tokenFor(b.id, [Role.BUYER])));
  [{ id: listingId }] = await insertListings(t.stack, sellers, 1);
});
afterAll(async () => {
  for (const lock of locks) {
    if (lock.isTransactionActive) await lock.rollbackTransaction();
    await lock.release();
  }
  await t?.stop();
});

async function lockWith(subgraph: 'listings-matching' | 'identity-consent', sql: string, params: unknown[] = []) {
  const runner = t.stack.subgraphs[subgraph].deps.db.dataSource.createQueryRunner();
  locks.push(runner);
  await runner.connect();
  await runner.startTransaction();
  await runner.query(sql, params);
  return runner;
}

/** Statements of the test database waiting for a lock of the given kind. */
async function waiting(kind: 'relation' | 'row'): Promise<number> {
  const [row] = await t.stack.subgraphs['identity-consent'].deps.db.dataSource.query(
    `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype = ANY($1)`,
    [kind === 'relation' ? ['relation'] : ['transactionid', 'tuple']],
  );
  return row.n;
}

const me = () => t.gql(ME, {}, { token: tokens[next++ % tokens.length] });

it('limits nothing while no priority operation is in flight', async () => {
  const users = await lockWith('identity-consent', `LOCK TABLE identity.users IN ACCESS EXCLUSIVE MODE`);
  const all = Array.from({ length: 3 }, me);
  // All three reach PostgreSQL at once.
  await waitFor(async () => (await waiting('relation')) === 3);
  await users.commitTransaction();
  expect((await Promise.all(all)).map((r) => r.status)).toEqual([200, 200, 200]);
});

it('while an order is in flight, others wait their turn and past the queue are refused; a search never waits', async () => {
  const row = await lockWith('listings-matching', `SELECT 1 FROM listings.listings WHERE id = $1 FOR UPDATE`, [
    listingId,
  ]);
  const order = { pending: t.gql(ORDER, { id: listingId, key: `held-${Date.now()}` }, { token: buyerToken }) };
  await waitFor(async () => (await waiting('row')) > 0);

  const users = await lockWith('identity-consent', `LOCK TABLE identity.users IN ACCESS EXCLUSIVE MODE`);
  const first = me();
  await waitFor(async () => (await waiting('relation')) === 1);
  const second = me();
  await new Promise((r) => setTimeout(r, 300));
  // The second waits at the gateway, not in PostgreSQL.
  expect(await waiting('relation')).toBe(1);

  const started = Date.now();
  const refused = await me();
  expect(Date.now() - started).toBeLessThan(1000);
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('1');
  expect(refused.body.errors?.[0].extensions).toEqual({
    code: 'RATE_LIMITED',
    reason: 'OVERLOADED',
    retryAfterSeconds: 1,
  });

  // A priority query goes past the waiting one.
  const search = await t.gql(SEARCH);
  expect(search.status).toBe(200);
  expect(search.body.data.listings.totalCount).toBeGreaterThanOrEqual(0);

  await users.commitTransaction();
  for (const r of await Promise.all([first, second])) {
    expect(r.status).toBe(200);
    expect(r.body.data.me.id).toBeTruthy();
  }
  await row.commitTransaction();
  const placed: GraphQLResponse = await order.pending;
  expect(placed.status).toBe(200);
  expect(placed.body.data.placeOrder.status).toBe('CONFIRMED');

  // Past the hold, nothing is limited again.
  await new Promise((r) => setTimeout(r, 300));
  const again = await lockWith('identity-consent', `LOCK TABLE identity.users IN ACCESS EXCLUSIVE MODE`);
  const three = Array.from({ length: 3 }, me);
  await waitFor(async () => (await waiting('relation')) === 3);
  await again.commitTransaction();
  expect((await Promise.all(three)).map((r) => r.status)).toEqual([200, 200, 200]);

  const metrics = await fetch(new URL('/metrics', t.gatewayUrl)).then((r) => r.text());
  expect(metrics).toMatch(/gateway_priority_queued 0/);
  expect(metrics).toMatch(/gateway_priority_refused_total\{reason="queue_full"\} 1/);
});
