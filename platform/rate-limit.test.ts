import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { graphql, type GraphQLSchema } from 'graphql';
import Redis from 'ioredis';
import { Query, Resolver } from 'type-graphql';
import { buildFederatedSchema } from './schema/build-subgraph-schema';
import { allow, applyPermissions, isAdminRule } from './shield';
import { MemoryRateLimitStore, rateLimitRules, RedisRateLimitStore, withRateLimits } from './rate-limit';

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
    for (let i = 0; i < 3; i++) expect((await run('{ adminOnly }')).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await run('{ adminOnly }', admin)).data).toEqual({ adminOnly: 'admin' });
    expect((await run('{ adminOnly }', admin)).errors?.[0].extensions?.code).toBe('RATE_LIMITED');
  });

  it('fails closed with RATE_LIMITED when the store fails', async () => {
    class FailingStore extends MemoryRateLimitStore {
      override getForIdentity(): never {
        throw new Error('connection refused');
      }
    }
    const errors: unknown[] = [];
    const limit = rateLimitRules(new FailingStore(), () => 'caller', (err) => errors.push(err));
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

const identity = { contextIdentity: 'ip:10.0.0.1', fieldIdentity: 'login:someone@example.co.za' };

describe('MemoryRateLimitStore', () => {
  it('says how long until one more attempt fits: when the oldest counted attempt leaves the window', async () => {
    const store = new MemoryRateLimitStore();
    const now = Date.now();
    await store.setForIdentity(identity, [now - 50_000, now - 20_000, now - 1_000], 60_000);
    // max 3: the attempt at now-50s leaves the window in 10 s
    expect(store.retryAfterSeconds(identity, 3, 60_000, now)).toBe(10);
    await store.setForIdentity(identity, [now - 50_000, now - 20_000, now - 1_000], 60_000);
    // max 2: two must leave; the second oldest (now-20s) leaves in 40 s
    expect(store.retryAfterSeconds(identity, 2, 60_000, now)).toBe(40);
  });

  it('forgets an identity once its window has passed and evicts the oldest beyond its bound', async () => {
    const store = new MemoryRateLimitStore(2);
    await store.setForIdentity(identity, [Date.now() - 61_000], 60_000);
    expect(store.getForIdentity(identity)).toEqual([]);
    const ids = ['a', 'b', 'c'].map((c) => ({ contextIdentity: c, fieldIdentity: 'f' }));
    for (const id of ids) await store.setForIdentity(id, [Date.now()], 60_000);
    expect(store.getForIdentity(ids[0])).toEqual([]);
    expect(store.getForIdentity(ids[2])).toHaveLength(1);
  });
});

describe('RedisRateLimitStore', () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `unit-${randomBytes(4).toString('hex')}:`;
  const stores: RedisRateLimitStore[] = [];

  afterAll(async () => {
    const redis = new Redis(url);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await Promise.all(stores.map((s) => s.close()));
  });

  it('merges two replicas that read the same count at once, instead of losing one attempt', async () => {
    const [a, b] = [new RedisRateLimitStore(url, prefix), new RedisRateLimitStore(url, prefix)];
    stores.push(a, b);
    const now = Date.now();
    await a.setForIdentity(identity, [now - 5_000], 60_000);
    const [readA, readB] = await Promise.all([a.getForIdentity(identity), b.getForIdentity(identity)]);
    await Promise.all([a.setForIdentity(identity, [...readA, now - 2], 60_000), b.setForIdentity(identity, [...readB, now - 1], 60_000)]);
    expect(await a.getForIdentity(identity)).toEqual([now - 5_000, now - 2, now - 1]);
  });

  it('drops timestamps older than the window and expires the key with it', async () => {
    const store = new RedisRateLimitStore(url, prefix);
    stores.push(store);
    const other = { contextIdentity: 'ip:10.0.0.2', fieldIdentity: 'refreshToken' };
    const now = Date.now();
    await store.setForIdentity(other, [now - 90_000, now - 10_000, now - 10_000], 60_000);
    expect(await store.getForIdentity(other)).toEqual([now - 10_000, now - 10_000]);
  });
});
