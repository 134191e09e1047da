import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import type { DestinationStream } from 'pino';
import type { AppConfig, SubgraphName } from '../platform/config';
import { createLogger } from '../platform/logger';
import { createMetrics } from '../platform/metrics';
import { createTokenVerifier } from '../platform/auth/viewer';
import { maskError } from '../platform/errors';
import { metricsPlugin, requestLogPlugin } from '../platform/apollo-plugins';
import { createHttpService, type HttpService, type Readiness } from '../platform/http-server';
import { SUPERGRAPH_PATH } from '../platform/paths';
import { createSubgraphMetrics, SignedDataSource } from './signed-data-source';
import type { GatewayContext } from './context.type';
import { createArmor } from './edge/armor';
import { createCorsHandler } from './edge/cors';
import { adminOnlySchemaPlugin } from './edge/introspection';
import { createApqStore } from './edge/apq';
import { explorerRoutes } from './explorer/explorer';
import { OperationStats, operationStatsPlugin, operationStatsRoutes } from './edge/operation-stats';

export interface GatewayOptions {
  port?: number;
  host?: string;
  supergraphSdl?: string;
  logDestination?: DestinationStream;
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

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // Introspection stays on: adminOnlySchemaPlugin refuses it to non-admins in production.
    introspection: true,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    persistedQueries: { cache: apq.cache, ttl: config.APQ_TTL_SECONDS },
    validationRules: armor.validationRules,
    plugins: [
      ...armor.plugins,
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
    routes: { ...explorerRoutes(), ...operationStatsRoutes(operationStats, config.GATEWAY_SECRET, config.GATEWAY_SIGNATURE_MAX_AGE_SECONDS) },
    context: async ({ req, requestId, log: requestLog }) => {
      const authorization = typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined;
      const viewer = await verify(authorization);
      const userAgent = req.headers['user-agent'];
      return {
        requestId,
        log: requestLog,
        viewer,
        authorization: viewer ? authorization : undefined,
        clientIp: req.socket.remoteAddress ?? null,
        userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
      };
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
    },
  };
}
