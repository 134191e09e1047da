import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Role } from '#platform/infra/schema/shared-types';
import { hashPassword } from '../subgraphs/identity-consent/modules/auth/password';
import { UserEntity } from '../subgraphs/identity-consent/modules/user/user.entity';
import { expectError, LOGIN, REFRESH, REGISTER, SOURCES, STRONG_PASSWORD, uniqueEmail } from './helpers/identity';
import { startTestStack, type TestStack } from './helpers/stack';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}:`;

let t: TestStack;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  t = await startTestStack({
    env: {
      REDIS_URL,
      REDIS_KEY_PREFIX: PREFIX,
      RATE_LIMIT_WINDOW_SECONDS: '60',
      RATE_LIMIT_LOGIN_PER_EMAIL: '3',
      RATE_LIMIT_LOGIN_PER_IP: '10',
      RATE_LIMIT_REGISTER_PER_EMAIL: '2',
      RATE_LIMIT_REGISTER_PER_IP: '50',
      RATE_LIMIT_REFRESH_PER_IP: '3',
      RATE_LIMIT_CONSENT_PER_USER: '2',
    },
  });
});

afterAll(async () => {
  await t?.stop();
  if (redis) {
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
});

async function insertUser(email: string): Promise<UserEntity> {
  const repo = t.stack.subgraphs['identity-consent'].deps.db.dataSource.getRepository(UserEntity);
  return repo.save(
    repo.create({
      email,
      displayName: 'Rate Limited',
      roles: [Role.BUYER],
      province: null,
      passwordHash: await hashPassword(STRONG_PASSWORD),
    }),
  );
}

function expectRateLimited(res: Awaited<ReturnType<TestStack['gql']>>, windowSeconds = 60): void {
  expectError(res, 'RATE_LIMITED');
  const retry = res.body.errors![0].extensions!.retryAfterSeconds;
  expect(Number.isInteger(retry)).toBe(true);
  expect(retry).toBeGreaterThanOrEqual(1);
  expect(retry).toBeLessThanOrEqual(windowSeconds);
  expect(res.body.errors![0].message).toContain(`${retry} second`);
}

describe('rate limits (Redis store)', () => {
  it('limits login per email: the 4th attempt in the window is refused even with the right password', async () => {
    const user = await insertUser(uniqueEmail('limited'));
    for (let i = 0; i < 3; i++)
      expectError(await t.gql(LOGIN, { email: user.email, password: 'Wrong-password-1' }), 'UNAUTHENTICATED');
    expectRateLimited(await t.gql(LOGIN, { email: user.email, password: STRONG_PASSWORD }));
    // another account from the same address is not held back by this one's limit
    const other = await insertUser(uniqueEmail('fine'));
    expect((await t.gql(LOGIN, { email: other.email, password: STRONG_PASSWORD })).body.errors).toBeUndefined();
  });

  it('limits login per client address across emails', async () => {
    // 5 login calls so far from this address; 5 more fill the limit of 10
    for (let i = 0; i < 5; i++)
      expectError(await t.gql(LOGIN, { email: uniqueEmail('spray'), password: 'Guess-password-1' }), 'UNAUTHENTICATED');
    expectRateLimited(await t.gql(LOGIN, { email: uniqueEmail('spray'), password: 'Guess-password-1' }));
  });

  it('limits register per email', async () => {
    const email = uniqueEmail('again');
    const input = { email, password: STRONG_PASSWORD, displayName: 'Repeat Registrant', roles: ['BUYER'] };
    expect((await t.gql(REGISTER, { input })).body.errors).toBeUndefined();
    expectError(await t.gql(REGISTER, { input }), 'CONFLICT');
    expectRateLimited(await t.gql(REGISTER, { input }));
  });

  it('limits refreshToken per client address', async () => {
    for (let i = 0; i < 3; i++)
      expectError(await t.gql(REFRESH, { token: `hmr_${'B'.repeat(43)}` }), 'UNAUTHENTICATED');
    expectRateLimited(await t.gql(REFRESH, { token: `hmr_${'B'.repeat(43)}` }));
  });

  it('limits grantConsent per user, without counting anonymous refusals against anyone', async () => {
    const GRANT = `mutation($i: GrantConsentInput!) { grantConsent(input: $i) { id } }`;
    const input = {
      dataSourceId: SOURCES.suppliers,
      accessLevel: 'BASIC',
      purpose: 'Supplier offers in my matches',
      consentVersion: 'v1',
    };
    const a = await insertUser(uniqueEmail('consent-a'));
    const b = await insertUser(uniqueEmail('consent-b'));
    const tokenA = await t.tokenFor(a.id, [Role.BUYER]);
    for (let i = 0; i < 3; i++) expectError(await t.gql(GRANT, { i: input }), 'UNAUTHENTICATED');
    expect((await t.gql(GRANT, { i: input }, { token: tokenA })).body.errors).toBeUndefined();
    expectError(await t.gql(GRANT, { i: input }, { token: tokenA }), 'CONFLICT');
    expectRateLimited(await t.gql(GRANT, { i: input }, { token: tokenA }));
    expect(
      (await t.gql(GRANT, { i: input }, { token: await t.tokenFor(b.id, [Role.BUYER]) })).body.errors,
    ).toBeUndefined();
  });

  it('keeps the counters in Redis under the configured prefix, with no email in the keys', async () => {
    const keys = await redis.keys(`${PREFIX}identity:ratelimit:*`);
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) {
      expect(key).not.toContain('@');
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });
});
