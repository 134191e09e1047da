import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import Redis from 'ioredis';
import { Role } from '#platform/infra/schema/shared-types';
import { startGateway, type RunningGateway } from '../gateway/server';
import { PARTNER_MANIFEST_PATH } from '../gateway/partners/manifest';
import type { AppConfig } from '#platform/infra/config';
import { insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';
import { postQuery, type PostResult } from './helpers/http';
import { waitFor } from './helpers/wait';

const REDIS_URL = process.env.REDIS_URL_FOR_TESTS ?? 'redis://127.0.0.1:6379';
const PREFIX = `test-threats-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}:`;

const SEARCH = 'query Search($filter: ListingFilter) { listings(filter: $filter, first: 5) { totalCount } }';
const CREATE_LISTING = `mutation Create($input: CreateListingInput!) { createListing(input: $input) { id title description pricePerKg { amount } } }`;

interface Gw {
  url: string;
  logs: string[];
  gateway?: RunningGateway;
}

/** The request id the gateway answered with (it names the request in the security log). */
const idOf = (res: PostResult) => res.headers.get('x-request-id') as string;

function securityEntries(logs: string[], requestId?: string): any[] {
  return logs
    .map((l) => JSON.parse(l))
    .filter((e) => e.logger === 'security' && (!requestId || e.requestId === requestId));
}

async function metricsOf(url: string) {
  return (await fetch(url.replace('/graphql', '/metrics'))).text();
}

let t: TestStack;
let sellerToken: string;
let adminToken: string;
const extra: Gw[] = [];

async function gatewayWith(env: Partial<AppConfig>): Promise<Gw> {
  const logs: string[] = [];
  // Its own Redis prefix: the bot-rate count is shared through Redis, and each of these gateways
  // must start from zero rather than from the requests this file sent to the others.
  const gateway = await startGateway(
    { ...t.config, REDIS_KEY_PREFIX: `${PREFIX}gw${extra.length}:`, ...env },
    {
      port: 0,
      logDestination: new Writable({ write: (chunk, _e, cb) => (logs.push(chunk.toString()), cb()) }) as never,
    },
  );
  const gw = { url: gateway.url, logs, gateway };
  extra.push(gw);
  return gw;
}

const listingInput = (overrides: Record<string, unknown>) => ({
  title: 'Hemp lot',
  productType: 'HEMP_FIBRE',
  quantityKg: 100,
  pricePerKg: '40.00',
  province: 'WESTERN_CAPE',
  certifications: [],
  socialImpact: { smallScaleFarmer: true, womenOwned: false, youthOwned: false, communityOwned: false },
  ...overrides,
});

beforeAll(async () => {
  t = await startTestStack({ env: { REDIS_URL, REDIS_KEY_PREFIX: PREFIX, EVENTS_REDIS_PREFIX: `${PREFIX}events:` } });
  const [seller, admin] = await insertUsers(t.stack, 2);
  sellerToken = await t.tokenFor(seller.id, [Role.SELLER]);
  adminToken = await t.tokenFor(admin.id, [Role.ADMIN]);
});

afterAll(async () => {
  for (const gw of extra) await gw.gateway?.stop();
  await t?.stop();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('threat detection, observe mode (the default)', () => {
  const gw = (): Gw => ({ url: t.gatewayUrl, logs: t.logs });

  it('answers a SQL-injection attempt in a variable, but scores, counts and logs it', async () => {
    const res = await postQuery(gw().url, SEARCH, { filter: { text: "' OR '1'='1" } });
    expect(res.status).toBe(200);
    expect(res.json.data.listings.totalCount).toBe(0);
    const [entry] = securityEntries(gw().logs, idOf(res));
    expect(entry).toMatchObject({
      level: 'warn',
      action: 'observed',
      mode: 'observe',
      operation: 'Search',
      clientIp: expect.any(String),
    });
    expect(entry.score).toBeGreaterThanOrEqual(60);
    expect(entry.signals).toContainEqual(
      expect.objectContaining({ kind: 'sql_injection', pattern: 'tautology', where: '$.filter.text' }),
    );
    expect(await metricsOf(gw().url)).toMatch(
      /threat_signals_total\{[^}]*kind="sql_injection"[^}]*pattern="tautology"[^}]*action="observed"[^}]*\} 1/,
    );
  });

  it('writes a signed-in user’s suspicious request to the audit log too, without the value', async () => {
    const res = await postQuery(gw().url, SEARCH, { filter: { text: "' OR '1'='1" } }, { token: sellerToken });
    expect(res.status).toBe(200);
    const entry = await waitFor(
      async () => {
        const audit = await postQuery(
          gw().url,
          '{ auditLog(first: 20, action: "security.threat_detected") { edges { node { action actorId details } } } }',
          {},
          { token: adminToken },
        );
        return audit.json.data?.auditLog.edges
          .map((e: any) => e.node)
          .find((n: any) => n.details?.requestId === idOf(res));
      },
      { what: 'the threat in the audit log' },
    );
    expect(entry).toMatchObject({
      action: 'security.threat_detected',
      details: { action: 'observed', signals: expect.arrayContaining(['sql_injection:tautology']) },
    });
    expect(JSON.stringify(entry)).not.toContain("'1'='1");
    const verified = await postQuery(gw().url, '{ verifyAuditLog { valid } }', {}, { token: adminToken });
    expect(verified.json.data.verifyAuditLog.valid).toBe(true);
  });

  it('refuses an unsigned security audit entry', async () => {
    const url = new URL(
      '/internal/audit/security?userId=00000000-0000-4000-8000-000000000000&score=90&action=blocked&signals=sql_injection:tautology&requestId=x',
      t.stack.subgraphs['identity-consent'].url,
    );
    const res = await fetch(url, { method: 'POST' });
    expect(res.status).toBe(401);
  });

  it('finds script and path-traversal patterns in inline arguments too', async () => {
    const script = await postQuery(
      gw().url,
      '{ listings(filter: { text: "<script>alert(1)</script>" }) { totalCount } }',
    );
    expect(script.status).toBe(200);
    expect(securityEntries(gw().logs, idOf(script))[0].signals).toContainEqual(
      expect.objectContaining({ kind: 'script_injection', where: 'argument listings.filter.text' }),
    );
    const traversal = await postQuery(gw().url, '{ listing(id: "../../../etc/passwd") { id } }');
    expect(securityEntries(gw().logs, idOf(traversal))[0].signals.map((s: any) => s.kind)).toEqual([
      'path_traversal',
      'path_traversal',
    ]);
  });

  it('never writes a secret into the security log, even a suspicious one', async () => {
    const password = "' OR 1=1 -- secret-in-a-password";
    const res = await postQuery(
      gw().url,
      'mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }',
      { email: 'nobody@example.co.za', password },
    );
    const [entry] = securityEntries(gw().logs, idOf(res));
    expect(entry.signals[0]).toMatchObject({ kind: 'sql_injection', where: '$.password' });
    expect(entry.signals[0].excerpt).toBeUndefined();
    expect(t.logs.join('\n')).not.toContain('secret-in-a-password');
  });
});

