import Redis from 'ioredis';

/**
 * How many requests one client (an address, or a partner) has sent in its current window, for the
 * bot-rate rule of threat detection. A client's window opens with its first request and lasts
 * `windowMs`; the next request after it opens a new one. Anchored on the client rather than on the
 * clock, so no two clients' windows turn over at the same instant.
 */
export interface ClientRateCounter {
  /** Counts one request of `clientKey`; its number in the client's current window (1 for the first). */
  count(clientKey: string): Promise<number>;
  close(): Promise<void>;
}

export interface ClientRateOptions {
  windowMs: number;
  /** Clients kept in memory at most (the oldest go first). */
  maxClients?: number;
  now?: () => number;
}

/** One process's count: each gateway process (or worker) sees only the requests it answered. */
export function createMemoryClientRate(options: ClientRateOptions): ClientRateCounter {
  const now = options.now ?? Date.now;
  const maxClients = options.maxClients ?? 50_000;
  const clients = new Map<string, { start: number; count: number }>();
  return {
    async count(clientKey) {
      const t = now();
      let entry = clients.get(clientKey);
      if (!entry || t - entry.start >= options.windowMs) {
        clients.delete(clientKey);
        if (clients.size >= maxClients) clients.delete(clients.keys().next().value as string);
        entry = { start: t, count: 0 };
        clients.set(clientKey, entry);
      }
      entry.count += 1;
      return entry.count;
    },
    close: async () => clients.clear(),
  };
}

// INCR and the expiry of the first request in one step: a window never stays without an expiry.
const COUNT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`;

/**
 * Every gateway process's requests together, through Redis (the workers of GATEWAY_WORKERS and
 * every replica), so the rule does not loosen with the number of processes. One pipelined script
 * call per request. When Redis fails, this process's own count decides (logged): the rule keeps
 * working, per process, rather than letting every request through.
 */
export function createRedisClientRate(
  url: string,
  prefix: string,
  options: ClientRateOptions & { onError?: (err: Error) => void },
): ClientRateCounter {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: true, enableAutoPipelining: true });
  redis.on('error', (err) => options.onError?.(err));
  // The first requests wait for the connection (so every count starts in Redis); once it has been
  // up, a request during an outage is counted here at once instead of waiting for a reconnection.
  let connected = false;
  redis.on('ready', () => (connected = true));
  // EVALSHA after the first call: the script is not sent with every request.
  redis.defineCommand('countClientRequest', { numberOfKeys: 1, lua: COUNT_SCRIPT });
  const countInRedis = (key: string, windowMs: string) =>
    (redis as unknown as { countClientRequest(k: string, w: string): Promise<number> }).countClientRequest(
      key,
      windowMs,
    );
  const fallback = createMemoryClientRate(options);
  return {
    async count(clientKey) {
      // Counted here as well, so a Redis outage starts from this process's recent requests, not zero.
      const local = await fallback.count(clientKey);
      if (connected && redis.status !== 'ready') return local;
      try {
        return Number(await countInRedis(`${prefix}client-rate:{${clientKey}}`, String(options.windowMs)));
      } catch (err) {
        options.onError?.(err as Error);
        return local;
      }
    },
    async close() {
      await fallback.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export function createClientRate(
  redisUrl: string | undefined,
  prefix: string,
  options: ClientRateOptions & { onError?: (err: Error) => void },
): ClientRateCounter {
  return redisUrl ? createRedisClientRate(redisUrl, prefix, options) : createMemoryClientRate(options);
}
