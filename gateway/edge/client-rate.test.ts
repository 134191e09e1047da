import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { deleteRedisKeys } from '../../test/helpers/stack';
import { waitFor } from '../../test/helpers/wait';
import { createMemoryClientRate, createRedisClientRate } from './client-rate';

const REDIS_URL = process.env.REDIS_URL_FOR_TESTS ?? 'redis://127.0.0.1:6379';

describe('client request rate (memory)', () => {
  it("opens a client's window at its first request and a new one after windowMs", async () => {
    let now = 1_000_000;
    const rate = createMemoryClientRate({ windowMs: 1000, now: () => now });
    expect(await rate.count('a')).toBe(1);
    now += 999;
    expect(await rate.count('a')).toBe(2);
    // Another client has its own window.
    expect(await rate.count('b')).toBe(1);
    now += 1;
    expect(await rate.count('a')).toBe(1);
    expect(await rate.count('b')).toBe(2);
  });

  it('forgets the oldest client past maxClients', async () => {
    const rate = createMemoryClientRate({ windowMs: 60_000, maxClients: 2 });
    await rate.count('a');
    await rate.count('a');
    await rate.count('b');
    await rate.count('c');
    expect(await rate.count('a')).toBe(1);
    expect(await rate.count('c')).toBe(2);
  });
});

describe('client request rate (Redis, shared)', () => {
  it('two processes count one client together, and a window ends', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = createRedisClientRate(REDIS_URL, prefix, { windowMs: 300 });
    const b = createRedisClientRate(REDIS_URL, prefix, { windowMs: 300 });
    const redis = new Redis(REDIS_URL);
    try {
      const counts = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).count('ip:1')));
      expect([...counts].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(await a.count('ip:2')).toBe(1);
      // The window is a key with an expiry on Redis' clock; once it is gone the next request opens a new one.
      const key = `${prefix}client-rate:{ip:1}`;
      expect(await redis.pttl(key)).toBeGreaterThan(0);
      await waitFor(async () => (await redis.exists(key)) === 0, { what: 'the window to expire' });
      expect(await a.count('ip:1')).toBe(1);
    } finally {
      await a.close();
      await b.close();
      redis.disconnect();
      await deleteRedisKeys(REDIS_URL, prefix);
    }
  });

  it('counts in this process when Redis is unreachable, and says so', async () => {
    const errors: string[] = [];
    const rate = createRedisClientRate('redis://127.0.0.1:1', 'x:', {
      windowMs: 60_000,
      onError: (err) => errors.push(err.message),
    });
    try {
      expect(await rate.count('ip:1')).toBe(1);
      expect(await rate.count('ip:1')).toBe(2);
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await rate.close();
    }
  });
});
