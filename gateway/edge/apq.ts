import { KeyvAdapter } from '@apollo/utils.keyvadapter';
import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import Keyv from 'keyv';
import KeyvRedis from '@keyv/redis';

export interface ApqStore {
  cache: KeyValueCache<string>;
  close(): Promise<void>;
}

/**
 * The store behind automatic persisted queries: Redis when REDIS_URL is set (shared by gateway
 * replicas), otherwise a bounded in-memory LRU. Apollo writes to it without waiting, so a
 * registration becomes visible to other replicas a moment after its response.
 */
// The namespace must not be a prefix of the keys Apollo uses ("apq:<hash>"): keyv 5 strips its
// namespace from keys it reads back in bulk and then misses every entry (seen with "apq").
export function createApqStore(redisUrl: string | undefined, namespace = 'gateway-persisted'): ApqStore {
  if (!redisUrl)
    return { cache: new InMemoryLRUCache<string>({ maxSize: 30 * 1024 * 1024 }), close: async () => undefined };
  const keyv = new Keyv<string>({ store: new KeyvRedis(redisUrl), namespace });
  return { cache: new KeyvAdapter(keyv), close: () => keyv.disconnect() };
}
