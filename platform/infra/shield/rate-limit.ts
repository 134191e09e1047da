import '#platform/infra/node-compat';
import { createHash, randomBytes } from 'node:crypto';
import { createRateLimitRule, type Identity, type Store } from 'graphql-rate-limit';
import { chain, deny, rule, type IRule, type IRules } from 'graphql-shield';
import Redis from 'ioredis';
import { RateLimitedError } from '#platform/infra/errors';

const identityKey = (identity: Identity) => `${identity.contextIdentity}\u0000${identity.fieldIdentity}`;

/** What one atomic check-and-count saw: whether the attempt fits, and the counted attempts before it. */
export interface Hit {
  allowed: boolean;
  /** Timestamps counted in the window before this attempt, oldest first. */
  stamps: number[];
}

/**
 * A sliding-window log whose check and increment are one step: an attempt is counted only if it
 * fits, and nothing can run between the check and the count (a Lua script in Redis, a synchronous
 * function in memory). graphql-rate-limit reads, then writes, so a burst of parallel calls all read
 * the same count; `ruleStore` below puts this step inside its read instead.
 */
abstract class AtomicWindowStore {
  abstract hit(key: string, max: number, windowMs: number, now?: number): Promise<Hit> | Hit;

  /** Seconds until one more attempt fits: when the oldest attempt that must leave the window leaves. */
  static retryAfterSeconds(stamps: readonly number[], max: number, windowMs: number, now = Date.now()): number {
    const sorted = [...stamps].sort((a, b) => a - b);
    const oldestThatMustLeave = sorted.length >= max ? sorted[sorted.length - max] : now;
    return Math.max(1, Math.ceil((oldestThatMustLeave + windowMs - now) / 1000));
  }

