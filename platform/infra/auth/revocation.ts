import type { Registry } from 'prom-client';
import type { AppConfig } from '#platform/infra/config';
import type { Logger } from '#platform/infra/observability/logger';
import { internalFetch } from '#platform/infra/http/internal-http';
import { revocationChannel, type RevocationEntry, type RevocationSync } from '#platform/infra/auth/revocation-log';
import { RevocationView } from '#platform/infra/auth/revocation-view';

// The revocation model (docs/revocation.md): the log's entries and their publisher are in
// revocation-log.ts, each service's in-memory view in revocation-view.ts; this file reads the log
// over HTTP and builds the view from configuration.
export {
  RevocationPublisher,
  revocationChannel,
  type RevocationEntry,
  type RevocationKind,
  type RevocationSync,
  type TokenClaims,
} from '#platform/infra/auth/revocation-log';
export {
  RevocationView,
  type RevocationVerdict,
  type RevocationViewOptions,
} from '#platform/infra/auth/revocation-view';

/** identity-consent's signed route that serves its revocation log to the other services. */
export const REVOCATIONS_PATH = '/internal/revocations';

/** How services other than identity-consent read the log: a signed GET, never on a request's path. */
export function httpRevocationSync(
  config: Pick<AppConfig, 'subgraphUrls' | 'INTERNAL_SECRET'>,
  timeoutMs = 2000,
): RevocationSync {
  return {
    async fetch(sinceMs, options = {}) {
      const query = new URLSearchParams();
      if (sinceMs !== null) query.set('since', String(Math.floor(sinceMs)));
      if (options.wait) {
        query.set('token', options.wait.token);
        query.set('waitMs', String(options.wait.ms));
      }
      const search = query.size ? `?${query}` : '';
      const res = await internalFetch(config, {
        origin: new URL(config.subgraphUrls['identity-consent']).origin,
        method: 'GET',
        pathWithQuery: `${REVOCATIONS_PATH}${search}`,
        // A held read answers within its wait; the timeout is for the network beyond it.
        timeoutMs: timeoutMs + (options.wait?.ms ?? 0),
        signal: options.signal,
      });
      if (!res.ok) throw new Error(`identity-consent answered ${res.status}`);
      return (await res.json()) as { now: number; entries: RevocationEntry[]; token?: string };
    },
  };
}

/** The view every service builds from its configuration. */
export function createRevocationView(
  config: AppConfig,
  options: { service: string; log: Logger; sync: RevocationSync; registry?: Registry; local?: boolean },
): RevocationView {
  return new RevocationView({
    ...options,
    tokenTtlMs: config.ACCESS_TOKEN_TTL_SECONDS * 1000,
    pollMs: config.REVOCATION_POLL_MS ?? (config.REDIS_URL ? 2000 : 250),
    // identity-consent holds a read until its log changes: a quarter of the staleness bound leaves
    // three more reads before signed-in requests would be refused.
    longPollMs: config.REVOCATION_LONG_POLL_MS ?? Math.min(5000, Math.floor(config.REVOCATION_MAX_STALENESS_MS / 4)),
    maxStalenessMs: config.REVOCATION_MAX_STALENESS_MS,
    redisUrl: config.REDIS_URL,
    channel: revocationChannel(config.REDIS_KEY_PREFIX),
  });
}

/**
 * A view that is never started, for code that builds SubgraphDeps outside a running service (event
 * replay, benchmarks): it serves no requests, so it checks no tokens.
 */
export function detachedRevocationView(log: Logger): RevocationView {
  return new RevocationView({
    service: 'detached',
    log,
    tokenTtlMs: 0,
    pollMs: 60_000,
    maxStalenessMs: 1000,
    sync: { fetch: async () => ({ now: Date.now(), entries: [] }) },
    local: false,
  });
}
