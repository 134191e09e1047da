import './node-compat';
import { createHash } from 'node:crypto';
import { createRateLimitRule, type Identity, type Store } from 'graphql-rate-limit';
import { chain, deny, rule, type IRule, type IRules } from 'graphql-shield';
import type { IOptions } from 'graphql-shield/typings/types';
import Redis from 'ioredis';
import { RateLimitedError } from './errors';

const identityKey = (identity: Identity) => `${identity.contextIdentity}\u0000${identity.fieldIdentity}`;

/**
 * graphql-rate-limit's rule tells its error factory only a message. Each store remembers the
 * timestamps it last wrote per identity (synchronously, just before the message is formatted), so
 * the message can say when the oldest counted attempt leaves the window.
 */
abstract class RetryAwareStore implements Store {
  private readonly lastWritten = new Map<string, readonly number[]>();

  abstract getForIdentity(identity: Identity): Promise<readonly number[]> | readonly number[];
  protected abstract write(identity: Identity, timestamps: readonly number[], windowMs: number): Promise<void> | void;

  async setForIdentity(identity: Identity, timestamps: readonly number[], windowMs = 60_000): Promise<void> {
    await this.write(identity, timestamps, windowMs);
    this.lastWritten.set(identityKey(identity), timestamps);
  }

  /** Seconds until one more attempt fits in the window. */
  retryAfterSeconds(identity: Identity, max: number, windowMs: number, now = Date.now()): number {
    const key = identityKey(identity);
    const stamps = [...(this.lastWritten.get(key) ?? [])].sort((a, b) => a - b);
    this.lastWritten.delete(key);
    const oldestThatMustLeave = stamps.length >= max ? stamps[stamps.length - max] : now;
    return Math.max(1, Math.ceil((oldestThatMustLeave + windowMs - now) / 1000));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** One process: a bounded map (oldest identities evicted first), entries dropped once their window passes. */
export class MemoryRateLimitStore extends RetryAwareStore {
  private readonly entries = new Map<string, { timestamps: readonly number[]; until: number }>();
  constructor(private readonly maxIdentities = 100_000) {
    super();
  }
  getForIdentity(identity: Identity): readonly number[] {
    const key = identityKey(identity);
    const entry = this.entries.get(key);
    if (!entry) return [];
    if (entry.until <= Date.now()) {
      this.entries.delete(key);
      return [];
    }
    return entry.timestamps;
  }
  protected write(identity: Identity, timestamps: readonly number[], windowMs: number): void {
    const key = identityKey(identity);
    this.entries.delete(key);
    if (timestamps.length === 0) return;
    if (this.entries.size >= this.maxIdentities) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { timestamps: [...timestamps], until: Math.max(...timestamps) + windowMs });
  }
}

/**
 * Merges instead of overwriting: graphql-rate-limit reads, then writes the whole list, so two
 * replicas counting the same identity at once would each drop the other's attempt with a plain SET
 * (which graphql-rate-limit's own RedisStore does). Each timestamp keeps the larger of its two
 * counts, expired ones are dropped, and the key expires with the window.
 */
const MERGE_SCRIPT = `
local incoming = cjson.decode(ARGV[1])
local cutoff = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local counts = {}
local function tally(list)
  local local_counts = {}
  for _, t in ipairs(list) do
    if t > cutoff then local_counts[t] = (local_counts[t] or 0) + 1 end
  end
  for t, n in pairs(local_counts) do
    if (counts[t] or 0) < n then counts[t] = n end
  end
end
local existing = redis.call('GET', KEYS[1])
if existing then tally(cjson.decode(existing)) end
tally(incoming)
local merged = {}
for t, n in pairs(counts) do
  for _ = 1, n do table.insert(merged, t) end
end
table.sort(merged)
if #merged == 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('SET', KEYS[1], cjson.encode(merged), 'PX', windowMs)
return #merged
`;

export class RedisRateLimitStore extends RetryAwareStore {
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
  /** Identities hashed: emails and addresses do not appear in Redis keys. */
  private key(identity: Identity): string {
    return `${this.prefix}ratelimit:${createHash('sha256').update(identityKey(identity)).digest('base64url')}`;
  }
  async getForIdentity(identity: Identity): Promise<readonly number[]> {
    const raw = await this.redis.get(this.key(identity));
    return raw ? (JSON.parse(raw) as number[]) : [];
  }
  protected async write(identity: Identity, timestamps: readonly number[], windowMs: number): Promise<void> {
    await this.redis.eval(MERGE_SCRIPT, 1, this.key(identity), JSON.stringify(timestamps), String(Date.now() - windowMs), String(windowMs));
  }
  override async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export type RateLimitStore = MemoryRateLimitStore | RedisRateLimitStore;

export function createRateLimitStore(redisUrl: string | undefined, prefix: string, onError?: (err: Error) => void): RateLimitStore {
  return redisUrl ? new RedisRateLimitStore(redisUrl, prefix, onError) : new MemoryRateLimitStore();
}

export interface LimitSpec {
  max: number;
  windowSeconds: number;
  /** Arguments that join the identity, as lodash paths (e.g. `input.email`). */
  identityArgs?: string[];
}

const RETRY_IN = / in (\d+) seconds?$/;
/** How long to tell callers to wait when the counters cannot be read (Redis down). */
const UNAVAILABLE_RETRY_SECONDS = 5;

/**
 * Shield rules over graphql-rate-limit, counted per whatever `identify` returns (client address,
 * user id). A refused attempt is not counted, so the retry time in the error stays true. When the
 * store fails, the limited field fails closed with RATE_LIMITED (shield would otherwise turn the
 * failure into a bare FORBIDDEN).
 */
export function rateLimitRules(
  store: RateLimitStore,
  identify: (ctx: any) => string,
  onError: (err: unknown) => void = () => undefined,
): (spec: LimitSpec) => IRule {
  const factory = createRateLimitRule({
    identifyContext: identify,
    store,
    formatError: ({ fieldName, contextIdentity, fieldIdentity, max, window }) => {
      const seconds = store.retryAfterSeconds({ contextIdentity, fieldIdentity: fieldIdentity ?? fieldName }, max, window);
      return `Too many ${fieldName} requests; try again in ${seconds} second${seconds === 1 ? '' : 's'}`;
    },
    createError: (message) => new RateLimitedError(message, Number(RETRY_IN.exec(message)?.[1] ?? 60)),
  });
  return (spec) => {
    const limit = factory({ max: spec.max, window: `${spec.windowSeconds}s`, identityArgs: spec.identityArgs, uncountRejected: true });
    return rule({ cache: 'no_cache' })(async (parent, args, ctx, info) => {
      try {
        // debug: rethrow the store's failure here instead of shield's silent `false`
        return await limit.resolve(parent, args, ctx, info, { debug: true } as IOptions);
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