  /**
   * A graphql-rate-limit Store for one limit: its read is the atomic check-and-count, its write a
   * no-op. A refused read reports `max` fresh attempts so graphql-rate-limit's own (later) clock
   * cannot see one of them expire and let the call through uncounted.
   */
  ruleStore(max: number, windowMs: number): Store & { retryAfterSeconds(identity: Identity): number } {
    const refusals = new Map<string, readonly number[]>();
    return {
      getForIdentity: async (identity: Identity) => {
        const now = Date.now();
        const result = await this.hit(identityKey(identity), max, windowMs, now);
        if (result.allowed) return result.stamps;
        const key = identityKey(identity);
        refusals.delete(key);
        if (refusals.size >= 10_000) refusals.delete(refusals.keys().next().value as string);
        refusals.set(key, result.stamps);
        return new Array<number>(Math.max(max, result.stamps.length)).fill(now);
      },
      setForIdentity: () => undefined,
      retryAfterSeconds: (identity: Identity) => {
        const key = identityKey(identity);
        const stamps = refusals.get(key) ?? [];
        refusals.delete(key);
        return AtomicWindowStore.retryAfterSeconds(stamps, max, windowMs);
      },
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** One process: a bounded map (oldest keys evicted first); entries are pruned to their window on each hit. */
export class MemoryRateLimitStore extends AtomicWindowStore {
  private readonly entries = new Map<string, number[]>();
  constructor(private readonly maxKeys = 100_000) {
    super();
  }
  hit(key: string, max: number, windowMs: number, now = Date.now()): Hit {
    const stamps = (this.entries.get(key) ?? []).filter((t) => t > now - windowMs);
    const allowed = stamps.length < max;
    this.entries.delete(key);
    const kept = allowed ? [...stamps, now] : stamps;
    if (kept.length > 0) {
      if (this.entries.size >= this.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, kept);
    }
    return { allowed, stamps };
  }
  /** Counted attempts of a key still in the window (tests and diagnostics). */
  peek(key: string, windowMs: number, now = Date.now()): number[] {
    return (this.entries.get(key) ?? []).filter((t) => t > now - windowMs);
  }
}

/**
 * Prune, count, and add only if the attempt fits, in one script: Redis runs it alone, so replicas
 * and parallel requests cannot both see room for the last attempt. Members are unique (time plus a
 * random suffix) so attempts in the same millisecond are all counted.
 */
const HIT_SCRIPT = `
local now = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowMs)
local stamps = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local allowed = 0
if #stamps / 2 < max then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  allowed = 1
end
redis.call('PEXPIRE', KEYS[1], windowMs)
local out = { allowed }
for i = 2, #stamps, 2 do table.insert(out, stamps[i]) end
return out
`;

export class RedisRateLimitStore extends AtomicWindowStore {
  private readonly redis: Redis;
  constructor(
    url: string,
    private readonly prefix: string,
    onError: (err: Error) => void = () => undefined,
  ) {
    super();
    // A request waits for at most two reconnection attempts; with Redis down the limited fields
    // fail closed (an error), never unlimited.
    this.redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    this.redis.on('error', onError);
  }
  /** Keys hashed: emails and addresses do not appear in Redis keys. */
  redisKey(key: string): string {
    return `${this.prefix}ratelimit:${createHash('sha256').update(key).digest('base64url')}`;
  }
  async hit(key: string, max: number, windowMs: number, now = Date.now()): Promise<Hit> {
    const member = `${now}-${randomBytes(6).toString('base64url')}`;
    const [allowed, ...stamps] = (await this.redis.eval(
      HIT_SCRIPT,
      1,
      this.redisKey(key),
      String(now),
      String(windowMs),
      String(max),
      member,
    )) as Array<number | string>;
    return { allowed: Number(allowed) === 1, stamps: stamps.map(Number) };
  }
  override async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export type RateLimitStore = MemoryRateLimitStore | RedisRateLimitStore;

export function createRateLimitStore(
  redisUrl: string | undefined,
  prefix: string,
  onError?: (err: Error) => void,
): RateLimitStore {
  return redisUrl ? new RedisRateLimitStore(redisUrl, prefix, onError) : new MemoryRateLimitStore();
}

/**
 * The key an e-mail address is counted under: trimmed, Unicode NFKC, lower-case, so `A@x.co `,
 * `a@x.co` and a full-width `ａ@x.co` are one account's guesses.
 */
export function normaliseEmailKey(value: unknown): unknown {
  return typeof value === 'string' ? value.normalize('NFKC').trim().toLowerCase() : value;
}

export interface LimitSpec {
  max: number;
  windowSeconds: number;
  /** Arguments that join the identity, as lodash paths (e.g. `input.email`). */
  identityArgs?: string[];
  /** Normalises each identity argument before it becomes part of the key (e.g. `normaliseEmailKey`). */
  normalise?: (value: unknown) => unknown;
}

const RETRY_IN = / in (\d+) seconds?$/;
/** How long to tell callers to wait when the counters cannot be read (Redis down). */
const UNAVAILABLE_RETRY_SECONDS = 5;

function setPath(
  target: Record<string, unknown>,
  dotted: string,
  map: (v: unknown) => unknown,
): Record<string, unknown> {
  const [head, ...rest] = dotted.split('.');
  if (!(head in target)) return target;
  const value = target[head];
  if (rest.length === 0) return { ...target, [head]: map(value) };
  if (!value || typeof value !== 'object') return target;
  return { ...target, [head]: setPath(value as Record<string, unknown>, rest.join('.'), map) };
}

/**
 * Shield rules over graphql-rate-limit, counted per whatever `identify` returns (client address,
 * user id, or a constant for per-account limits). Each limit's store counts atomically (see
 * `ruleStore`); a refused attempt is not counted, so the retry time in the error stays true. When
 * the store fails, the limited field fails closed with RATE_LIMITED (shield would otherwise turn the
 * failure into a bare FORBIDDEN).
 */
export function rateLimitRules(
  store: RateLimitStore,
  identify: (ctx: any) => string,
  onError: (err: unknown) => void = () => undefined,
): (spec: LimitSpec) => IRule {
  return (spec) => {
    const windowMs = spec.windowSeconds * 1000;
    const counted = store.ruleStore(spec.max, windowMs);
    const factory = createRateLimitRule({
      identifyContext: identify,
      store: counted,
      formatError: ({ fieldName, contextIdentity, fieldIdentity }) => {
        const seconds = counted.retryAfterSeconds({ contextIdentity, fieldIdentity: fieldIdentity ?? fieldName });
        return `Too many ${fieldName} requests; try again in ${seconds} second${seconds === 1 ? '' : 's'}`;
      },
      createError: (message) => new RateLimitedError(message, Number(RETRY_IN.exec(message)?.[1] ?? 60)),
    });
    const limit = factory({
      max: spec.max,
      window: `${spec.windowSeconds}s`,
      identityArgs: spec.identityArgs,
      uncountRejected: true,
    });
    const normalise = spec.normalise;
    return rule({ cache: 'no_cache' })(async (parent, args, ctx, info) => {
      const keyed =
        normalise && spec.identityArgs
          ? spec.identityArgs.reduce((a, p) => setPath(a, p, normalise), args as Record<string, unknown>)
          : args;
      try {
        // debug: rethrow the store's failure here instead of shield's silent `false`
        return await limit.resolve(parent, keyed, ctx, info, { debug: true } as Parameters<typeof limit.resolve>[4]);
      } catch (err) {
        onError(err);
        return new RateLimitedError(
          `Request limits cannot be checked right now; try again in ${UNAVAILABLE_RETRY_SECONDS} seconds`,
          UNAVAILABLE_RETRY_SECONDS,
        );
      }
    });
  };
}

type ShieldRule = IRule | ReturnType<typeof chain>;
/** Rules by type name and field name. */
export type FieldRules = Record<string, Record<string, ShieldRule>>;

/**
 * Puts each rate limit behind the field's permission rule (`chain`: the limit is counted only once
 * the permission passed). A field the permissions do not name stays denied.
 */
export function withRateLimits(permissions: IRules, limits: FieldRules): IRules {
  const rules = { ...(permissions as Record<string, ShieldRule | Record<string, ShieldRule>>) };
  for (const [typeName, fields] of Object.entries(limits)) {
    const typeRule = rules[typeName] ?? {};
    if ('resolve' in typeRule) throw new Error(`rate limits on ${typeName} need its permissions as a field map`);
    const fieldMap = { ...(typeRule as Record<string, ShieldRule>) };
    for (const [field, limit] of Object.entries(fields)) fieldMap[field] = chain(fieldMap[field] ?? deny, limit);
    rules[typeName] = fieldMap;
  }
  return rules as IRules;
}
