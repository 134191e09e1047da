import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { signedHeaders } from './helpers/signed';
import { startSubgraph, type RunningSubgraph } from '#platform/infra/service/subgraph';
import { startGateway, type RunningGateway } from '../gateway/server';
import { listingsMatchingSubgraph } from '../subgraphs/listings-matching/server';
import { startTestStack, type TestStack } from './helpers/stack';
import { registerUser, type Session } from './helpers/identity';
import { postQuery } from './helpers/http';
import { waitFor } from './helpers/wait';

/**
 * Revocation across replicas sharing Redis (docs/revocation.md): the test stack is replica A of
 * every service; gateway B and listings-matching B are started as if they ran in other processes
 * (they do not hear this process's in-memory feed), so a revocation reaches them only through Redis
 * pub/sub or their poll of identity-consent's log. The delay is measured and printed.
 *
 * Needs Redis: REDIS_URL_FOR_TESTS (or REDIS_URL), default redis://127.0.0.1:6379/1.
 */
const REDIS_URL = process.env.REDIS_URL_FOR_TESTS ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/1';
const prefix = `test:${randomBytes(4).toString('hex')}:`;

let t: TestStack;
let listingsB: RunningSubgraph;
let gatewayB: RunningGateway;
let gatewayPollOnly: RunningGateway;
let gatewayBlind: RunningGateway;

beforeAll(async () => {
  t = await startTestStack({
    env: {
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      EVENTS_REDIS_PREFIX: `${prefix}events:`,
      RATE_LIMIT_REGISTER_PER_IP: '10000',
      RATE_LIMIT_LOGIN_PER_IP: '10000',
      SUBGRAPH_TIMEOUT_MS: '30000',
    },
  });
  const quiet = { logDestination: { write: () => true } as never };
  // B's reads of the log are plain polls (every 2 s with Redis), not held ones: what reaches B
  // sooner came through Redis.
  listingsB = await startSubgraph(
    listingsMatchingSubgraph as never,
    { ...t.stack.subgraphs['listings-matching'].deps.config, REVOCATION_LONG_POLL_MS: 0 },
    { port: 0, isolatedRevocations: true, ...quiet },
  );
  gatewayB = await startGateway(
    {
      ...t.config,
      REVOCATION_LONG_POLL_MS: 0,
      subgraphUrls: { ...t.config.subgraphUrls, 'listings-matching': listingsB.url },
    },
    { port: 0, isolatedRevocations: true, ...quiet },
  );
  // A replica without Redis: only its reads of identity's log feed it, held by identity until the
  // log changes (REVOCATION_LONG_POLL_MS, by default).
  gatewayPollOnly = await startGateway(
    { ...t.config, REDIS_URL: undefined, REVOCATION_POLL_MS: 250 },
    { port: 0, isolatedRevocations: true, ...quiet },
  );
  // A replica that cannot read the log at all: past REVOCATION_MAX_STALENESS_MS it fails closed.
  gatewayBlind = await startGateway(
    {
      ...t.config,
      REDIS_URL: undefined,
      REVOCATION_MAX_STALENESS_MS: 1000,
      subgraphUrls: { ...t.config.subgraphUrls, 'identity-consent': 'http://127.0.0.1:1/graphql' },
    },
    { port: 0, isolatedRevocations: true, ...quiet },
  );
}, 180_000);

