import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { EventType } from '#platform/contracts/events/catalogue';
import type { Logger } from '#platform/infra/observability/logger';

/**
 * How the gateway's response cache learns that public data changed (docs/performance.md). A
 * subgraph's outbox reports the event types each committed transaction wrote; a listing or order
 * event invalidates every cached public answer, an erasure also purges them (entries are deleted,
 * not just marked). The message goes to gateways in this process at once, before the mutation's
 * response leaves, and to other processes over Redis pub/sub. Without Redis, a gateway in another
 * process has no feed, and the cache's TTL (1 s by default) is the freshness bound.
 */
export interface CacheInvalidation {
  /** Unique: a process that heard it in process ignores its Redis copy. */
  id: string;
  /** Every public answer read before now is stale. */
  kind: 'invalidate' | 'purge';
  /** The event types that caused it (for logs). */
  types: string[];
  at: number;
}

/** Event types that record what a read observed: they change nothing a public read returns. */
const READ_EVENTS = new Set<string>(['listing.viewed', 'search.performed', 'match.requested']);
const ERASURE_EVENTS = new Set<string>(['user.erasure.requested', 'user.erasure.completed']);

/** What a committed batch of events means for cached public answers, or null for nothing. */
export function invalidationFor(types: Iterable<EventType | string>): CacheInvalidation | null {
  const changed = [...new Set(types)].filter((t) => !READ_EVENTS.has(t));
  if (!changed.length) return null;
  const kind = changed.some((t) => ERASURE_EVENTS.has(t)) ? 'purge' : 'invalidate';
  return { id: randomUUID(), kind, types: changed, at: Date.now() };
}

export function cacheInvalidationChannel(prefix: string): string {
  return `${prefix}response-cache:invalidate`;
}

const localFeed = new EventEmitter();
localFeed.setMaxListeners(0);

function isInvalidation(value: unknown): value is CacheInvalidation {
  const v = value as CacheInvalidation;
  return (
    !!v &&
    typeof v.id === 'string' &&
    (v.kind === 'invalidate' || v.kind === 'purge') &&
    Array.isArray(v.types) &&
    typeof v.at === 'number'
  );
}

/** The producer side, one per subgraph process. */
export class CacheInvalidationPublisher {
  private redis: Redis | null = null;

  constructor(private readonly options: { redisUrl?: string; keyPrefix: string; log: Logger }) {
    if (options.redisUrl) {
      this.redis = new Redis(options.redisUrl, {
        lazyConnect: false,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: true,
      });
      this.redis.on('error', (err) => options.log.warn({ err: err.message }, 'cache invalidation: Redis error'));
    }
  }

  publish(message: CacheInvalidation): void {
    localFeed.emit('message', message);
    this.redis?.publish(cacheInvalidationChannel(this.options.keyPrefix), JSON.stringify(message)).catch((err) =>
      // The gateways' TTL still bounds the staleness of what they serve.
      this.options.log.warn({ err: (err as Error).message }, 'could not publish a cache invalidation on Redis'),
    );
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}

export interface InvalidationSubscription {
  /** Resolves once the Redis subscription is in place (at once without Redis). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** The consumer side: `handler` runs for each message, from this process and (with Redis) from others. */
export function subscribeCacheInvalidations(
  options: { redisUrl?: string; keyPrefix: string; log: Logger; local?: boolean },
  handler: (message: CacheInvalidation) => void,
): InvalidationSubscription {
  // Ids heard in process, so their Redis copies (a moment later) do not invalidate a second time.
  const heard = new Set<string>();
  const onLocal = (message: CacheInvalidation) => {
    heard.add(message.id);
    if (heard.size > 1000) heard.delete(heard.values().next().value as string);
    handler(message);
  };
  if (options.local !== false) localFeed.on('message', onLocal);
  let subscriber: Redis | null = null;
  let ready = Promise.resolve();
  if (options.redisUrl) {
    const channel = cacheInvalidationChannel(options.keyPrefix);
    subscriber = new Redis(options.redisUrl, { lazyConnect: false, maxRetriesPerRequest: null });
    subscriber.on('error', (err) => options.log.warn({ err: err.message }, 'cache invalidation feed: Redis error'));
    subscriber.on('message', (ch: string, raw: string) => {
      if (ch !== channel) return;
      try {
        const message: unknown = JSON.parse(raw);
        if (isInvalidation(message) && !heard.delete(message.id)) handler(message);
      } catch {
        options.log.warn('cache invalidation feed: a message that is not JSON');
      }
    });
    ready = subscriber.subscribe(channel).then(
      () => undefined,
      (err: Error) => options.log.warn({ err: err.message }, 'cache invalidation feed: could not subscribe'),
    );
  }
  return {
    ready,
    async close() {
      localFeed.off('message', onLocal);
      if (subscriber) {
        subscriber.removeAllListeners('message');
        await subscriber.quit().catch(() => subscriber?.disconnect());
      }
    },
  };
}
