import { createHash, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Role } from '#platform/infra/schema/shared-types';
import { insertListings, insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';
import { post } from './helpers/http';
import { waitFor } from './helpers/wait';

const REDIS_URL = process.env.REDIS_URL_FOR_TESTS ?? 'redis://127.0.0.1:6379';

describe('gateway edge (development mode)', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ env: { SUBGRAPH_BREAKER_RESET_MS: '1000' } });
    const sellers = await insertUsers(t.stack, 2);
    await insertListings(t.stack, sellers, 3);
  });
  afterAll(async () => t?.stop());

  describe('operation limits', () => {
    it('refuses a query deeper than the limit', async () => {
      let selection = 'id';
      for (let i = 0; i < 15; i++) selection = `seller { listings(first: 1) { edges { node { ${selection} } } } }`;
      const res = await post(t.gatewayUrl, { query: `{ listings(first: 1) { edges { node { ${selection} } } } }` });
      expect(res.status).toBe(400);
      expect(res.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('refuses an alias bomb', async () => {
      const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: systemHealth { status }`).join(' ');
      const res = await post(t.gatewayUrl, { query: `{ ${aliases} }` });
      expect(res.status).toBe(400);
      expect(res.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('refuses too many directives', async () => {
      const directives = Array.from({ length: 40 }, () => '@include(if: true)').join(' ');
      const res = await post(t.gatewayUrl, { query: `{ systemHealth ${directives} { status } }` });
      expect(res.status).toBe(400);
      expect(res.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('refuses a document with too many tokens', async () => {
      const fields = Array.from({ length: 2000 }, () => 'status').join(' ');
      const res = await post(t.gatewayUrl, { query: `{ systemHealth { ${fields} } }` });
      expect(res.status).toBe(400);
      expect(res.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('refuses a batch of operations in one request', async () => {
      const res = await post(t.gatewayUrl, [
        { query: '{ systemHealth { status } }' },
        { query: '{ dataSources { slug } }' },
      ]);
      expect(res.status).toBe(400);
      expect(res.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('refuses a fragment cycle', async () => {
      const res = await post(t.gatewayUrl, {
        query:
          'query { listings { ...A } } fragment A on ListingConnection { ...B } fragment B on ListingConnection { ...A }',
      });
      expect(res.status).toBe(400);
      expect(res.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });

    it('is still serving afterwards', async () => {
      const res = await t.gql('{ systemHealth { status } }');
      expect(res.status).toBe(200);
    });
  });

  describe('automatic persisted queries (in memory)', () => {
    it('answers a miss with PERSISTED_QUERY_NOT_FOUND, then registers and hits', async () => {
      const query = `{ dataSources { slug } } # ${randomUUID()}`;
      const sha256Hash = createHash('sha256').update(query).digest('hex');
      const extensions = { persistedQuery: { version: 1, sha256Hash } };
      const miss = await post(t.gatewayUrl, { extensions });
      expect(miss.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      const register = await post(t.gatewayUrl, { query, extensions });
      expect(register.json.data.dataSources).toHaveLength(3);
      const hit = await post(t.gatewayUrl, { extensions });
      expect(hit.json.errors).toBeUndefined();
      expect(hit.json.data.dataSources).toHaveLength(3);
    });
  });

  describe('browsers', () => {
    it('answers a preflight from an allowed origin and refuses others', async () => {
      const allowed = await fetch(t.gatewayUrl, {
        method: 'OPTIONS',
        headers: { origin: 'https://studio.apollographql.com', 'access-control-request-method': 'POST' },
      });
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
      const refused = await fetch(t.gatewayUrl, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('sends security headers', async () => {
      const res = await t.gql('{ systemHealth { status } }');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    });

    it('serves the offline explorer and its assets from the gateway itself', async () => {
      const page = await fetch(t.gatewayUrl.replace('/graphql', '/explorer'));
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await page.text();
      // Scripts and stylesheets come from the gateway's own assets; links stay on the gateway too.
      const assets = [...html.matchAll(/(?:src|rel="stylesheet" href)="([^"]+)"/g)].map((m) => m[1]);
      const links = [...html.matchAll(/<a [^>]*href="([^"]+)"/g)].map((m) => m[1]);
      expect(links.every((href) => href.startsWith('/'))).toBe(true);
      expect(assets.length).toBeGreaterThanOrEqual(5);
      for (const asset of assets) {
        expect(asset.startsWith('/explorer/assets/')).toBe(true);
        const res = await fetch(t.gatewayUrl.replace('/graphql', asset));
        expect(res.status).toBe(200);
      }
    });
  });

  describe('a subgraph going down and coming back', () => {
    it('answers with the other subgraphs’ data and a coded error, fails fast while down, then recovers', async () => {
      const query = `{ dataSources { slug } listings(first: 2) { totalCount } }`;
      await t.stopSubgraph('listings-matching');
      for (let i = 0; i < 6; i++) {
        const res = await t.gql(
          query.replace(
            'listings(first: 2)',
            'listing(id: "00000000-0000-4000-8000-000000000000") { id } listings(first: 2)',
          ),
        );
        expect(res.status).toBe(200);
        expect(res.body.data).toBeNull(); // listings is non-null, so its failure nulls the root
        expect(res.body.errors?.every((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR')).toBe(true);
        expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      }
      const partial = await t.gql(
        `{ dataSources { slug } listing(id: "00000000-0000-4000-8000-000000000000") { id } }`,
      );
      expect(partial.body.data?.dataSources).toHaveLength(3);
      expect(partial.body.data?.listing).toBeNull();
      expect(partial.body.errors?.[0].extensions?.serviceName).toBe('listings-matching');

      const metrics = await (await fetch(t.gatewayUrl.replace('/graphql', '/metrics'))).text();
      expect(metrics).toMatch(/subgraph_breaker_open\{[^}]*subgraph="listings-matching"[^}]*\} 1/);
      // Failing fast means not calling the dead subgraph at all: after the first failures opened the
      // breaker, the later calls end as `breaker_open` without a network attempt (counted, not timed,
      // so a busy machine cannot make this pass or fail).
      const shortCircuited = Number(
        /subgraph_request_duration_seconds_count\{[^}]*subgraph="listings-matching"[^}]*outcome="breaker_open"[^}]*\} (\d+)/.exec(
          metrics,
        )?.[1] ??
          /subgraph_request_duration_seconds_count\{[^}]*outcome="breaker_open"[^}]*subgraph="listings-matching"[^}]*\} (\d+)/.exec(
            metrics,
          )?.[1] ??
          0,
      );
      expect(shortCircuited).toBeGreaterThanOrEqual(4);

      await t.startSubgraphAgain('listings-matching');
      await waitFor(
        async () => {
          const res = await t.gql(query);
          return !res.body.errors && res.body.data?.listings.totalCount === 6;
        },
        { timeoutMs: 20_000, intervalMs: 200, what: 'the gateway to recover once listings-matching is back' },
      );
    });
  });
});

