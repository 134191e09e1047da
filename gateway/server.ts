import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import type { DestinationStream } from 'pino';
import type { AppConfig, SubgraphName } from '../platform/config';
import { createLogger } from '../platform/logger';
import { Gauge } from 'prom-client';
import { createMetrics, type ServiceMetrics } from '../platform/metrics';
import { createTokenVerifier, refusalReasonOf } from '../platform/auth/viewer';
import { createRevocationView, httpRevocationSync, type RevocationView } from '../platform/auth/revocation';
import { isPublicOperation, staleTokenPlugin, staleTokenWarning } from './edge/stale-token';
import { maskError } from '../platform/errors';
import { metricsPlugin, requestLogPlugin } from '../platform/apollo-plugins';
import { budgetedStringify, operationLimitsPlugin } from '../platform/operation-limits';
import { createHttpService, HttpRefusal, type HttpService, type Readiness } from '../platform/http-server';
import { SUPERGRAPH_PATH } from '../platform/paths';
import { createSubgraphMetrics, SignedDataSource } from './signed-data-source';
import type { GatewayContext } from './context.type';
import { createArmor } from './edge/armor';
import { createCorsHandler } from './edge/cors';
import { adminOnlySchemaPlugin } from './edge/introspection';
import { createApqStore } from './edge/apq';
import { createResponseCache } from './edge/response-cache';
import { createHttpFetcher } from './subgraph-http';
import { tracingEnabled } from '../platform/tracing';
import { explorerRoutes } from './explorer/explorer';
import { landingPagePlugin } from './explorer/landing';
import { adminRoutes } from './admin/admin';
import { createSecurityAuditClient } from '../platform/security-audit-client';
import { OperationStats, operationStatsPlugin, operationStatsRoutes } from './edge/operation-stats';
import { createThreatDetector, threatRefusal, type ThreatSignal } from './edge/threats';
import { loadPartnerOperations, PARTNER_MANIFEST_PATH, type PartnerOperations } from './partners/manifest';
import { createPartnerGate } from './partners/partner-gate';
import { createTierLimiter } from './partners/tier-limiter';
import { createPartnerUsage } from './partners/usage-metrics';
import { createPartnerResolver, type ResolvedPartner } from '../platform/partner-client';
import { createReplayCache } from '../platform/auth/replay-cache';
import { createClientAddress } from '../platform/client-address';

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

