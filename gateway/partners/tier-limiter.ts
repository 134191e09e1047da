import Redis from 'ioredis';
import type { PartnerTierName } from '#platform/contracts/partner-client';

export interface LimitDecision {
  allowed: boolean;
  /** Whole seconds until one more request fits (0 when allowed). */
  retryAfterSeconds: number;
}

export interface TierLimiter {
  take(partnerId: string, tier: PartnerTierName): Promise<LimitDecision>;
  close(): Promise<void>;
}

export interface TierLimits {
  windowMs: number;
  perTier: Record<PartnerTierName, number>;
}

/**
 * Sliding-window counter: the previous fixed window's count, weighted by how much of it still
 * overlaps the sliding window, plus the current window's count. Two integers per partner whatever
 * the limit, and no burst of twice the limit at a window boundary as a fixed window allows.
 * A refused request is not counted, so the retry time stays true.
 * Returns [allowed, retryAfterMs].
 */
function decide(prev: number, cur: number, limit: number, windowMs: number, elapsedMs: number): [boolean, number] {
  const weight = 1 - elapsedMs / windowMs;
  if (prev * weight + cur + 1 <= limit) return [true, 0];
  // Wait until the estimate leaves room for one more: still in this window if the previous
  // window's share can decay far enough, else into the next window, where `cur` becomes `prev`.
  if (cur + 1 <= limit && prev > 0) {
    const until = windowMs * (1 - (limit - cur - 1) / prev);
    return [false, Math.max(1, until - elapsedMs)];
  }
  const intoNext = cur > 0 ? windowMs * (1 - (limit - 1) / cur) : 0;
  return [false, Math.max(1, windowMs - elapsedMs + Math.max(0, intoNext))];
}

const toDecision = ([allowed, retryMs]: [boolean, number]): LimitDecision => ({
  allowed,
  retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(retryMs / 1000)),
});

/** One gateway process: counts kept per partner in a bounded map. */
export function createMemoryTierLimiter(
  limits: TierLimits,
  now: () => number = Date.now,
  maxPartners = 10_000,
): TierLimiter {
  const state = new Map<string, { window: number; prev: number; cur: number }>();
  return {
    async take(partnerId, tier) {
      const t = now();
      const window = Math.floor(t / limits.windowMs);
      let s = state.get(partnerId);
      if (!s) {
        if (state.size >= maxPartners) state.delete(state.keys().next().value as string);
        s = { window, prev: 0, cur: 0 };
        state.set(partnerId, s);
      }
      if (s.window !== window) {
        s.prev = s.window === window - 1 ? s.cur : 0;
        s.cur = 0;
        s.window = window;
      }
      const result = decide(s.prev, s.cur, limits.perTier[tier], limits.windowMs, t - window * limits.windowMs);
      if (result[0]) s.cur += 1;
      return toDecision(result);
    },
    close: async () => undefined,
  };
}

/**
 * The same counter in Redis, in one Lua script (atomic: replicas never lose each other's counts),
 * on Redis' own clock so replicas with skewed clocks agree on the window. One hash per partner
 * holds the current and previous window's counts; it expires after two windows of silence.
 */
const SLIDING_WINDOW_SCRIPT = `
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = math.floor(now / windowMs)
local elapsed = now - window * windowMs
local stored = redis.call('HMGET', KEYS[1], 'w', 'c', 'p')
local w = tonumber(stored[1])
local cur = tonumber(stored[2]) or 0
local prev = tonumber(stored[3]) or 0
if w ~= window then
  if w == window - 1 then prev = cur else prev = 0 end
  cur = 0
end
local weight = 1 - elapsed / windowMs
if prev * weight + cur + 1 <= limit then
  redis.call('HSET', KEYS[1], 'w', window, 'c', cur + 1, 'p', prev)
  redis.call('PEXPIRE', KEYS[1], windowMs * 2)
  return {1, 0}
end
return {0, prev, cur, elapsed}
`;

export function createRedisTierLimiter(
  url: string,
  prefix: string,
  limits: TierLimits,
  onError: (err: Error) => void = () => undefined,
): TierLimiter {
  // Commands wait for at most two reconnection attempts; the caller fails closed on an error.
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
  redis.on('error', onError);
  return {
    async take(partnerId, tier) {
      const limit = limits.perTier[tier];
      const result = (await redis.eval(
        SLIDING_WINDOW_SCRIPT,
        1,
        `${prefix}partner-limit:{${partnerId}}`,
        String(limit),
        String(limits.windowMs),
      )) as number[];
      if (result[0] === 1) return { allowed: true, retryAfterSeconds: 0 };
      const [, prev, cur, elapsed] = result.map(Number);
      return toDecision(decide(prev, cur, limit, limits.windowMs, elapsed));
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export function createTierLimiter(
  redisUrl: string | undefined,
  prefix: string,
  limits: TierLimits,
  onError?: (err: Error) => void,
): TierLimiter {
  return redisUrl ? createRedisTierLimiter(redisUrl, prefix, limits, onError) : createMemoryTierLimiter(limits);
}