afterAll(async () => {
  await gatewayBlind?.stop();
  await gatewayPollOnly?.stop();
  await gatewayB?.stop();
  await listingsB?.stop();
  await t?.stop();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

const ME = `{ me { id } }`;
const MATCH = `mutation { requestMatches(input: { productType: HEMP_FIBRE, quantityKg: 20 }) { id } }`;
const LOGOUT = `mutation($token: String!) { logout(refreshToken: $token) }`;

/** The HTTP status of a GraphQL request to one gateway. */
const statusOf = async (url: string, query: string, token: string, variables: Record<string, unknown> = {}) =>
  (await postQuery(url, query, variables, { token })).status;

/** Straight to listings-matching B, signed as its gateway would: B's own view decides. */
async function direct(token: string): Promise<number> {
  const body = JSON.stringify({ query: '{ __typename }' });
  const headers = signedHeaders(t.config.GATEWAY_SECRET, listingsB.url, body, { authorization: `Bearer ${token}` });
  const res = await fetch(listingsB.url, { method: 'POST', headers, body });
  await res.text();
  return res.status;
}

/** Milliseconds from `since` until `probe` answers 401 (polled as fast as it answers), and how many requests were still accepted. */
async function refusedAfter(
  since: number,
  probe: () => Promise<number>,
  accepted: number[],
  timeoutMs = 15_000,
): Promise<number> {
  let n = 0;
  for (;;) {
    if ((await probe()) === 401) {
      accepted.push(n);
      return performance.now() - since;
    }
    n += 1;
    if (performance.now() - since > timeoutMs) throw new Error(`still accepted after ${timeoutMs} ms`);
  }
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`;
}

it('a logout through replica A is refused by gateway B and listings-matching B within 1 s, through Redis (delay printed)', async () => {
  const users: Session[] = [];
  // Registration is scrypt-bound: one at a time on a shared machine.
  for (let i = 0; i < 6; i++) users.push(await registerUser(t));
  const delays = {
    gatewayA: [] as number[],
    gatewayB: [] as number[],
    listingsB: [] as number[],
    pollOnly: [] as number[],
  };
  const accepted = {
    gatewayA: [] as number[],
    gatewayB: [] as number[],
    listingsB: [] as number[],
    pollOnly: [] as number[],
  };
  for (const user of users) {
    expect(await statusOf(gatewayB.url, MATCH, user.accessToken)).toBe(200);
    expect(await direct(user.accessToken)).toBe(200);
    expect(await statusOf(t.gatewayUrl, LOGOUT, '', { token: user.refreshToken })).toBe(200);
    // Measured from the moment the client has the logout's answer.
    const started = performance.now();
    const [a, b, l, p] = await Promise.all([
      refusedAfter(started, () => statusOf(t.gatewayUrl, ME, user.accessToken), accepted.gatewayA),
      refusedAfter(started, () => statusOf(gatewayB.url, MATCH, user.accessToken), accepted.gatewayB),
      refusedAfter(started, () => direct(user.accessToken), accepted.listingsB),
      refusedAfter(started, () => statusOf(gatewayPollOnly.url, ME, user.accessToken), accepted.pollOnly),
    ]);
    delays.gatewayA.push(a);
    delays.gatewayB.push(b);
    delays.listingsB.push(l);
    delays.pollOnly.push(p);
  }
  // The design target is under 1 s (printed below, measured); the assertion is generous so a busy
  // machine (CI, a second suite beside this one) cannot fail it. It still fails when a replica only
  // learns of the logout at the staleness bound (10 s) or never; that Redis carried the revocations
  // is asserted on listings-matching B's feed metric below, not inferred from timing.
  for (const [replica, values] of Object.entries(delays))
    expect({ replica, max: Math.max(...values) < 5000 }).toEqual({ replica, max: true });
  // In the process that took the decision, and on Redis replicas, the very next request is refused.
  expect(accepted.gatewayA.every((n) => n === 0)).toBe(true);
  const line = (name: keyof typeof delays) =>
    `${summary(delays[name])}; requests still accepted after the logout answered: ${accepted[name].join(', ')}`;
  const lag = await listingsB.deps.metrics.registry.getSingleMetric('revocation_propagation_seconds')!.get();
  const redisSum = lag.values.find(
    (v) =>
      (v as { metricName?: string }).metricName === 'revocation_propagation_seconds_sum' && v.labels.feed === 'redis',
  );
  const redisCount = lag.values.find(
    (v) =>
      (v as { metricName?: string }).metricName === 'revocation_propagation_seconds_count' && v.labels.feed === 'redis',
  );
  expect(Number(redisCount?.value)).toBeGreaterThanOrEqual(users.length);
  console.log(
    [
      `revocation delay, from the client receiving the logout's answer to the first refused request (${users.length} users):`,
      `  gateway A (same process as identity): ${line('gatewayA')}`,
      `  gateway B (Redis pub/sub):             ${line('gatewayB')}`,
      `  listings-matching B (Redis pub/sub):   ${line('listingsB')}`,
      `  gateway without Redis (held reads):    ${line('pollOnly')}`,
      `  listings-matching B, decision committed → applied via Redis: mean ${((Number(redisSum?.value) / Number(redisCount?.value)) * 1000).toFixed(1)} ms over ${redisCount?.value} revocations`,
    ].join('\n'),
  );
});

it('a replica that cannot read the revocation log refuses signed-in requests after the bound (fail closed) and still serves anonymous ones', async () => {
  const user = await registerUser(t);
  // REVOCATION_MAX_STALENESS_MS is 1 s for this replica: once past it, signed-in requests are refused
  const signedIn = await waitFor(
    async () => {
      const res = await postQuery(
        gatewayBlind.url,
        '{ listings(first: 1) { totalCount } }',
        {},
        { token: user.accessToken },
      );
      return res.status !== 200 && res;
    },
    { intervalMs: 100, what: 'the blind replica to refuse a signed-in request' },
  );
  expect(signedIn.status).toBe(503);
  expect(signedIn.json.errors[0].extensions).toMatchObject({
    code: 'INTERNAL_SERVER_ERROR',
    serviceName: 'gateway',
  });
  const anonymous = await fetch(gatewayBlind.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ listings(first: 1) { totalCount } }' }),
  });
  expect(anonymous.status).toBe(200);
});
