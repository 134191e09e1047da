import Redis from 'ioredis';

/**
 * Remembers every signature a service accepted until it would be refused as stale anyway, so a
 * captured request cannot be sent again. With `REDIS_URL` the memory is shared by every replica
 * (one `SET NX` per signed request); without it, each process keeps a bounded map.
 */
export interface ReplayCache {
  /** True the first time a signature is presented within its window, false for a replay. */
  claim(replayKey: string, signedAtSeconds: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface ReplayCacheOptions {
  /** A signature is accepted while |now - signedAt| <= maxAgeSeconds; it is remembered that long. */
  maxAgeSeconds: number;
  /** In-memory bound (entries). */
  maxEntries: number;
  now?: () => number;
}

/**
 * A map in insertion order. Past `maxEntries` the oldest entry is dropped and every signature made
 * at or before its time is refused from then on: the bound never reopens a replay, at worst it
 * refuses a request signed that long ago (only under a load far beyond the bound).
 */
export function createMemoryReplayCache(options: ReplayCacheOptions): ReplayCache {
  const now = options.now ?? Date.now;
  const seen = new Map<string, number>();
  let floor = -Infinity;
  const expired = (signedAt: number) => (signedAt + options.maxAgeSeconds + 1) * 1000 < now();
  return {
    async claim(key, signedAt) {
      for (const [oldKey, oldAt] of seen) {
        if (!expired(oldAt)) break;
        seen.delete(oldKey);
      }
      if (signedAt <= floor || seen.has(key)) return false;
      seen.set(key, signedAt);
      if (seen.size > options.maxEntries) {
        const [oldestKey, oldestAt] = seen.entries().next().value as [string, number];
        seen.delete(oldestKey);
        floor = Math.max(floor, oldestAt);
      }
      return true;
    },
    async close() {
      seen.clear();
    },
  };
}

/**
 * Shared through Redis. If Redis fails, the claim falls back to this process's memory (logged):
 * replays to the same replica stay refused, and the API keeps answering.
 */
export function createRedisReplayCache(
  url: string,
  prefix: string,
  options: ReplayCacheOptions & { onError?: (err: Error) => void },
): ReplayCache {
  const now = options.now ?? Date.now;
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false });
  redis.on('error', (err) => options.onError?.(err));
  const fallback = createMemoryReplayCache(options);
  return {
    async claim(key, signedAt) {
      const ttlMs = Math.max(1000, (signedAt + options.maxAgeSeconds + 1) * 1000 - now());
      try {
        const set = await redis.set(`${prefix}replay:${key}`, '1', 'PX', ttlMs, 'NX');
        // Also remembered locally, so a replay during a later Redis outage is still refused here.
        const local = await fallback.claim(key, signedAt);
        return set === 'OK' && local;
      } catch (err) {
        options.onError?.(err as Error);
        return fallback.claim(key, signedAt);
      }
    },
    async close() {
      await fallback.close();
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}

export function createReplayCache(
  config: {
    REDIS_URL?: string;
    REDIS_KEY_PREFIX: string;
    GATEWAY_SIGNATURE_MAX_AGE_SECONDS: number;
    SIGNATURE_REPLAY_CACHE_SIZE: number;
  },
  onError?: (err: Error) => void,
): ReplayCache {
  const options = {
    maxAgeSeconds: config.GATEWAY_SIGNATURE_MAX_AGE_SECONDS,
    maxEntries: config.SIGNATURE_REPLAY_CACHE_SIZE,
    onError,
  };
  return config.REDIS_URL
    ? createRedisReplayCache(config.REDIS_URL, config.REDIS_KEY_PREFIX, options)
    : createMemoryReplayCache(options);
}
