import { randomUUID } from 'node:crypto';
import { createMemoryTierLimiter, createRedisTierLimiter } from './tier-limiter';

const REDIS_URL = process.env.REDIS_URL_FOR_TESTS ?? 'redis://127.0.0.1:6379';
const limits = { windowMs: 60_000, perTier: { FREE: 3, STANDARD: 5, PREMIUM: 10 } };

describe('partner tier limiter (memory)', () => {
  it('allows the tier limit, refuses the next with the time until one fits, and slides', async () => {
    let now = 60_000 * 1000; // the start of a window
    const limiter = createMemoryTierLimiter(limits, () => now);
    for (let i = 0; i < 3; i++) expect((await limiter.take('p1', 'FREE')).allowed).toBe(true);
    const refused = await limiter.take('p1', 'FREE');
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 60 + 20 });
    // Another partner and another tier are counted apart.
    expect((await limiter.take('p2', 'FREE')).allowed).toBe(true);
    for (let i = 0; i < 5; i++) expect((await limiter.take('p3', 'STANDARD')).allowed).toBe(true);
    expect((await limiter.take('p3', 'STANDARD')).allowed).toBe(false);
    // Next window at 40 s in: the previous 3 weigh 3 × (1 − 40/60) = 1, so two more fit.
    now += 60_000 + 40_000;
    expect((await limiter.take('p1', 'FREE')).allowed).toBe(true);
    expect((await limiter.take('p1', 'FREE')).allowed).toBe(true);
    const again = await limiter.take('p1', 'FREE');
    expect(again.allowed).toBe(false);
    expect(again.retryAfterSeconds).toBeGreaterThan(0);
    expect(again.retryAfterSeconds).toBeLessThanOrEqual(60);
  });
});

describe('partner tier limiter (Redis, shared)', () => {
  it('two replicas share one count, atomically', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = createRedisTierLimiter(REDIS_URL, prefix, limits);
    const b = createRedisTierLimiter(REDIS_URL, prefix, limits);
    try {
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).take('partner-x', 'PREMIUM')),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      const refused = results.filter((r) => !r.allowed);
      expect(refused).toHaveLength(6);
      for (const r of refused) expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect((await a.take('partner-y', 'PREMIUM')).allowed).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
