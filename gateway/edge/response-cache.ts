import { createHash } from 'node:crypto';
import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import Redis from 'ioredis';
import type { Logger } from '#platform/infra/observability/logger';
import { markSharedData } from '#platform/infra/http/operation-limits';
import { subscribeCacheInvalidations } from '#platform/infra/events/cache-invalidation';
import type { GatewayContext } from '../context.type';

/**
 * A response cache for the public reads: anonymous operations and partner operations. Signed-in
 * viewers are never served from it nor written to it (their responses may hold their own drafts,
 * orders and e-mail address), mutations never, a stale-token request (answered as anonymous, with
 * a warning of its own) never, and a response with any error never.
 *
 * Freshness: every committed listing, order or erasure event invalidates the whole cache at once
 * (platform/infra/events/cache-invalidation.ts: in process before the mutation answers, over Redis pub/sub to
 * other processes); an erasure also deletes the entries. An entry read before the invalidation
 * arrived is never served after it, even one whose subgraph call was still in flight. `ttlMs` is
 * the bound when the feed is lost (a gateway without Redis in another process than the subgraphs):
 * 1 s by default, the promised freshness.
 *
 * Entries are keyed by scope (anonymous, or one partner) and by the operation: document hash,
 * operation name and variables. With REDIS_URL set, replicas share entries through Redis (under
 * REDIS_KEY_PREFIX); a small in-process layer in front of it answers repeats without a round trip.
 *
 * Headers: a cached kind of answer says `public` (anonymous) or `private` (a partner's), with
 * `max-age` at most the 1 s freshness (a downstream cache hears no invalidations), `age` since its
 * data was read and `vary` on the headers that change who is asking; everything else `no-store`.
 */

/** Downstream caches hear no invalidations: they may keep an answer at most this long. */
const DOWNSTREAM_FRESHNESS_MS = 1000;

export interface ResponseCacheOptions {
  ttlMs: number;
  redisUrl?: string;
  keyPrefix: string;
  log: Logger;
  /** In-process entries kept at most (the oldest go first). */
  maxEntries?: number;
  /** Hear invalidations published in this process (default true; a test standing for another process turns it off). */
  localInvalidations?: boolean;
}

interface Entry {
  result: FormattedExecutionResult;
  storedAt: number;
}

type Outcome = 'HIT' | 'MISS' | 'BYPASS';

