import type { AppConfig } from '#platform/infra/config';
import type { Logger } from '#platform/infra/observability/logger';
import { SourceHealth } from '#platform/infra/schema/shared-types';
import { DEMO_CREDENTIALS } from '../../simulators/demo-credentials';
import type { Connector } from './connector';
import { HempSuppliersNetworkConnector } from './hemp-suppliers-network.connector';
import { ResilientHttpClient, type HttpPolicy } from './http-client';
import { RegulatoryRegistryConnector } from './regulatory-registry.connector';
import { SaCannabisExchangeConnector } from './sa-cannabis-exchange.connector';

/** A source's connector with its own HTTP client, limits and circuit breaker. */
export interface SourceRuntime {
  slug: string;
  connector: Connector;
  http: ResilientHttpClient;
}

export function httpPolicy(config: AppConfig): HttpPolicy {
  return {
    timeoutMs: config.CONNECTOR_TIMEOUT_MS,
    maxRetries: config.CONNECTOR_MAX_RETRIES,
    backoffBaseMs: config.CONNECTOR_BACKOFF_BASE_MS,
    backoffMaxMs: config.CONNECTOR_BACKOFF_MAX_MS,
    retryAfterMaxMs: config.CONNECTOR_RETRY_AFTER_MAX_MS,
    concurrency: config.CONNECTOR_CONCURRENCY,
  };
}

const CONNECTORS: Record<string, new (http: ResilientHttpClient, baseUrl: () => string) => Connector> = {
  'hemp-suppliers-network': HempSuppliersNetworkConnector,
  'sa-cannabis-exchange': SaCannabisExchangeConnector,
  'regulatory-registry': RegulatoryRegistryConnector,
};

/**
 * One runtime per known source. Base URLs are read from config at each call (the stack points them
 * at simulators it started on free ports); a seeded base_url is the fallback.
 */
export function createSourceRuntimes(
  config: AppConfig,
  log: Logger,
  seededBaseUrls: Record<string, string>,
): Map<string, SourceRuntime> {
  const runtimes = new Map<string, SourceRuntime>();
  for (const [slug, ConnectorClass] of Object.entries(CONNECTORS)) {
    const http = new ResilientHttpClient(
      slug,
      httpPolicy(config),
      {
        errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENT,
        volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
        resetTimeout: config.BREAKER_RESET_MS,
      },
      log,
    );
    const baseUrl = () => {
      const url = config.sourceUrls[slug] ?? seededBaseUrls[slug];
      if (!url) throw new Error(`no base URL for ${slug}`);
      return url;
    };
    runtimes.set(slug, { slug, connector: new ConnectorClass(http, baseUrl), http });
  }
  return runtimes;
}

function parseSourceCredentials(json: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('SOURCE_CREDENTIALS must be JSON: {"source-slug": "credential"}');
  }
  if (
    !parsed ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    Object.values(parsed).some((v) => typeof v !== 'string')
  ) {
    throw new Error('SOURCE_CREDENTIALS must be a JSON object of source slug → credential string');
  }
  return parsed as Record<string, string>;
}

/**
 * Checked when external-sources starts (only this service holds source secrets): SOURCE_CREDENTIALS
 * must parse, and production must not fall back to the simulators' demo credentials.
 */
export function checkSourceCredentials(config: Pick<AppConfig, 'SOURCE_CREDENTIALS' | 'isProduction'>): void {
  if (config.SOURCE_CREDENTIALS) parseSourceCredentials(config.SOURCE_CREDENTIALS);
  else if (config.isProduction)
    throw new Error("SOURCE_CREDENTIALS is required in production; the simulators' demo credentials open nothing real");
}

/** The credential the crawler presents to a source: SOURCE_CREDENTIALS, else the documented demo one. */
export function serviceCredential(config: Pick<AppConfig, 'SOURCE_CREDENTIALS'>, slug: string): string | undefined {
  if (config.SOURCE_CREDENTIALS) return parseSourceCredentials(config.SOURCE_CREDENTIALS)[slug];
  return DEMO_CREDENTIALS[slug];
}

/** What the breaker says now, then what the last crawl of the source said. */
export function sourceHealth(
  runtime: SourceRuntime | undefined,
  last: { status: string; fetched: number; rejected: number } | null,
): SourceHealth {
  const breaker = runtime?.http.breaker;
  // Half-open is a trial call away from closing: still DOWN if the last crawl failed.
  if (breaker?.opened || (breaker?.halfOpen && last?.status === 'FAILED')) return SourceHealth.DOWN;
  if (breaker?.halfOpen) return SourceHealth.DEGRADED;
  if (!last || last.status === 'RUNNING') return SourceHealth.UNKNOWN;
  if (last.status === 'FAILED') return SourceHealth.DOWN;
  if (last.fetched > 0 && last.rejected / last.fetched > 0.05) return SourceHealth.DEGRADED;
  return SourceHealth.HEALTHY;
}