/** What the edge learnt about a request before GraphQL, for the context. */
interface EdgeState {
  partner: ResolvedPartner | null;
  threatSignals: ThreatSignal[];
  /** The parsed body, kept to decide what a stale token gets (only looked at when a token is refused). */
  body: unknown;
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

/**
 * Readiness of a gateway means "this gateway can serve": it has its supergraph and is not draining
 * (the HTTP layer answers 503 while draining). A subgraph that is down degrades the answers — the
 * breakers answer its part with a coded error naming it — but must not take the gateway out of the
 * load balancer: one subgraph outage would otherwise remove every gateway replica at once. Each
 * subgraph's state is in `/ready`'s body (`degraded`, `subgraphs`) and in `gateway_subgraph_up`.
 */
function readinessChecker(config: AppConfig, metrics: ServiceMetrics) {
  const up = new Gauge({
    name: 'gateway_subgraph_up',
    help: "1 when the subgraph's /ready answered the gateway's last readiness check, 0 when it did not",
    labelNames: ['subgraph'] as const,
    registers: [metrics.registry],
    // A scrape runs (or reuses) the check, so the gauge is current even when nothing probes /ready.
    async collect() {
      await readiness();
    },
  });
  let cached: { at: number; value: Promise<Readiness> } | null = null;
  async function check(): Promise<Readiness> {
    const entries = await Promise.all(
      (Object.entries(config.subgraphUrls) as [SubgraphName, string][]).map(async ([name, url]) => {
        let ok: boolean;
        try {
          const res = await fetch(url.replace(/\/graphql$/, '/ready'), { signal: AbortSignal.timeout(2000) });
          ok = res.ok;
        } catch {
          ok = false;
        }
        up.set({ subgraph: name }, ok ? 1 : 0);
        return [name, { ok }] as const;
      }),
    );
    const down = entries.filter(([, v]) => !v.ok).map(([name]) => name);
    return {
      ok: true,
      checks: { degraded: down.length > 0, subgraphsDown: down, subgraphs: Object.fromEntries(entries) },
    };
  }
  function readiness(): Promise<Readiness> {
    if (!cached || Date.now() - cached.at > 1000) cached = { at: Date.now(), value: check() };
    return cached.value;
  }
  return readiness;
}

export async function startGateway(config: AppConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const log = createLogger('gateway', config.LOG_LEVEL, options.logDestination);
  const metrics = createMetrics('gateway');
  const supergraphSdl = options.supergraphSdl ?? readFileSync(SUPERGRAPH_PATH, 'utf8');
  const subgraphMetrics = createSubgraphMetrics(metrics);
  const useAgent = config.SUBGRAPH_HTTP_AGENT
    ? config.SUBGRAPH_HTTP_AGENT === 'true'
    : !tracingEnabled() && config.NODE_ENV !== 'test';
  const subgraphHttp = useAgent ? createHttpFetcher() : null;
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
    scanBudget: { maxValues: config.THREAT_SCAN_MAX_VALUES, maxChars: config.THREAT_SCAN_MAX_CHARS, maxDepth: 32 },
  });
  const edgeStates = new WeakMap<IncomingMessage, EdgeState>();
  const replay = createReplayCache(config, (err) =>
    log.warn({ err: err.message }, 'replay cache: Redis error, using this process only'),
  );
  const clientAddress = createClientAddress(config.TRUSTED_PROXIES);

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
      ...operationStatsRoutes(operationStats, { config, log, replay }),
    },
    prepareBody: async (body, info) => {
      const partner = await partners.identify(info);
      const clientIp = clientAddress(info.req);
      const state: EdgeState = { partner, threatSignals: [], body };
      edgeStates.set(info.req, state);
      const botRate = threats.observeRate(partner ? `partner:${partner.id}` : `ip:${clientIp}`, partner?.tier ?? null);
      if (botRate) {
        state.threatSignals.push(botRate);
        if (threats.reportEdge({ requestId: info.requestId, clientIp, partnerId: partner?.id }, botRate)) {
          const refusal = threatRefusal();
          throw new HttpRefusal(403, refusal.message, 'FORBIDDEN', { reason: 'THREAT_DETECTED' });
        }
      }
      if (!partner) return body;
      return (await partners.admit(body, partner, (info.req.method ?? 'GET').toUpperCase(), info)).body;
    },
    context: async ({ req, requestId, log: requestLog, deadline }) => {
      const edge = edgeStates.get(req);
      const userAgent = req.headers['user-agent'];
      const common = {
        requestId,
        clientIp: clientAddress(req),
        userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
        threatSignals: edge?.threatSignals,
        deadline,
      };
      // A partner request carries no user token (the edge refuses both at once).
      if (edge?.partner)
        return {
          ...common,
          log: requestLog.child({ partnerId: edge.partner.id }),
          viewer: null,
          partner: edge.partner,
        };
      const authorization = typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined;
      try {
        const viewer = await verify(authorization);
        return { ...common, log: requestLog, viewer, authorization: viewer ? authorization : undefined };
      } catch (err) {
        // A stale token on a public query: answered as anonymous, with a warning (docs/revocation.md).
        const reason = refusalReasonOf(err);
        const search = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
        if (reason && isPublicOperation(edge?.body, search))
          return { ...common, log: requestLog, viewer: null, tokenWarning: staleTokenWarning(reason) };
        throw err;
      }
    },
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
      subgraphHttp?.close();
      await limiter.close();
      await replay.close();
    },
  };
}
