import type { GraphQLDataSource } from '@apollo/gateway';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '#platform/infra/observability/logger';
import { subscribeCacheInvalidations } from '#platform/infra/events/cache-invalidation';
import type { PublicSelections } from './public-fetch';

/**
 * An entity cache for public entity fields (platform/contracts/public-entities.ts): a seller's
 * display name, which every catalogue page, search and listing shows, is the same for whoever asks
 * and changes only when the seller is erased. A viewer-independent `_entities` fetch (public-fetch.ts)
 * is answered per representation from this cache; only the representations it does not hold go to
 * the subgraph, in one call, and their answers are kept for the next request.
 *
 * Only viewer-independent fetches reach it, so nothing one identity may see can reach another
 * through it (the fields are `allow` and resolved without the viewer: test/public-entities.int.test.ts).
 *
 * Freshness: an erasure purges it (the same feed as the response cache: in process at once, over
 * Redis pub/sub to other processes, after each service's part of the erasure), and an answer read
 * before a purge is never stored after it. `ttlMs` bounds an entry's age when the feed is lost. A
 * field added to the contract that changes other than by erasure must purge it too, or stay out.
 *
 * Not kept: a null entity (an unknown or malformed id: a user registered a moment later is then
 * found), an entity the subgraph reported an error for, and anything from an answer with an error
 * that names no entity. Entries are flat objects of scalars (public-fetch.ts refuses nested
 * selections), so the gateway's merge into its response never writes into them.
 */
export interface EntityCacheOptions {
  ttlMs: number;
  /** Entities kept at most (the least recently stored go first). */
  maxEntries: number;
  redisUrl?: string;
  keyPrefix: string;
  log: Logger;
  registry?: Registry;
  /** Hear purges published in this process (default true; a test standing for another process turns it off). */
  localInvalidations?: boolean;
}

/** What a subgraph fetch answers, as the gateway's data sources return it. */
type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

type Representation = { __typename?: unknown } & Record<string, unknown>;

export type EntityFetch = (representations: unknown[]) => Promise<GatewayGraphQLResponse>;

export interface EntityCache {
  /**
   * The answer to a viewer-independent `_entities` fetch of `representations`, from the cache where
   * it can and from `fetch` (called at most once, with the missing representations only) for the rest.
   */
  resolve(
    selections: PublicSelections,
    representations: unknown[],
    fetch: EntityFetch,
  ): Promise<GatewayGraphQLResponse>;
  /** Forgets every entity (an erasure; an operator after a data repair). */
  purge(): void;
  /** Resolves once the Redis purge feed is subscribed. */
  ready: Promise<void>;
  close(): Promise<void>;
}

interface Entry {
  value: Record<string, unknown>;
  expiresAt: number;
}

export function createEntityCache(options: EntityCacheOptions): EntityCache {
  const { ttlMs, maxEntries } = options;
  const entries = new Map<string, Entry>();
  const lookups = new Counter({
    name: 'gateway_entity_cache_lookups_total',
    help: 'Public entity representations looked up in the gateway entity cache, by outcome',
    labelNames: ['outcome'] as const,
    registers: options.registry ? [options.registry] : [],
  });
  const hit = lookups.labels('hit');
  const miss = lookups.labels('miss');
  // Bumped by every purge: an answer fetched before it is not stored after it.
  let generation = 0;

  function purge() {
    generation++;
    entries.clear();
  }

  const feed = subscribeCacheInvalidations(
    { redisUrl: options.redisUrl, keyPrefix: options.keyPrefix, log: options.log, local: options.localInvalidations },
    (message) => {
      // Listing and order events change nothing a public entity field holds; an erasure does.
      if (message.kind === 'purge') purge();
    },
  );

  function keyOf(selections: PublicSelections, representation: unknown): string | null {
    if (!representation || typeof representation !== 'object') return null;
    const type = (representation as Representation).__typename;
    const signature = typeof type === 'string' ? selections.get(type) : undefined;
    // The gateway writes a representation's key fields in one order, so its JSON is a stable key.
    return signature === undefined ? null : `${signature}\n${JSON.stringify(representation)}`;
  }

  function store(key: string, value: unknown, now: number) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return;
    entries.delete(key);
    if (entries.size >= maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    entries.set(key, { value: value as Record<string, unknown>, expiresAt: now + ttlMs });
  }

  async function resolve(
    selections: PublicSelections,
    representations: unknown[],
    fetch: EntityFetch,
  ): Promise<GatewayGraphQLResponse> {
    const now = Date.now();
    const keys = representations.map((r) => keyOf(selections, r));
    const answers: unknown[] = new Array(representations.length);
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const entry = key === null ? undefined : entries.get(key);
      if (entry && entry.expiresAt > now) {
        answers[i] = entry.value;
      } else {
        if (entry) entries.delete(key!);
        missing.push(i);
      }
    }
    hit.inc(representations.length - missing.length);
    if (!missing.length) return { data: { _entities: answers } };
    miss.inc(missing.length);

    const startedIn = generation;
    const all = missing.length === representations.length;
    const response = await fetch(all ? representations : missing.map((i) => representations[i]));
    const fetched = (response.data as { _entities?: unknown } | null | undefined)?._entities;
    // Not the shape asked for: the gateway reports it as for any subgraph answer (only whole fetches
    // can be handed on as they are; a partial one must be merged, so it is refused here).
    if (!Array.isArray(fetched) || fetched.length !== missing.length) {
      if (all) return response;
      return { errors: [{ message: 'The subgraph answered with the wrong number of entities' }] };
    }

    // Errors name the entity by its index in the fetch: moved to its index in the whole request.
    const failed = new Set<number>();
    let unplaced = false;
    const errors = response.errors?.map((error) => {
      const path = error.path;
      if (path?.[0] === '_entities' && typeof path[1] === 'number' && path[1] < missing.length) {
        failed.add(path[1]);
        return all ? error : { ...error, path: ['_entities', missing[path[1]], ...path.slice(2)] };
      }
      unplaced = true;
      return error;
    });
    const storing = generation === startedIn && !unplaced;
    const storedAt = Date.now();
    for (let j = 0; j < missing.length; j++) {
      const i = missing[j];
      answers[i] = fetched[j];
      const key = keys[i];
      if (storing && key !== null && !failed.has(j)) store(key, fetched[j], storedAt);
    }
    return { ...response, data: { ...response.data, _entities: answers }, ...(errors ? { errors } : {}) };
  }

  return {
    resolve,
    purge,
    ready: feed.ready,
    close: () => feed.close(),
  };
}
