import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import type { DestinationStream } from 'pino';
import type { AppConfig, SubgraphName } from '#platform/infra/config';
import { createLogger } from '#platform/infra/observability/logger';
import { createMetrics } from '#platform/infra/observability/metrics';
import { createTokenVerifier } from '#platform/infra/auth/viewer';
import { createRevocationView, httpRevocationSync, type RevocationView } from '#platform/infra/auth/revocation';
import { staleTokenPlugin } from './edge/stale-token';
import { maskError } from '#platform/infra/errors';
import { metricsPlugin, requestLogPlugin } from '#platform/infra/observability/apollo-plugins';
import { budgetedStringify, operationLimitsPlugin } from '#platform/infra/http/operation-limits';
import { createHttpService, type HttpService } from '#platform/infra/http/http-server';
import { SUPERGRAPH_PATH } from '#platform/infra/paths';
import { createSubgraphMetrics, SignedDataSource } from './signed-data-source';
import type { GatewayContext } from './context.type';
import { createArmor } from './edge/armor';
import { createCorsHandler } from './edge/cors';
import { adminOnlySchemaPlugin } from './edge/introspection';
import { createApqStore } from './edge/apq';
import { createResponseCache } from './edge/response-cache';
import { admissionPlugin, createAdmission } from './edge/admission';
import { createPriorityGate, priorityPlugin } from './edge/priority';
import { createHttpFetcher } from './subgraph-http';
import { createEntityCache } from './entity-cache';
import { tracingEnabled } from '#platform/infra/observability/tracing';
import { explorerRoutes } from './explorer/explorer';
import { landingPagePlugin } from './explorer/landing';
import { adminRoutes } from './admin/admin';
import { createSecurityAuditClient } from '#platform/contracts/security-audit-client';
import { OperationStats, operationStatsPlugin, operationStatsRoutes } from './edge/operation-stats';
import { createThreatDetector } from './edge/threats';
import { createClientRate } from './edge/client-rate';
import { createRequestEdge } from './edge/request-edge';
import { readinessChecker } from './readiness';
import { loadPartnerOperations, PARTNER_MANIFEST_PATH, type PartnerOperations } from './partners/manifest';
import { createPartnerGate } from './partners/partner-gate';
import { createTierLimiter } from './partners/tier-limiter';
import { createPartnerUsage } from './partners/usage-metrics';
import { createPartnerResolver } from '#platform/contracts/partner-client';
import { createReplayCache } from '#platform/infra/auth/replay-cache';
import { createClientAddress } from '#platform/infra/http/client-address';
import { shareFiguresAcrossWorkers } from './cluster-worker';

export interface GatewayOptions {
  port?: number;
  host?: string;
  supergraphSdl?: string;
  logDestination?: DestinationStream;
  /** The partner operations; the committed manifest by default. */
  partnerOperations?: PartnerOperations;
  /** A test standing this gateway up as a replica in another process: revocations reach it only through Redis or its poll. */
  isolatedRevocations?: boolean;
}