describe('gateway edge (production mode, Redis)', () => {
  let t: TestStack;
  let adminToken: string;
  let buyerToken: string;
  const prefix = `apq-test-${randomUUID()}`;
  const apqKeys: string[] = [];

  beforeAll(async () => {
    t = await startTestStack({
      env: {
        NODE_ENV: 'production',
        PSEUDONYM_SECRET: 'test-pseudonym-secret-0123456789abcdef',
        REDIS_URL,
        // production refuses every development default, so the test supplies real-looking ones
        VAULT_KEYS: JSON.stringify({ k1: Buffer.alloc(32, 7).toString('base64') }),
        VAULT_ACTIVE_KID: 'k1',
        SOURCE_CREDENTIALS: JSON.stringify({
          'hemp-suppliers-network': 'a',
          'sa-cannabis-exchange': 'b',
          'regulatory-registry': 'c',
        }),
      },
    });
    const [admin, buyer] = await insertUsers(t.stack, 2);
    adminToken = await t.tokenFor(admin.id, [Role.ADMIN]);
    buyerToken = await t.tokenFor(buyer.id, [Role.BUYER]);
  });
  afterAll(async () => {
    await t?.stop();
    const redis = new Redis(REDIS_URL);
    if (apqKeys.length) await redis.del(...apqKeys);
    await redis.quit();
  });

  it('refuses introspection to anonymous callers and buyers, and serves it to admins', async () => {
    const query = '{ __schema { queryType { name } } }';
    const anonymous = await t.gql(query);
    expect(anonymous.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const buyer = await t.gql(query, {}, { token: buyerToken });
    expect(buyer.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const viaFragment = await t.gql('query { ...F } fragment F on Query { __type(name: "Listing") { name } }');
    expect(viaFragment.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const admin = await t.gql(query, {}, { token: adminToken });
    expect(admin.body.errors).toBeUndefined();
    expect(admin.body.data.__schema.queryType.name).toBe('Query');
  });

  it('gives field suggestions to admins only', async () => {
    const anonymous = await t.gql('{ listingz { totalCount } }');
    expect(anonymous.body.errors?.[0].message).not.toMatch(/Did you mean/);
    const admin = await t.gql('{ listingz { totalCount } }', {}, { token: adminToken });
    expect(admin.body.errors?.[0].message).toMatch(/Did you mean/);
  });

  it('keeps automatic persisted queries in Redis', async () => {
    const query = `{ dataSources { slug } } # ${prefix}`;
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const miss = await post(t.gatewayUrl, { extensions });
    expect(miss.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    await post(t.gatewayUrl, { query, extensions });
    const redis = new Redis(REDIS_URL);
    try {
      // APQ keys are content-addressed (not under REDIS_KEY_PREFIX): the query names this run's prefix
      const keys = await waitFor(
        async () => {
          const found = await redis.keys(`*${sha256Hash}*`);
          return found.length > 0 && found;
        },
        { what: 'the persisted query in Redis' },
      );
      apqKeys.push(...keys);
    } finally {
      await redis.quit();
    }
    // Apollo stores the registration without waiting for Redis; the next request may race it.
    const hit = await waitFor(
      async () => {
        const res = await post(t.gatewayUrl, { extensions });
        return res.json.data && res;
      },
      { what: 'a persisted-query hit' },
    );
    expect(hit.json.data.dataSources).toHaveLength(3);
  });

  it('sends HSTS in production', async () => {
    const res = await t.gql('{ systemHealth { status } }');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });
});
