import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { graphql, type GraphQLSchema } from 'graphql';
import Redis from 'ioredis';
import { Query, Resolver } from 'type-graphql';
import { buildFederatedSchema } from '#platform/infra/schema/build-subgraph-schema';
import { allow, applyPermissions, isAdminRule } from '#platform/infra/shield/shield';
import {
  MemoryRateLimitStore,
  normaliseEmailKey,
  rateLimitRules,
  RedisRateLimitStore,
  withRateLimits,
} from '#platform/infra/shield/rate-limit';

@Resolver()
class LimitedResolver {
  @Query(() => String)
  open(): string {
    return 'open';
  }

  @Query(() => String)
  adminOnly(): string {
    return 'admin';
  }
}

describe('rate limits as shield rules behind the permissions', () => {
  let schema: GraphQLSchema;
  const admin = { kind: 'user', userId: 'a', roles: ['ADMIN'], tokenId: 't' };
  const run = (source: string, viewer: unknown = null) => graphql({ schema, source, contextValue: { viewer } });

  beforeAll(async () => {
    const limit = rateLimitRules(new MemoryRateLimitStore(), () => 'caller');
    const rules = withRateLimits(
      { Query: { open: allow, adminOnly: isAdminRule } },
      { Query: { open: limit({ max: 2, windowSeconds: 60 }), adminOnly: limit({ max: 1, windowSeconds: 60 }) } },
    );
    schema = applyPermissions(await buildFederatedSchema({ resolvers: [LimitedResolver] }), rules);
  });

  it('refuses the call over the limit with RATE_LIMITED and the seconds to wait', async () => {
    expect((await run('{ open }')).data).toEqual({ open: 'open' });
    expect((await run('{ open }')).data).toEqual({ open: 'open' });
    const refused = await run('{ open }');
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused.errors?.[0].extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(refused.errors?.[0].extensions?.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('does not count calls the permission rule refused', async () => {
    for (let i = 0; i < 3; i++)
      expect((await run('{ adminOnly }')).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await run('{ adminOnly }', admin)).data).toEqual({ adminOnly: 'admin' });
    expect((await run('{ adminOnly }', admin)).errors?.[0].extensions?.code).toBe('RATE_LIMITED');
  });

  it('fails closed with RATE_LIMITED when the store fails', async () => {
    class FailingStore extends MemoryRateLimitStore {
      override hit(): never {
        throw new Error('connection refused');
      }
    }
    const errors: unknown[] = [];
    const limit = rateLimitRules(
      new FailingStore(),
      () => 'caller',
      (err) => errors.push(err),
    );
    const failing = applyPermissions(
      await buildFederatedSchema({ resolvers: [LimitedResolver] }),
      withRateLimits({ Query: { open: allow } }, { Query: { open: limit({ max: 5, windowSeconds: 60 }) } }),
    );
    const res = await graphql({ schema: failing, source: '{ open }', contextValue: { viewer: null } });
    expect(res.errors?.[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 5 });
    expect(errors).toHaveLength(1);
  });

  it('refuses to attach limits to a type whose permission is a single rule', () => {
    expect(() => withRateLimits({ Query: allow }, { Query: { open: allow } })).toThrow(/field map/);
  });
});

describe('MemoryRateLimitStore', () => {
  it('counts an attempt only if it fits, and says how long until one more fits', () => {
    const store = new MemoryRateLimitStore();
    const now = Date.now();
    expect(store.hit('k', 3, 60_000, now - 50_000)).toEqual({ allowed: true, stamps: [] });
    store.hit('k', 3, 60_000, now - 20_000);
    store.hit('k', 3, 60_000, now - 1_000);
    const refused = store.hit('k', 3, 60_000, now);
    expect(refused.allowed).toBe(false);
    expect(store.peek('k', 60_000, now)).toHaveLength(3);
    // max 3: the attempt at now-50s leaves the window in 10 s; max 2: the one at now-20s, in 40 s
    expect(MemoryRateLimitStore.retryAfterSeconds(refused.stamps, 3, 60_000, now)).toBe(10);
    expect(MemoryRateLimitStore.retryAfterSeconds(refused.stamps, 2, 60_000, now)).toBe(40);
  });

  it('forgets attempts once their window has passed and evicts the oldest key beyond its bound', () => {
    const store = new MemoryRateLimitStore(2);
    store.hit('old', 1, 60_000, Date.now() - 61_000);
    expect(store.hit('old', 1, 60_000).allowed).toBe(true);
    for (const k of ['a', 'b', 'c']) store.hit(k, 5, 60_000);
    expect(store.peek('a', 60_000)).toEqual([]);
    expect(store.peek('c', 60_000)).toHaveLength(1);
  });
});

describe('normaliseEmailKey', () => {
  it('makes case, surrounding space and compatibility forms one key', () => {
    expect(normaliseEmailKey('  Someone@Example.CO.ZA \t')).toBe('someone@example.co.za');
    expect(normaliseEmailKey('\uff53omeone@example.co.za')).toBe('someone@example.co.za');
    expect(normaliseEmailKey(42)).toBe(42);
  });
});

describe('atomic check-and-count under a parallel burst', () => {
  const url = process.env.REDIS_URL_FOR_TESTS ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `unit-${randomBytes(4).toString('hex')}:`;
  const stores: RedisRateLimitStore[] = [];

  afterAll(async () => {
    const redis = new Redis(url);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await Promise.all(stores.map((s) => s.close()));
  });

  async function burst(store: MemoryRateLimitStore | RedisRateLimitStore, n: number) {
    const limit = rateLimitRules(store, () => 'one-address');
    const rules = withRateLimits({ Query: { open: allow } }, { Query: { open: limit({ max: 5, windowSeconds: 60 }) } });
    const schema = applyPermissions(await buildFederatedSchema({ resolvers: [LimitedResolver] }), rules);
    const results = await Promise.all(
      Array.from({ length: n }, () => graphql({ schema, source: '{ open }', contextValue: { viewer: null } })),
    );
    return results.filter((r) => !r.errors).length;
  }

  it('in memory: 50 parallel calls, at most 5 through', async () => {
    expect(await burst(new MemoryRateLimitStore(), 50)).toBe(5);
  });

  it('in Redis, across two replicas: 50 parallel calls, at most 5 through', async () => {
    const [a, b] = [new RedisRateLimitStore(url, prefix), new RedisRateLimitStore(url, prefix)];
    stores.push(a, b);
    const through = await Promise.all([burst(a, 25), burst(b, 25)]);
    expect(through[0] + through[1]).toBe(5);
  });

  it('in Redis: refused attempts are not counted and the key expires with the window', async () => {
    const store = new RedisRateLimitStore(url, prefix);
    stores.push(store);
    const now = Date.now();
    expect((await store.hit('ttl', 2, 60_000, now - 10_000)).allowed).toBe(true);
    expect((await store.hit('ttl', 2, 60_000, now - 10_000)).allowed).toBe(true);
    const refused = await store.hit('ttl', 2, 60_000, now);
    expect(refused).toEqual({ allowed: false, stamps: [now - 10_000, now - 10_000] });
    const redis = new Redis(url);
    expect(await redis.zcard(store.redisKey('ttl'))).toBe(2);
    expect(await redis.pttl(store.redisKey('ttl'))).toBeGreaterThan(0);
    await redis.quit();
    // an attempt older than the window no longer counts
    expect((await store.hit('ttl', 2, 5_000, now)).allowed).toBe(true);
  });
});
