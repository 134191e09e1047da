import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { MemoryRateLimitStore, RedisRateLimitStore } from './rate-limit';

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