describe('threat detection, block mode', () => {
  let gw: Gw;
  beforeAll(async () => {
    gw = await gatewayWith({ THREAT_MODE: 'block', THREAT_BLOCK_SCORE: 50 });
  });

  it('refuses a high score with FORBIDDEN (reason THREAT_DETECTED), without saying which pattern', async () => {
    for (const [query, variables] of [
      [SEARCH, { filter: { text: "' OR '1'='1" } }],
      [SEARCH, { filter: { text: '1 UNION SELECT email FROM identity.users' } }],
      ['{ listings(filter: { text: "<img src=x onerror=alert(1)>" }) { totalCount } }', {}],
      ['{ listing(id: "..%2f..%2fetc%2fpasswd") { id } }', {}],
    ] as const) {
      const res = await postQuery(gw.url, query, variables);
      expect(res.status).toBe(403);
      expect(res.json.data).toBeUndefined();
      expect(res.json.errors).toHaveLength(1);
      expect(res.json.errors[0].extensions).toEqual({ code: 'FORBIDDEN', reason: 'THREAT_DETECTED' });
      expect(securityEntries(gw.logs, idOf(res))[0]).toMatchObject({ action: 'blocked', mode: 'block' });
    }
    expect(await metricsOf(gw.url)).toMatch(/threat_signals_total\{[^}]*kind="sql_injection"[^}]*action="blocked"/);
  });

  it('lets ordinary text through: O’Brien’s hemp farm, Rock & Roll CBD, a price of 12.50', async () => {
    const created = await postQuery(
      gw.url,
      CREATE_LISTING,
      {
        input: listingInput({
          title: "O'Brien's hemp farm",
          description: 'Rock & Roll CBD, grown on the farm',
          pricePerKg: '12.50',
        }),
      },
      { token: sellerToken },
    );
    expect(created.status).toBe(200);
    expect(created.json.errors).toBeUndefined();
    expect(created.json.data.createListing).toMatchObject({
      title: "O'Brien's hemp farm",
      description: 'Rock & Roll CBD, grown on the farm',
      pricePerKg: { amount: '12.50' },
    });
    const ids = [idOf(created)];
    for (const text of ["O'Brien's", 'Rock & Roll CBD', '12.50']) {
      const res = await postQuery(gw.url, SEARCH, { filter: { text } });
      expect(res.status).toBe(200);
      expect(res.json.errors).toBeUndefined();
      ids.push(idOf(res));
    }
    for (const id of ids) expect(securityEntries(gw.logs, id)).toEqual([]);
  });

  it('passes a low score (prose that reads like SQL) and only observes it', async () => {
    const res = await postQuery(gw.url, SEARCH, { filter: { text: 'select from our range of hemp seed' } });
    expect(res.status).toBe(200);
    expect(res.json.errors).toBeUndefined();
    expect(securityEntries(gw.logs, idOf(res))[0]).toMatchObject({ action: 'observed', score: 15 });
  });
});

