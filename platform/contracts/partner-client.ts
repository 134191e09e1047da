import { createHash } from 'node:crypto';
import type { AppConfig } from '#platform/infra/config';
import { internalFetch } from '#platform/infra/http/internal-http';

export type PartnerTierName = 'FREE' | 'STANDARD' | 'PREMIUM';

export interface ResolvedPartner {
  id: string;
  name: string;
  tier: PartnerTierName;
}

export const PARTNER_RESOLVE_PATH = '/internal/partners/resolve';
/** A revocation must count within this long, wherever the key is cached. */
export const MAX_PARTNER_CACHE_MS = 5000;

export interface PartnerResolver {
  /** The live partner holding this API key, or null (unknown or revoked). Throws when identity-consent cannot answer. */
  resolve(apiKey: string, requestId?: string): Promise<ResolvedPartner | null>;
  /** Calls made to identity-consent so far (for tests and metrics). */
  readonly lookups: number;
}

export interface PartnerResolverOptions {
  /** Capped at 5 s. */
  ttlMs?: number;
  maxEntries?: number;
  timeoutMs?: number;
  now?: () => number;
}

export function partnerKeyHash(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/**
 * How the gateway learns who an `x-api-key` belongs to: a signed internal call to identity-consent
 * with the key's sha256 (the raw key never travels in a URL or a log line). Answers, including
 * "no such key", are cached for at most 5 s, so a flood of requests with one key costs one lookup
 * per 5 s and a revocation takes effect within 5 s. It fails closed: an error is thrown, never
 * a stale or guessed answer.
 */
export function createPartnerResolver(
  config: Pick<AppConfig, 'subgraphUrls' | 'INTERNAL_SECRET' | 'PARTNER_CACHE_TTL_MS'>,
  options: PartnerResolverOptions = {},
): PartnerResolver {
  const ttl = Math.min(options.ttlMs ?? config.PARTNER_CACHE_TTL_MS, MAX_PARTNER_CACHE_MS);
  const maxEntries = options.maxEntries ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 2000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; value: Promise<ResolvedPartner | null> }>();
  let lookups = 0;

  async function lookup(keyHash: string, requestId?: string): Promise<ResolvedPartner | null> {
    lookups += 1;
    const res = await internalFetch(config, {
      origin: new URL(config.subgraphUrls['identity-consent']).origin,
      method: 'GET',
      pathWithQuery: `${PARTNER_RESOLVE_PATH}?keyHash=${keyHash}`,
      timeoutMs,
      requestId,
    });
    if (!res.ok) throw new Error(`identity-consent answered ${res.status} to a partner lookup`);
    return ((await res.json()) as { partner: ResolvedPartner | null }).partner;
  }

  return {
    get lookups() {
      return lookups;
    },
    resolve(apiKey, requestId) {
      const keyHash = partnerKeyHash(apiKey);
      const at = now();
      const hit = cache.get(keyHash);
      if (hit && at - hit.at < ttl) return hit.value;
      const value = lookup(keyHash, requestId);
      cache.delete(keyHash);
      if (ttl > 0) {
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
        cache.set(keyHash, { at, value });
        // A failed lookup is not an answer: the next request asks again.
        value.catch(() => {
          if (cache.get(keyHash)?.value === value) cache.delete(keyHash);
        });
      }
      return value;
    },
  };
}
