import {
  DEV_GATEWAY_SECRET,
  DEV_INTERNAL_SECRET,
  DEV_PSEUDONYM_SECRET,
  envSchema,
  keyList,
  type Env,
} from '#platform/infra/config-env';

/**
 * One typed, validated view of the environment. Every default runs out of the box on one machine;
 * production refuses to start with the development-only secrets.
 */
export const SERVICE_NAMES = ['identity-consent', 'listings-matching', 'external-sources', 'analytics'] as const;
export type SubgraphName = (typeof SERVICE_NAMES)[number];

export { ENV_KEYS, type Env } from '#platform/infra/config-env';

export interface AppConfig extends Env {
  subgraphUrls: Record<SubgraphName, string>;
  subgraphPorts: Record<SubgraphName, number>;
  isProduction: boolean;
  /** Base URL per external source slug (the stack points them at the simulators it started). */
  sourceUrls: Record<string, string>;
  simulatorsEnabled: boolean;
  crawlIntervalSeconds: number;
  analyticsPurgeIntervalSeconds: number;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Production settings without a usable default; each process is checked for the ones it uses. */
export type ProductionRequirement = 'GATEWAY_SECRET' | 'INTERNAL_SECRET' | 'PSEUDONYM_SECRET' | 'DATABASE_URL';
const ALL_REQUIREMENTS: readonly ProductionRequirement[] = [
  'GATEWAY_SECRET',
  'INTERNAL_SECRET',
  'PSEUDONYM_SECRET',
  'DATABASE_URL',
];

/**
 * What each deployed process needs, so each Kubernetes Secret holds only its own service's keys
 * (scripts/k8s-manifests.ts): the gateway has no database and no pseudonyms, the migration job only
 * a database. Processes not named here (`npm start`, tools) are checked for everything.
 */
export const PRODUCTION_REQUIREMENTS: Record<string, readonly ProductionRequirement[]> = {
  gateway: ['GATEWAY_SECRET', 'INTERNAL_SECRET'],
  'identity-consent': ['GATEWAY_SECRET', 'INTERNAL_SECRET', 'DATABASE_URL'],
  'listings-matching': ['GATEWAY_SECRET', 'INTERNAL_SECRET', 'PSEUDONYM_SECRET', 'DATABASE_URL'],
  'external-sources': ['GATEWAY_SECRET', 'INTERNAL_SECRET', 'DATABASE_URL'],
  analytics: ['GATEWAY_SECRET', 'INTERNAL_SECRET', 'PSEUDONYM_SECRET', 'DATABASE_URL'],
  migrate: ['DATABASE_URL'],
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env, process_?: string): AppConfig {
  const required = (process_ && PRODUCTION_REQUIREMENTS[process_]) || ALL_REQUIREMENTS;
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  // Without Redis each worker would count partner limits and bot rates alone (N times looser) and
  // remember only the signatures it saw (a replay to another worker would pass).
  if (e.GATEWAY_WORKERS > 1 && !e.REDIS_URL)
    throw new ConfigError([
      `GATEWAY_WORKERS: ${e.GATEWAY_WORKERS} workers need REDIS_URL (rate limits and the replay cache are shared through it)`,
    ]);
  if (isProduction) {
    const problems: string[] = [];
    const gatewayKeys = keyList(e.GATEWAY_SECRET);
    const internalKeys = keyList(e.INTERNAL_SECRET);
    if (
      required.includes('GATEWAY_SECRET') &&
      (gatewayKeys.length === 0 || gatewayKeys.some((k) => k === DEV_GATEWAY_SECRET || k.length < 32))
    ) {
      problems.push('GATEWAY_SECRET: set a random secret of at least 32 characters in production');
    }
    if (
      required.includes('INTERNAL_SECRET') &&
      (internalKeys.length === 0 || internalKeys.some((k) => k === DEV_INTERNAL_SECRET || k.length < 32))
    ) {
      problems.push('INTERNAL_SECRET: set a random secret of at least 32 characters in production');
    }
    if (internalKeys.some((k) => gatewayKeys.includes(k))) {
      problems.push(
        'INTERNAL_SECRET: must not share a key with GATEWAY_SECRET (a gateway key must not open internal routes)',
      );
    }
    if (
      required.includes('PSEUDONYM_SECRET') &&
      (e.PSEUDONYM_SECRET === DEV_PSEUDONYM_SECRET || e.PSEUDONYM_SECRET.length < 32)
    ) {
      problems.push('PSEUDONYM_SECRET: set a random secret of at least 32 characters in production');
    }
    if (required.includes('DATABASE_URL') && !e.DATABASE_URL)
      problems.push('DATABASE_URL: the embedded database is for one machine, not production');
    if (e.SIMULATORS_ENABLED === 'true')
      problems.push('SIMULATORS_ENABLED: the source simulators are for development and tests');
    if (problems.length) throw new ConfigError(problems);
  }
  return {
    ...e,
    isProduction,
    sourceUrls: {
      'hemp-suppliers-network': e.HEMP_SUPPLIERS_NETWORK_URL,
      'sa-cannabis-exchange': e.SA_CANNABIS_EXCHANGE_URL,
      'regulatory-registry': e.REGULATORY_REGISTRY_URL,
    },
    simulatorsEnabled: e.SIMULATORS_ENABLED ? e.SIMULATORS_ENABLED === 'true' : !isProduction,
    crawlIntervalSeconds: e.CRAWL_INTERVAL_SECONDS ?? (e.NODE_ENV === 'test' ? 0 : 900),
    analyticsPurgeIntervalSeconds: e.ANALYTICS_PURGE_INTERVAL_SECONDS ?? (e.NODE_ENV === 'test' ? 0 : 3600),
    subgraphUrls: {
      'identity-consent': e.IDENTITY_CONSENT_URL,
      'listings-matching': e.LISTINGS_MATCHING_URL,
      'external-sources': e.EXTERNAL_SOURCES_URL,
      analytics: e.ANALYTICS_URL,
    },
    subgraphPorts: {
      'identity-consent': e.IDENTITY_CONSENT_PORT,
      'listings-matching': e.LISTINGS_MATCHING_PORT,
      'external-sources': e.EXTERNAL_SOURCES_PORT,
      analytics: e.ANALYTICS_PORT,
    },
  };
}

/**
 * The secrets each service needs in production beyond the common ones loadConfig checks: without
 * them a service would generate keys into DATA_DIR (replicas would disagree) or present the
 * simulators' demo credentials. Checked by the service that uses them, so each gets only its own.
 */
const PRODUCTION_SECRETS: Partial<Record<string, ReadonlyArray<keyof Env>>> = {
  'identity-consent': ['JWT_PRIVATE_KEYS'],
  'external-sources': ['VAULT_KEYS', 'SOURCE_CREDENTIALS'],
};

/** What `services` lack to run in production (nothing outside production). */
export function productionSecretProblems(config: AppConfig, services: readonly string[]): string[] {
  if (!config.isProduction) return [];
  const missing = new Set<keyof Env>();
  for (const service of services)
    for (const key of PRODUCTION_SECRETS[service] ?? []) if (!config[key]) missing.add(key);
  return [...missing].map((key) => `${key}: required in production (set it explicitly; nothing is generated)`);
}