describe('bot-like request rates', () => {
  it('observe mode counts a client past the threshold and still answers', async () => {
    const gw = await gatewayWith({ THREAT_BOT_REQUESTS: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await postQuery(gw.url, '{ dataSources { slug } }')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200]);
    const entries = securityEntries(gw.logs);
    expect(entries).toHaveLength(2);
    expect(entries[0].signals).toEqual([{ kind: 'bot_rate', pattern: 'request_rate', where: 'client' }]);
    expect(await metricsOf(gw.url)).toMatch(
      /threat_signals_total\{[^}]*kind="bot_rate"[^}]*action="observed"[^}]*\} 2/,
    );
  });

  it('block mode refuses a client past the threshold; a partner is counted by its id, refused requests included', async () => {
    const gw = await gatewayWith({ THREAT_MODE: 'block', THREAT_BOT_REQUESTS: 5, PARTNER_LIMIT_FREE: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await postQuery(gw.url, '{ dataSources { slug } }')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 403]);

    // This address is now refused here, so the partner is created through the stack's gateway.
    const created = await t.gql(
      'mutation { createPartnerClient(name: "Hammering Partner", tier: FREE) { apiKey } }',
      {},
      { token: adminToken },
    );
    const apiKey = created.body.data.createPartnerClient.apiKey as string;
    const manifest = JSON.parse(readFileSync(PARTNER_MANIFEST_PATH, 'utf8'));
    const sha256Hash = manifest.operations.find((o: any) => o.name === 'PartnerActiveListings').id;
    const partnerStatuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(gw.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify({ variables: { first: 1 }, extensions: { persistedQuery: { version: 1, sha256Hash } } }),
      });
      partnerStatuses.push(res.status);
    }
    // Two within the FREE limit, then the limit, then past max(5, 2 × limit) requests the bot rule.
    expect(partnerStatuses).toEqual([200, 200, 429, 429, 429, 403]);
    const partnerEntry = securityEntries(gw.logs).find((e) => e.partnerId);
    expect(partnerEntry).toMatchObject({ action: 'blocked', signals: [{ kind: 'bot_rate' }] });
  });
});
