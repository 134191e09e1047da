import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import type { DestinationStream } from 'pino';
import type { AppConfig, SubgraphName } from '../platform/config';
import { createLogger } from '../platform/logger';
import { createMetrics } from '../platform/metrics';
import { createTokenVerifier } from '../platform/auth/viewer';
import { maskError } from '../platform/errors';
import { metricsPlugin, requestLogPlugin } from '../platform/apollo-plugins';
import { createHttpService, HttpRefusal, type HttpService, type Readiness } from '../platform/http-server';
import { SUPERGRAPH_PATH } from '../platform/paths';
import { createSubgraphMetrics, SignedDataSource } from './signed-data-source';
import type { GatewayContext } from './context.type';
import { createArmor } from './edge/armor';
import { createCorsHandler } from './edge/cors';
import { adminOnlySchemaPlugin } from './edge/introspection';
import { createApqStore } from './edge/apq';
import { explorerRoutes } from './explorer/explorer';
import { adminRoutes } from './admin/admin';
import { createSecurityAuditClient } from '../platform/security-audit-client';
import { OperationStats, operationStatsPlugin, operationStatsRoutes } from './edge/operation-stats';
import { createThreatDetector, threatRefusal, type ThreatSignal } from './edge/threats';
import { loadPartnerOperations, PARTNER_MANIFEST_PATH, type PartnerOperations } from './partners/manifest';
import { createPartnerGate } from './partners/partner-gate';
import { createTierLimiter } from './partners/tier-limiter';
import { createPartnerUsage } from './partners/usage-metrics';
import { createPartnerResolver, type ResolvedPartner } from '../platform/partner-client';

export interface GatewayOptions {
  port?: number;
  host?: string;
  supergraphSdl?: string;
  logDestination?: DestinationStream;
  /** The partner operations; the committed manifest by default. */
  partnerOperations?: PartnerOperations;
}

/** What the edge learnt about a request before GraphQL, for the context. */
interface EdgeState {
  partner: ResolvedPartner | null;
  threatSignals: ThreatSignal[];
}

export interface RunningGateway {
  url: string;
  http: HttpService;
  stop(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function readinessChecker(config: AppConfig) {
  let cached: { at: number; value: Promise<Readiness> } | null = null;
  async function check(): Promise<Readiness> {
    const entries = await Promise.all(
      (Object.entries(config.subgraphUrls) as [SubgraphName, string][]).map(async ([name, url]) => {
        try {
          const res = await fetch(url.replace(/\/graphql$/, '/ready'), { signal: AbortSignal.timeout(2000) });
          return [name, { ok: res.ok }] as const;
        } catch {
          return [name, { ok: false }] as const;
        }
      }),
    );
    return { ok: entries.every(([, v]) => v.ok), checks: { subgraphs: Object.fromEntries(entries) } };
  }
  return () => {
    if (!cached || Date.now() - cached.at > 1000) cached = { at: Date.now(), value: check() };
    return cached.value;
  };
}

export async function startGateway(config: AppConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const log = createLogger('gateway', config.LOG_LEVEL, options.logDestination);
  const metrics = createMetrics('gateway');
  const supergraphSdl = options.supergraphSdl ?? readFileSync(SUPERGRAPH_PATH, 'utf8');
  const subgraphMetrics = createSubgraphMetrics(metrics);
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
      }),
    logger: log,
  });
  const armor = createArmor(config);
  const apq = createApqStore(config.REDIS_URL);
  const verify = createTokenVerifier({ issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, jwksUrl: config.JWKS_URL });
  const operationStats = new OperationStats();
  const partnerLimits = { FREE: config.PARTNER_LIMIT_FREE, STANDARD: config.PARTNER_LIMIT_STANDARD, PREMIUM: config.PARTNER_LIMIT_PREMIUM };
  const partnerOperations = options.partnerOperations ?? loadPartnerOperations(PARTNER_MANIFEST_PATH);
  const limiter = createTierLimiter(config.REDIS_URL, config.REDIS_KEY_PREFIX, { windowMs: config.PARTNER_LIMIT_WINDOW_SECONDS * 1000, perTier: partnerLimits }, (err) =>
    log.warn({ err: err.message }, 'partner rate limiter: Redis error'),
  );
  const partners = createPartnerGate({
    resolver: createPartnerResolver(config),
    operations: partnerOperations,
    limiter,
    usage: createPartnerUsage(metrics, partnerOperations.names),
  });
  const threats = createThreatDetector({ config: { ...config, partnerLimits }, metrics, log, audit: createSecurityAuditClient(config, log) });
  const edgeStates = new WeakMap<IncomingMessage, EdgeState>();

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // Introspection stays on: adminOnlySchemaPlugin refuses it to non-admins in production.
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // runMain owns SIGTERM: it drains HTTP first, then stops Apollo, relays and schedulers in order.
    stopOnTerminationSignals: false,
    // Compact JSON: Apollo pretty-prints by default, which costs CPU and bytes on every response.
    stringifyResult: (result) => JSON.stringify(result),
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    persistedQueries: { cache: apq.cache, ttl: config.APQ_TTL_SECONDS },
    validationRules: armor.validationRules,
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      ...armor.plugins,
      threats.plugin(),
      partners.usagePlugin(),
      adminOnlySchemaPlugin(config.isProduction),
      metricsPlugin(metrics),
      operationStatsPlugin(operationStats),
      requestLogPlugin(),
      config.isProduction ? ApolloServerPluginLandingPageProductionDefault({ footer: false }) : ApolloServerPluginLandingPageLocalDefault({ footer: false }),
    ],
    formatError: (formatted, original) =>
      maskError(formatted, original, {
        onMasked: (f, err) => log.error({ err, message: f.message, extensions: f.extensions }, 'masked an error at the gateway'),
      }),
  });
  await apollo.start();

  const http = createHttpService<GatewayContext>({
    name: 'gateway',
    log,
    metrics,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    apollo,
    responseHeaders: config.isProduction ? { ...SECURITY_HEADERS, 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : SECURITY_HEADERS,
    preHandle: createCorsHandler(config.CORS_ORIGINS),
    routes: { ...explorerRoutes(), ...adminRoutes(), ...operationStatsRoutes(operationStats, { config, log }) },
    prepareBody: async (body, info) => {
      const partner = await partners.identify(info);
      const clientIp = info.req.socket.remoteAddress ?? null;
      const state: EdgeState = { partner, threatSignals: [] };
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
    context: async ({ req, requestId, log: requestLog }) => {
      const edge = edgeStates.get(req);
      const userAgent = req.headers['user-agent'];
      const common = {
        requestId,
        clientIp: req.socket.remoteAddress ?? null,
        userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
        threatSignals: edge?.threatSignals,
      };
      // A partner request carries no user token (the edge refuses both at once).
      if (edge?.partner) return { ...common, log: requestLog.child({ partnerId: edge.partner.id }), viewer: null, partner: edge.partner };
      const authorization = typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined;
      const viewer = await verify(authorization);
      return { ...common, log: requestLog, viewer, authorization: viewer ? authorization : undefined };
    },
    ready: readinessChecker(config),
  });
  const base = await http.listen(options.port ?? config.GATEWAY_PORT, options.host ?? config.HOST);
  const url = `${base}/graphql`;
  log.info({ url }, 'gateway ready');
  return {
    url,
    http,
    async stop() {
      await http.close(config.SHUTDOWN_GRACE_MS);
      await apq.close();
      await limiter.close();
    },
  };
}
