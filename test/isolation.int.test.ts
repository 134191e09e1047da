import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { Role } from '#platform/infra/schema/shared-types';
import { insertListings, insertUsers } from './helpers/fixtures';
import { SOURCES } from './helpers/identity';
import { startTestStack, type TestStack } from './helpers/stack';
import { ensureBuilt } from './helpers/build';
import { postQuery } from './helpers/http';
import { sleep, waitFor } from './helpers/wait';

/**
 * 40 users ask the same thing at the same moment, five times over, through our gateway and through
 * Hive Gateway run by its CLI with the project's config (deploy/hive/gateway.config.ts). Each must
 * see only their own identity, orders, consents and match request. Identical subgraph requests
 * from different users must never be answered with one shared response.
 */
const USERS = 40;
const ROUNDS = 5;

let t: TestStack;
let hive: ChildProcess | undefined;
let hiveUrl: string;
let hiveLog = '';
interface Person {
  id: string;
  email: string;
  token: string;
  orderId: string;
  consentId: string;
  matchId: string;
}
const people: Person[] = [];
const errorLogs = () =>
  t.logs
    .filter((l) => /"level":"error"/.test(l))
    .slice(-3)
    .join('\n');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until `url` answers 200 (Hive takes a while to load its config), with Hive's log on failure. */
async function answers(url: string, timeoutMs: number) {
  await waitFor(async () => (await fetch(url)).ok, {
    timeoutMs,
    intervalMs: 250,
    retryErrors: true, // not listening yet
    what: `${url} to answer`,
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n${hiveLog.slice(-2000)}`);
  });
}

beforeAll(async () => {
  await ensureBuilt(); // Hive loads the signing plugin from dist/
  t = await startTestStack();
  const [seller] = await insertUsers(t.stack, 1, [Role.SELLER]);
  const listings = await insertListings(t.stack, [seller], 4);
  const buyers = await insertUsers(t.stack, USERS, [Role.BUYER]);
  const mutate = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await t.gql(query, variables, { token });
    if (res.body.errors) throw new Error(`${JSON.stringify(res.body.errors)}\n${errorLogs()}`);
    return res.body.data;
  };
  for (let i = 0; i < buyers.length; i += 4) {
    await Promise.all(
      buyers.slice(i, i + 4).map(async (b, j) => {
        const token = await t.tokenFor(b.id, [Role.BUYER]);
        const listing = listings[(i + j) % listings.length];
        const order = await mutate(
          token,
          `mutation($l: ID!, $k: String!) { placeOrder(listingId: $l, quantityKg: 1, idempotencyKey: $k) { id } }`,
          { l: listing.id, k: randomUUID() },
        );
        const consent = await mutate(
          token,
          `mutation($s: ID!) { grantConsent(input: { dataSourceId: $s, accessLevel: BASIC, purpose: "matching", consentVersion: "v1" }) { id } }`,
          { s: SOURCES.suppliers },
        );
        const match = await mutate(
          token,
          `mutation { requestMatches(input: { productType: ${listing.productType}, quantityKg: 1 }) { id } }`,
        );
        people.push({
          id: b.id,
          email: b.email,
          token,
          orderId: order.placeOrder.id,
          consentId: consent.grantConsent.id,
          matchId: match.requestMatches.id,
        });
      }),
    );
  }

  const port = await freePort();
  const urls = t.stack.subgraphs;
  hive = spawn(
    process.execPath,
    [
      path.join(PROJECT_ROOT, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js'),
      'supergraph',
      'schema/supergraph.graphql',
      '-c',
      'deploy/hive/gateway.config.ts',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
    ],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        GATEWAY_SECRET: t.config.GATEWAY_SECRET,
        IDENTITY_CONSENT_URL: urls['identity-consent'].url,
        LISTINGS_MATCHING_URL: urls['listings-matching'].url,
        EXTERNAL_SOURCES_URL: urls['external-sources'].url,
        ANALYTICS_URL: urls.analytics.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  hive.stdout?.on('data', (c) => (hiveLog += c));
  hive.stderr?.on('data', (c) => (hiveLog += c));
  hiveUrl = `http://127.0.0.1:${port}/graphql`;
  await answers(`http://127.0.0.1:${port}/healthcheck`, 120_000);
}, 600_000);

afterAll(async () => {
  if (hive && hive.exitCode === null) {
    const exited = new Promise((r) => hive!.once('exit', r));
    hive.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]); // its grace period, then it is killed
    if (hive.exitCode === null) hive.kill('SIGKILL');
  }
  await t?.stop();
});

/** The same document from everyone: `me` is then one identical subgraph request per user. */
const MINE = `query Mine { me { id email consents { id } orders(first: 10) { edges { node { id buyer { id } } } } } myConsents { id } }`;
const MATCH = `query Match($id: ID!) { me { id } matchRequest(id: $id) { id buyer { id } } }`;

async function round(url: string): Promise<string[]> {
  const post = (p: Person, query: string, variables: Record<string, unknown> = {}) =>
    postQuery(url, query, variables, { token: p.token }).then((r) => r.json);
  const answers = await Promise.all(
    people.flatMap((p) => [
      post(p, MINE).then((a) => [p, 'mine', a] as const),
      post(p, MATCH, { id: p.matchId }).then((a) => [p, 'match', a] as const),
    ]),
  );
  const wrong: string[] = [];
  for (const [p, kind, a] of answers) {
    const expected =
      kind === 'mine'
        ? {
            me: {
              id: p.id,
              email: p.email,
              consents: [{ id: p.consentId }],
              orders: { edges: [{ node: { id: p.orderId, buyer: { id: p.id } } }] },
            },
            myConsents: [{ id: p.consentId }],
          }
        : { me: { id: p.id }, matchRequest: { id: p.matchId, buyer: { id: p.id } } };
    if (a.errors || JSON.stringify(a.data) !== JSON.stringify(expected))
      wrong.push(`${p.id} ${kind}: ${JSON.stringify(a).slice(0, 300)}`);
  }
  return wrong;
}

describe.each([
  ['our gateway', () => t.gatewayUrl],
  ['Hive Gateway with deploy/hive/gateway.config.ts', () => hiveUrl],
])('%s', (_name, url) => {
  it(`answers each of ${USERS} users with only their own data, ${ROUNDS} rounds of ${USERS * 2} simultaneous requests`, async () => {
    expect(people).toHaveLength(USERS);
    const wrong: string[] = [];
    for (let r = 0; r < ROUNDS; r++) wrong.push(...(await round(url())));
    // the services' last errors beside the wrong answers, to tell a leak from a failure
    expect({ wrong: wrong.slice(0, 20), count: wrong.length, logs: wrong.length ? errorLogs() : '' }).toEqual({
      wrong: [],
      count: 0,
      logs: '',
    });
  }, 300_000);
});

it('Hive still shares identical anonymous subgraph requests (deduplication stays on for them)', async () => {
  const body = JSON.stringify({ query: '{ dataSources { slug } }' });
  const answers = await Promise.all(
    Array.from({ length: 20 }, () =>
      fetch(hiveUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.json()),
    ),
  );
  for (const a of answers) expect((a as any).data.dataSources).toHaveLength(3);
});
