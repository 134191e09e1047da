import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { AccessLevel, Role } from '#platform/infra/schema/shared-types';
import { hashPassword } from '../subgraphs/identity-consent/modules/auth/password';
import { UserEntity } from '../subgraphs/identity-consent/modules/user/user.entity';
import { CredentialService } from '../subgraphs/external-sources/modules/credential/credential.service';
import { externalRuntime } from '../subgraphs/external-sources/runtime';
import { DEMO_CREDENTIALS } from '../subgraphs/external-sources/simulators/demo-credentials';
import { LOGIN, SOURCES, STRONG_PASSWORD, uniqueEmail } from './helpers/identity';
import { startTestStack, type TestStack } from './helpers/stack';

/**
 * The attacks of issue 14 on limits that did not hold: each is run through the gateway against the
 * whole stack in block mode, behind a trusted proxy (loopback), with counters in Redis.
 */
const REDIS_URL = process.env.REDIS_URL_FOR_TESTS ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test-limits-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}:`;
const METRICS_TOKEN = `metrics-${randomBytes(12).toString('hex')}`;
const PER_EMAIL = 5;
const PER_ACCOUNT = 8;

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({
    env: {
      REDIS_URL,
      REDIS_KEY_PREFIX: PREFIX,
      TRUSTED_PROXIES: '127.0.0.1/32, ::1/128',
      THREAT_MODE: 'block',
      METRICS_TOKEN,
      RATE_LIMIT_LOGIN_PER_EMAIL: String(PER_EMAIL),
      RATE_LIMIT_LOGIN_PER_ACCOUNT: String(PER_ACCOUNT),
      RATE_LIMIT_LOGIN_PER_IP: '1000',
      RATE_LIMIT_CONNECTION_TEST_PER_USER: '4',
      THREAT_BOT_REQUESTS: '100000',
      // the attack needed only two failing tests to open the shared breaker
      BREAKER_VOLUME_THRESHOLD: '2',
      BREAKER_ERROR_THRESHOLD_PERCENT: '50',
      CONNECTOR_BACKOFF_BASE_MS: '5',
      CONNECTOR_BACKOFF_MAX_MS: '20',
    },
  });
}, 120_000);

afterAll(async () => {
  await t?.stop();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

async function insertUser(email: string): Promise<UserEntity> {
  const repo = t.stack.subgraphs['identity-consent'].deps.db.dataSource.getRepository(UserEntity);
  return repo.save(
    repo.create({
      email,
      displayName: 'Limit Tester',
      roles: [Role.BUYER],
      province: null,
      passwordHash: await hashPassword(STRONG_PASSWORD),
    }),
  );
}

const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
const codeOf = (res: Awaited<ReturnType<TestStack['gql']>>) => res.body.errors?.[0]?.extensions?.code ?? 'OK';

describe('every client can read a 413', () => {
  it('a 20 MB upload through Node fetch gets the 413, 8 times out of 8', async () => {
    const body = JSON.stringify({ query: '{ __typename }', variables: { pad: 'a'.repeat(20 * 1024 * 1024) } });
    for (let i = 0; i < 8; i++) {
      const res = await fetch(t.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(413);
      expect(((await res.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    expect((await t.gql('{ __typename }')).status).toBe(200);
  }, 120_000);
});

describe('login limits that hold', () => {
  it('counts upper-case, padded and full-width variants of an address as one account', async () => {
    const email = uniqueEmail('variants');
    await insertUser(email);
    const [local, domain] = email.split('@');
    // full-width first letter: NFKC folds it back to ASCII
    const fullWidth = String.fromCharCode(email.charCodeAt(0) + 0xfee0) + email.slice(1);
    const variants = [email.toUpperCase(), `  ${email}\t`, `${local}@${domain.toUpperCase()}`, fullWidth, email];
    for (let i = 0; i < PER_EMAIL; i++) {
      expect(
        codeOf(
          await t.gql(
            LOGIN,
            { email: variants[i % variants.length], password: 'Wrong-password-1' },
            from('198.51.100.7'),
          ),
        ),
      ).toBe('UNAUTHENTICATED');
    }
    // limited now, whichever spelling carries the right password
    for (const variant of [email.toUpperCase(), ` ${email} `, email]) {
      expect(codeOf(await t.gql(LOGIN, { email: variant, password: STRONG_PASSWORD }, from('198.51.100.7')))).toBe(
        'RATE_LIMITED',
      );
    }
  });

  it('a parallel burst of 50 guesses at one account lets at most the limit through', async () => {
    const email = uniqueEmail('burst');
    await insertUser(email);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => t.gql(LOGIN, { email, password: 'Wrong-password-1' }, from('198.51.100.8'))),
    );
    const codes = results.map(codeOf);
    const tally = codes.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c]: (acc[c] ?? 0) + 1 }), {});
    // exactly the limit reaches the password check (on a loaded 2-core machine five parallel scrypt
    // checks can outlast SUBGRAPH_TIMEOUT_MS; what matters here is that 45 never got that far)
    expect(tally.RATE_LIMITED).toBe(50 - PER_EMAIL);
    expect(codes.filter((c) => c !== 'RATE_LIMITED')).toHaveLength(PER_EMAIL);
  }, 60_000);

  it('more source addresses buy no more guesses: a per-account limit across addresses', async () => {
    const email = uniqueEmail('spread');
    await insertUser(email);
    const codes: string[] = [];
    // 20 addresses, 2 guesses each: each address stays under its own limit of 5
    for (let a = 0; a < 20; a++)
      for (let g = 0; g < 2; g++)
        codes.push(codeOf(await t.gql(LOGIN, { email, password: 'Wrong-password-1' }, from(`203.0.113.${a + 1}`))));
    expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(PER_ACCOUNT);
    expect(codes.slice(PER_ACCOUNT).every((c) => c === 'RATE_LIMITED')).toBe(true);
    // the right password from a fresh address is held back too
    expect(codeOf(await t.gql(LOGIN, { email, password: STRONG_PASSWORD }, from('192.0.2.200')))).toBe('RATE_LIMITED');
  });

  it('takes the client address from X-Forwarded-For / Forwarded behind a trusted proxy', async () => {
    const email = uniqueEmail('proxied');
    await insertUser(email);
    for (let i = 0; i < PER_EMAIL; i++)
      expect(codeOf(await t.gql(LOGIN, { email, password: 'Wrong-password-1' }, from('198.51.100.20')))).toBe(
        'UNAUTHENTICATED',
      );
    expect(codeOf(await t.gql(LOGIN, { email, password: STRONG_PASSWORD }, from('198.51.100.20')))).toBe(
      'RATE_LIMITED',
    );
    // another client behind the same ingress has its own per-address count (the account limit is 8)
    expect(
      codeOf(
        await t.gql(
          LOGIN,
          { email, password: STRONG_PASSWORD },
          { headers: { forwarded: 'for="[2001:db8::7]:4711"' } },
        ),
      ),
    ).toBe('OK');
  });
});

describe('one user cannot open a breaker other users share', () => {
  const q = `mutation($id: ID!) { testDataSourceConnection(dataSourceId: $id) { ok message } }`;
  const store = `mutation($id: ID!, $c: String!) { storeDataSourceCredential(dataSourceId: $id, credential: $c) }`;

  beforeAll(() => {
    externalRuntime(t.stack.subgraphs['external-sources'].deps).consents = {
      activeConsents: async () =>
        Object.values(SOURCES).map((dataSourceId) => ({
          dataSourceId,
          accessLevel: AccessLevel.FULL,
          consentVersion: 'v1',
          expiresAt: null,
        })),
    };
  });

  it('refuses a credential HTTP cannot carry when it is stored', async () => {
    const token = await t.tokenFor(randomUUID(), ['BUYER']);
    for (const c of ['pässwörd', 'key\u2028', '\u{1F511}secret']) {
      expect((await t.gql(store, { id: SOURCES.suppliers, c }, { token })).body.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'credential',
      });
    }
  });

  it('failing connection tests (even with a malformed credential stored before) leave the source UP for everyone', async () => {
    const deps = t.stack.subgraphs['external-sources'].deps;
    const runtime = externalRuntime(deps);
    const attacker = randomUUID();
    // stored before the check existed: it must still never reach the breaker
    await new CredentialService(deps.db.dataSource, runtime.vault, deps.log).store(
      attacker,
      SOURCES.suppliers,
      'pässwörd',
    );
    const attackerToken = await t.tokenFor(attacker, ['BUYER']);
    for (let i = 0; i < 3; i++) {
      const res = await t.gql(q, { id: SOURCES.suppliers }, { token: attackerToken });
      expect(res.body.data.testDataSourceConnection).toMatchObject({
        ok: false,
        message: expect.stringMatching(/cannot be sent/),
      });
    }
    // a wrong (but sendable) credential: the source's 401 is the user's problem, not the source's
    const other = await t.tokenFor(randomUUID(), ['BUYER']);
    await t.gql(store, { id: SOURCES.suppliers, c: 'wrong-credential' }, { token: other });
    expect((await t.gql(q, { id: SOURCES.suppliers }, { token: other })).body.data.testDataSourceConnection.ok).toBe(
      false,
    );

    expect(runtime.sources.get('hemp-suppliers-network')!.http.breaker.opened).toBe(false);
    const health = await t.gql(`{ dataSources { slug health } }`);
    expect(health.body.data.dataSources.find((d: any) => d.slug === 'hemp-suppliers-network').health).not.toBe('DOWN');
    // another user's test and the admin's crawl still go through
    const honest = await t.tokenFor(randomUUID(), ['BUYER']);
    await t.gql(store, { id: SOURCES.suppliers, c: DEMO_CREDENTIALS['hemp-suppliers-network'] }, { token: honest });
    expect(
      (await t.gql(q, { id: SOURCES.suppliers }, { token: honest })).body.data.testDataSourceConnection,
    ).toMatchObject({ ok: true });
    const admin = await t.tokenFor(randomUUID(), ['ADMIN']);
    const crawl = await t.gql(
      `mutation($ids: [ID!]) { triggerCrawl(dataSourceIds: $ids) { id status } }`,
      { ids: [SOURCES.suppliers] },
      { token: admin },
    );
    expect(crawl.body.errors).toBeUndefined();
    expect(crawl.body.data.triggerCrawl.status).toBe('RUNNING');
  }, 60_000);

  it('rate-limits connection tests per user, not across users', async () => {
    const a = await t.tokenFor(randomUUID(), ['BUYER']);
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) codes.push(codeOf(await t.gql(q, { id: SOURCES.exchange }, { token: a })));
    expect(codes).toEqual(['OK', 'OK', 'OK', 'OK', 'RATE_LIMITED', 'RATE_LIMITED']);
    const b = await t.tokenFor(randomUUID(), ['BUYER']);
    expect(codeOf(await t.gql(q, { id: SOURCES.exchange }, { token: b }))).toBe('OK');
  });
});

describe('threat detection in block mode cannot be padded past', () => {
  const payload = '<script>alert(1)</script>';
  const refused = (res: Awaited<ReturnType<TestStack['gql']>>) => {
    expect(res.status).toBe(403);
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'THREAT_DETECTED' });
  };

  it('after 4,096 spaces', async () => {
    refused(await t.gql('{ __typename }', { title: `${' '.repeat(4096)}${payload}` }));
  });

  it('as the 501st item of a list', async () => {
    refused(await t.gql('{ __typename }', { tags: [...Array.from({ length: 500 }, (_, i) => `tag ${i}`), payload] }));
  });

  it('after a 1 MB-long value (under the body limit)', async () => {
    refused(await t.gql('{ __typename }', { text: `${'a'.repeat(1_000_000)}${payload}` }));
  });

  it('a request holding more than the scan budget is refused, not passed half-read', async () => {
    refused(await t.gql('{ __typename }', { tags: Array.from({ length: 10_001 }, () => 'x') }));
    expect((await t.gql('{ __typename }', { tags: Array.from({ length: 1000 }, () => 'fine') })).status).toBe(200);
  });
});

describe('production hygiene at /metrics', () => {
  const metrics = (headers: Record<string, string> = {}) =>
    fetch(t.gatewayUrl.replace(/\/graphql$/, '/metrics'), { headers });

  it('asks for the bearer token', async () => {
    expect((await metrics()).status).toBe(401);
    expect((await metrics({ authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await metrics({ authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
  });

  it('labels only reviewed operations by name; any other name is "other"', async () => {
    const invented = `Invented${randomBytes(6).toString('hex')}`;
    await t.gql(`query ${invented} { __typename }`);
    await t.gql(`query SystemStatus { __typename }`);
    const text = await (await metrics({ authorization: `Bearer ${METRICS_TOKEN}` })).text();
    expect(text).not.toContain(invented);
    expect(text).toMatch(/graphql_operation_duration_seconds_count\{[^}]*operation="other"/);
    expect(text).toMatch(/graphql_operation_duration_seconds_count\{[^}]*operation="SystemStatus"/);
  });
});