export interface RunningGateway {
  url: string;
  http: HttpService;
  revocations: RevocationView;
  stop(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export async function startGateway(config: AppConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const log = createLogger('gateway', config.LOG_LEVEL, options.logDestination);
  const metrics = createMetrics('gateway');
  const supergraphSdl = options.supergraphSdl ?? readFileSync(SUPERGRAPH_PATH, 'utf8');
  const subgraphMetrics = createSubgraphMetrics(metrics);
  const useAgent = config.SUBGRAPH_HTTP_AGENT
    ? config.SUBGRAPH_HTTP_AGENT === 'true'
    : !tracingEnabled() && config.NODE_ENV !== 'test';
  const subgraphHttp = useAgent ? createHttpFetcher() : null;
  const entityCache =
    config.ENTITY_CACHE_TTL_MS > 0
      ? createEntityCache({
          ttlMs: config.ENTITY_CACHE_TTL_MS,
          maxEntries: config.ENTITY_CACHE_MAX_ENTRIES,
          redisUrl: config.REDIS_URL,
          keyPrefix: config.REDIS_KEY_PREFIX,
          log,
          registry: metrics.registry,
          // A replica in a test stands for another process: purges reach it only through Redis.
          localInvalidations: !options.isolatedRevocations,
        })
      : null;
  await entityCache?.ready;
  const gateway = new ApolloGateway({
    supergraphSdl,
    // Deployment decides where subgraphs live; the URLs in the committed supergraph are defaults.
    buildService: ({ name, url }) =>
      new SignedDataSource({
        name,
        url: config.subgraphUrls[name as SubgraphName] ?? url ?? '',
        timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
        breakerResetMs: config.SUBGRAPH_BREAKER_RESET_MS,
        secret: config.GATEWAY_SECRET,
        metrics: subgraphMetrics,
        log,
        dedupe: config.SUBGRAPH_DEDUPE === 'true',
        fetch: subgraphHttp ?? undefined,
        entityCache: entityCache ?? undefined,
      }),
    logger: log,
  });
  const armor = createArmor(config);
  const apq = createApqStore(config.REDIS_URL);
  const revocations = createRevocationView(config, {
    service: 'gateway',
    log: log.child({ component: 'revocations' }),
    sync: httpRevocationSync(config),
    registry: metrics.registry,
    local: !options.isolatedRevocations,
  });
  await revocations.start();
  const verify = createTokenVerifier({
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    jwksUrl: config.JWKS_URL,
    revocations,
    service: 'gateway',
  });
  const responseCache = createResponseCache({
    ttlMs: config.RESPONSE_CACHE_TTL_MS ?? (config.NODE_ENV === 'test' ? 0 : 1000),
    redisUrl: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    log,
    // A replica in a test stands for another process: invalidations reach it only through Redis.
    localInvalidations: !options.isolatedRevocations,
  });
  await responseCache.ready;
  const operationStats = new OperationStats();
  const shared = shareFiguresAcrossWorkers(metrics, operationStats);
  const partnerLimits = {
    FREE: config.PARTNER_LIMIT_FREE,
    STANDARD: config.PARTNER_LIMIT_STANDARD,
    PREMIUM: config.PARTNER_LIMIT_PREMIUM,
  };
  const partnerOperations = options.partnerOperations ?? loadPartnerOperations(PARTNER_MANIFEST_PATH);
  const limiter = createTierLimiter(
    config.REDIS_URL,
    config.REDIS_KEY_PREFIX,
    { windowMs: config.PARTNER_LIMIT_WINDOW_SECONDS * 1000, perTier: partnerLimits },
    (err) => log.warn({ err: err.message }, 'partner rate limiter: Redis error'),
  );
  const partners = createPartnerGate({
    resolver: createPartnerResolver(config),
    operations: partnerOperations,
    limiter,
    usage: createPartnerUsage(metrics, partnerOperations.names),
  });
  const threats = createThreatDetector({
    config: { ...config, partnerLimits },
    metrics,
    log,
    audit: createSecurityAuditClient(config, log),
    // Shared through Redis: with several workers or replicas, one count per client, not one per process.
    rate: createClientRate(config.REDIS_URL, config.REDIS_KEY_PREFIX, {
      windowMs: config.THREAT_BOT_WINDOW_SECONDS * 1000,
      onError: (err) => log.warn({ err: err.message }, 'bot-rate count: Redis error, counting in this process'),
    }),
    scanBudget: { maxValues: config.THREAT_SCAN_MAX_VALUES, maxChars: config.THREAT_SCAN_MAX_CHARS, maxDepth: 32 },
  });
  const replay = createReplayCache(config, (err) =>
    log.warn({ err: err.message }, 'replay cache: Redis error, using this process only'),
  );
  const clientAddress = createClientAddress(config.TRUSTED_PROXIES);
  const requestEdge = createRequestEdge({ partners, threats, clientAddress, verify });

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // Introspection stays on: adminOnlySchemaPlugin refuses it to non-admins in production.
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // runMain owns SIGTERM: it drains HTTP first, then stops Apollo, relays and schedulers in order.
    stopOnTerminationSignals: false,
    // Compact JSON: Apollo pretty-prints by default, which costs CPU and bytes on every response.
    stringifyResult: budgetedStringify(config.RESPONSE_MAX_BYTES, (bytes) =>
      log.warn({ bytes, maxBytes: config.RESPONSE_MAX_BYTES }, 'refused a response over the size budget'),
    ),
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    persistedQueries: { cache: apq.cache, ttl: config.APQ_TTL_SECONDS },
    validationRules: armor.validationRules,
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      responseCache.plugin(),
      // After the cache (a cached answer needs no slot), before execution.
      ...(config.GATEWAY_MAX_CONCURRENCY > 0
        ? [
            admissionPlugin(
              createAdmission({
                maxConcurrent: config.GATEWAY_MAX_CONCURRENCY,
                maxQueued: config.GATEWAY_MAX_QUEUED,
                maxWaitMs: config.GATEWAY_MAX_QUEUE_WAIT_MS,
                metrics,
              }),
            ),
          ]
        : []),
      ...(config.GATEWAY_PRIORITY_OTHERS > 0
        ? [
            priorityPlugin(
              createPriorityGate({
                otherLimit: config.GATEWAY_PRIORITY_OTHERS,
                priorityOperations: config.GATEWAY_PRIORITY_OPERATIONS,
                holdMs: config.GATEWAY_PRIORITY_HOLD_MS,
                maxQueued: config.GATEWAY_MAX_QUEUED,
                maxWaitMs: config.GATEWAY_MAX_QUEUE_WAIT_MS,
                metrics,
              }),
              config.GATEWAY_PRIORITY_OPERATIONS,
            ),
          ]
        : []),
      ...armor.plugins,
      // Priced with the request's variables, before the query is planned or any subgraph is called.
      operationLimitsPlugin({ maxCost: config.MAX_QUERY_COST, maxVariableDepth: config.MAX_VARIABLE_DEPTH }),
      threats.plugin(),
      staleTokenPlugin(),
      partners.usagePlugin(),
      adminOnlySchemaPlugin(config.isProduction),
      metricsPlugin(metrics),
      operationStatsPlugin(operationStats),
      requestLogPlugin(),
      // `/graphql` in a browser: Sandbox when Apollo's CDN loads, else the way to /explorer (also in production).
      landingPagePlugin({ isProduction: config.isProduction }),
    ],
    formatError: (formatted, original) =>
      maskError(formatted, original, {
        onMasked: (f, err) =>
          log.error({ err, message: f.message, extensions: f.extensions }, 'masked an error at the gateway'),
      }),
  });
  await apollo.start();

  const http = createHttpService<GatewayContext>({
    name: 'gateway',
    edge: true,
    log,
    metrics,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    maxVariableDepth: config.MAX_VARIABLE_DEPTH,
    deadlineMs: config.OPERATION_DEADLINE_MS,
    apollo,
    // The gateway is the exposed service, and its figures name partners and operations.
    metricsAccess: config.METRICS_TOKEN ? { token: config.METRICS_TOKEN } : config.isProduction ? 'closed' : 'open',
    responseHeaders: config.isProduction
      ? { ...SECURITY_HEADERS, 'strict-transport-security': 'max-age=31536000; includeSubDomains' }
      : SECURITY_HEADERS,
    preHandle: createCorsHandler(config.CORS_ORIGINS),
    routes: {
      ...explorerRoutes({ isProduction: config.isProduction }),
      ...adminRoutes(),
      ...operationStatsRoutes(operationStats, { config, log, replay }, shared?.operationStats),
    },
    prepareBody: requestEdge.prepareBody,
    context: requestEdge.context,
    ready: readinessChecker(config, metrics),
  });
  const base = await http.listen(options.port ?? config.GATEWAY_PORT, options.host ?? config.HOST);
  const url = `${base}/graphql`;
  log.info({ url }, 'gateway ready');
  return {
    url,
    http,
    revocations,
    async stop() {
      await http.close(config.SHUTDOWN_GRACE_MS);
      await revocations.stop();
      await apq.close();
      await responseCache.close();
      await entityCache?.close();
      subgraphHttp?.close();
      await limiter.close();
      await threats.close();
      await replay.close();
    },
  };
}