export interface ResponseCache {
  plugin(): ApolloServerPlugin<GatewayContext>;
  /** Everything read before now is stale (a listing or order event). */
  invalidate(): void;
  /** Deletes every entry, here and in Redis (an erasure; an operator after a data repair). */
  purge(): Promise<void>;
  /** Resolves once the Redis invalidation feed is subscribed. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Who a cached answer may be shared with, or null when the request must not touch the cache. */
export function cacheScope(ctx: GatewayContext): string | null {
  if (ctx.partner) return `partner:${ctx.partner.id}`;
  if (ctx.viewer || ctx.authorization || ctx.tokenWarning) return null;
  return 'anonymous';
}

export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const { ttlMs, log } = options;
  const maxEntries = options.maxEntries ?? 5000;
  const local = new Map<string, Entry>();
  const redis =
    options.redisUrl && ttlMs > 0
      ? new Redis(options.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false })
      : null;
  const redisPrefix = `${options.keyPrefix}response-cache:`;
  redis?.on('error', (err) => log.warn({ err: err.message }, 'response cache: Redis error'));

  /** Entries whose data was read before this (this process's clock) are never served. */
  let invalidatedAt = 0;
  const fresh = (e: Entry | undefined, now: number) => !!e && now - e.storedAt < ttlMs && e.storedAt >= invalidatedAt;

  async function get(key: string): Promise<Entry | null> {
    const now = Date.now();
    const hit = local.get(key);
    if (fresh(hit, now)) return hit!;
    if (hit) local.delete(key);
    if (!redis || redis.status !== 'ready') return null;
    try {
      const raw = await redis.get(redisPrefix + key);
      if (!raw) return null;
      const entry = JSON.parse(raw) as Entry;
      if (!fresh(entry, Date.now())) return null;
      remember(key, entry);
      return entry;
    } catch {
      return null;
    }
  }

  function remember(key: string, entry: Entry) {
    // Served unchanged to every hit from now on: its JSON is written once.
    markSharedData(entry.result.data);
    if (local.size >= maxEntries) {
      const oldest = local.keys().next().value;
      if (oldest !== undefined) local.delete(oldest);
    }
    local.set(key, entry);
  }

  function put(key: string, entry: Entry) {
    remember(key, entry);
    if (redis && redis.status === 'ready') {
      redis.set(redisPrefix + key, JSON.stringify(entry), 'PX', ttlMs).catch(() => undefined);
    }
  }

  function invalidate() {
    // Strictly after any read that has started, so an in-flight answer is refused when it lands.
    invalidatedAt = Date.now() + 1;
    local.clear();
  }

  async function purge() {
    invalidate();
    if (redis && redis.status === 'ready') {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
  }

  const feed =
    ttlMs > 0
      ? subscribeCacheInvalidations(
          { redisUrl: options.redisUrl, keyPrefix: options.keyPrefix, log, local: options.localInvalidations },
          (message) => {
            if (message.kind === 'purge')
              purge().catch((err: Error) => log.warn({ err: err.message }, 'response cache: purge failed'));
            else invalidate();
          },
        )
      : null;

  const keyOf = (scope: string, rc: GraphQLRequestContext<GatewayContext>) =>
    createHash('sha256')
      .update(scope)
      .update('\0')
      .update(rc.queryHash ?? '')
      .update('\0')
      .update(rc.operationName ?? '')
      .update('\0')
      .update(JSON.stringify(rc.request.variables ?? {}))
      .digest('base64url');

  return {
    plugin() {
      return {
        async requestDidStart() {
          let outcome: Outcome = 'BYPASS';
          let key: string | null = null;
          let storedAt = 0;
          return {
            async responseForOperation(rc) {
              if (ttlMs <= 0 || rc.operation.operation !== 'query') return null;
              const scope = cacheScope(rc.contextValue);
              if (!scope) return null;
              key = keyOf(scope, rc);
              const hit = await get(key);
              if (!hit) {
                outcome = 'MISS';
                storedAt = Date.now();
                return null;
              }
              outcome = 'HIT';
              storedAt = hit.storedAt;
              return {
                http: { status: undefined, headers: new HeaderMap() },
                body: { kind: 'single', singleResult: hit.result },
              };
            },
            async willSendResponse(rc) {
              const headers = rc.response.http.headers;
              const body = rc.response.body;
              const clean = body.kind === 'single' && !body.singleResult.errors?.length && !rc.errors?.length;
              if (outcome === 'MISS' && key && clean && body.kind === 'single') {
                // storedAt is when the subgraphs were asked, so the bound holds from the data's age.
                put(key, { result: body.singleResult, storedAt });
              }
              if ((outcome === 'MISS' || outcome === 'HIT') && clean) {
                const age = Math.max(0, Date.now() - storedAt);
                const maxAge = Math.max(0, Math.floor((Math.min(ttlMs, DOWNSTREAM_FRESHNESS_MS) - age) / 1000));
                headers.set('cache-control', `${rc.contextValue.partner ? 'private' : 'public'}, max-age=${maxAge}`);
                headers.set('age', String(Math.floor(age / 1000)));
                headers.set('vary', 'authorization, x-api-key');
                headers.set('x-cache', outcome);
              } else {
                // Signed-in answers, mutations and errors: nobody may keep them.
                headers.set(
                  'cache-control',
                  rc.contextValue?.viewer || rc.contextValue?.authorization ? 'private, no-store' : 'no-store',
                );
              }
            },
          };
        },
      };
    },
    invalidate,
    purge,
    ready: feed?.ready ?? Promise.resolve(),
    async close() {
      local.clear();
      await feed?.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
