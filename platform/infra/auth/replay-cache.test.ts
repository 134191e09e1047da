import { randomUUID } from 'node:crypto';
import { createMemoryReplayCache, createRedisReplayCache } from '#platform/infra/auth/replay-cache';
import { bodyDigest, signGatewayRequest, verifyGatewayRequest } from '#platform/infra/auth/gateway-signature';

describe('the replay cache in memory', () => {
  it('accepts a signature once, and again only after its window', async () => {
    let now = 1_000_000_000_000;
    const cache = createMemoryReplayCache({ maxAgeSeconds: 300, maxEntries: 1000, now: () => now });
    const at = now / 1000;
    expect(await cache.claim('a', at)).toBe(true);
    expect(await cache.claim('a', at)).toBe(false);
    expect(await cache.claim('b', at)).toBe(true);
    now += 302_000; // past the window the signature is stale anyway; the entry may go
    expect(await cache.claim('c', now / 1000)).toBe(true);
    expect(await cache.claim('a', at)).toBe(true);
  });

  it('stays within its bound without reopening a replay: past it, older signatures are refused', async () => {
    const now = 1_000_000_000_000;
    const cache = createMemoryReplayCache({ maxAgeSeconds: 300, maxEntries: 1000, now: () => now });
    const t0 = now / 1000 - 10;
    for (let i = 0; i < 1000; i++) expect(await cache.claim(`k${i}`, t0)).toBe(true);
    expect(await cache.claim('fresh', t0 + 5)).toBe(true); // evicts k0, made at t0
    expect(await cache.claim('k0', t0)).toBe(false); // evicted, but not replayable
    expect(await cache.claim('other-old', t0)).toBe(false);
    expect(await cache.claim('newer', t0 + 6)).toBe(true);
  });
});

const redisUrl = process.env.REDIS_URL_FOR_TESTS;
(redisUrl ? describe : describe.skip)('the replay cache in Redis (REDIS_URL_FOR_TESTS)', () => {
  it('is shared by replicas: a signature accepted by one is refused by another', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = createRedisReplayCache(redisUrl!, prefix, { maxAgeSeconds: 300, maxEntries: 1000 });
    const b = createRedisReplayCache(redisUrl!, prefix, { maxAgeSeconds: 300, maxEntries: 1000 });
    try {
      const at = Math.floor(Date.now() / 1000);
      expect(await a.claim('sig-1', at)).toBe(true);
      expect(await b.claim('sig-1', at)).toBe(false);
      expect(await a.claim('sig-1', at)).toBe(false);
      expect(await b.claim('sig-2', at)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('falls back to this process when Redis cannot be reached, still refusing replays here', async () => {
    const errors: Error[] = [];
    const cache = createRedisReplayCache('redis://127.0.0.1:9/0', 'x:', {
      maxAgeSeconds: 300,
      maxEntries: 1000,
      onError: (e) => errors.push(e),
    });
    try {
      const at = Math.floor(Date.now() / 1000);
      expect(await cache.claim('sig', at)).toBe(true);
      expect(await cache.claim('sig', at)).toBe(false);
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await cache.close();
    }
  });
});

describe('the gateway signature', () => {
  const headers: Record<string, string> = { 'x-request-id': 'r1', authorization: 'Bearer abc' };
  const request = (body: unknown, extra: Record<string, string> = {}) => ({
    method: 'POST',
    pathWithQuery: '/graphql',
    body,
    get: (h: string) => ({ ...headers, ...extra })[h],
  });

  it('covers the body (in canonical JSON), the method, the path and the identity headers', () => {
    const body = JSON.stringify({ query: '{ me { id } }', variables: { a: 1, b: [1, { c: 2, d: 3 }] } });
    const signature = signGatewayRequest('k'.repeat(32), request(body));
    const signed = { ...headers, 'x-gateway-signature': signature };
    const check = (r: ReturnType<typeof request>, secrets: string | string[] = 'k'.repeat(32)) =>
      verifyGatewayRequest(secrets, { ...r, get: (h) => (h === 'x-gateway-signature' ? signed[h] : r.get(h)) }, 60).ok;
    expect(check(request(body))).toBe(true);
    // the same JSON value, serialised differently (another gateway's bytes), still matches
    expect(check(request({ variables: { b: [1, { d: 3, c: 2 }], a: 1 }, query: '{ me { id } }' }))).toBe(true);
    expect(
      check(request(JSON.stringify({ query: '{ me { id email } }', variables: { a: 1, b: [1, { c: 2, d: 3 }] } }))),
    ).toBe(false);
    expect(
      check(request(JSON.stringify({ query: '{ me { id } }', variables: { a: 2, b: [1, { c: 2, d: 3 }] } }))),
    ).toBe(false);
    expect(check({ ...request(body), method: 'GET' })).toBe(false);
    expect(check({ ...request(body), pathWithQuery: '/graphql?x=1' })).toBe(false);
    expect(check(request(body, { authorization: 'Bearer other' }))).toBe(false);
    expect(check(request(body, { 'x-partner-id': 'p' }))).toBe(false);
    // rotation: any listed key verifies
    expect(check(request(body), ['n'.repeat(32), 'k'.repeat(32)])).toBe(true);
    expect(check(request(body), 'n'.repeat(32))).toBe(false);
  });

  it('gives every signing its own nonce, so two identical requests have two signatures', () => {
    const a = signGatewayRequest('k'.repeat(32), request('{}'));
    const b = signGatewayRequest('k'.repeat(32), request('{}'));
    expect(a).not.toBe(b);
    expect(bodyDigest('{"a":1,"b":2}')).toBe(bodyDigest({ b: 2, a: 1 }));
    expect(bodyDigest('not json')).not.toBe(bodyDigest(''));
  });
});
