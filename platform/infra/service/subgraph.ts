import 'reflect-metadata';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { ApolloServerPlugin } from '@apollo/server';
import type { DestinationStream } from 'pino';
import type { GraphQLSchema } from 'graphql';
import type { AppConfig, SubgraphName } from '#platform/infra/config';
import { createLogger, lazyChild } from '#platform/infra/observability/logger';
import { createMetrics } from '#platform/infra/observability/metrics';
import { openDatabase } from '#platform/infra/db/data-source';
import { createTokenVerifier, partnerViewerFrom } from '#platform/infra/auth/viewer';
import { createRevocationView, httpRevocationSync } from '#platform/infra/auth/revocation';
import { verifyGatewayRequest } from '#platform/infra/auth/gateway-signature';
import { createReplayCache } from '#platform/infra/auth/replay-cache';
import { maskError } from '#platform/infra/errors';
import { metricsPlugin, requestLogPlugin } from '#platform/infra/observability/apollo-plugins';
import { budgetedStringify, operationLimitsPlugin } from '#platform/infra/http/operation-limits';
import { createHttpService, type HttpService } from '#platform/infra/http/http-server';
import { EventRuntime } from '#platform/infra/events/runtime';
import { dataSubjectRoutes, type DataSubjectHandlers } from '#platform/contracts/data-subject';
import {
  buildModuleSchema,
  createContainer,
  type SubgraphContext,
  type SubgraphDeps,
  type SubgraphModule,
} from '#platform/infra/service/subgraph-module';
import { header, inFlightPlugin, stopAtDeadline } from '#platform/infra/service/subgraph-request';
import { compiledExecution } from '#platform/infra/schema/compiled-execution';

export {
  buildModuleSchema,
  type ClientInfo,
  type SubgraphContext,
  type SubgraphDeps,
  type SubgraphModule,
} from '#platform/infra/service/subgraph-module';

export interface RunningSubgraph {
  name: SubgraphName;
  deps: SubgraphDeps;
  http: HttpService;
  schema: GraphQLSchema;
  url: string;
  events: EventRuntime;
  stop(): Promise<void>;
}

export interface StartOptions {
  port?: number;
  host?: string;
  logDestination?: DestinationStream;
  /**
   * Do not listen to revocations decided in this process: a test standing this service up as a
   * replica in another process, reachable only through Redis or the poll.
   */
  isolatedRevocations?: boolean;
}

export async function startSubgraph<TLoaders>(
  module: SubgraphModule<TLoaders>,
  config: AppConfig,
  options: StartOptions = {},
): Promise<RunningSubgraph> {
  const log = createLogger(module.name, config.LOG_LEVEL, options.logDestination);
  const metrics = createMetrics(module.name);
  const started = performance.now();
  const db = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    schema: module.dbSchema,
    entities: module.entities,
    migrations: module.migrations,
    poolSize: config.DB_POOL_SIZE,
    acquireTimeoutMs: config.DB_ACQUIRE_TIMEOUT_MS,
    log,
    metrics,
  });
  const events = new EventRuntime({
    source: module.name,
    schema: module.dbSchema,
    dataSource: db.dataSource,
    config,
    log,
    registry: metrics.registry,
    outbox: module.outbox ?? false,
    consumers: module.consumers,
  });
  const revocations = createRevocationView(config, {
    service: module.name,
    log: log.child({ component: 'revocations' }),
    sync: module.revocationSync ? module.revocationSync({ db, config, log }) : httpRevocationSync(config),
    registry: metrics.registry,
    local: !options.isolatedRevocations,
  });
  const replay = createReplayCache(config, (err) =>
    log.warn({ err: err.message }, 'replay cache: Redis error, using this process only'),
  );
  const deps: SubgraphDeps = {
    name: module.name,
    config,
    db,
    log,
    metrics,
    outbox: events.outbox,
    revocations,
    replay,
  };
  try {
    await revocations.start();
    const stopBackground = await module.onStart?.(deps);
    await events.start(deps);
    const verify = module.createVerifier
      ? await module.createVerifier(deps)
      : createTokenVerifier({
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          jwksUrl: config.JWKS_URL,
          revocations,
          service: module.name,
        });

    const schema = await buildModuleSchema(module as SubgraphModule<unknown>, createContainer(deps), deps);
    const apollo = new ApolloServer<SubgraphContext<TLoaders>>({
      // Compiled execution (graphql-jit) unless SUBGRAPH_EXECUTION=graphql-js: the same schema and
      // resolvers either way (platform/infra/schema/compiled-execution.ts).
      ...(config.SUBGRAPH_EXECUTION === 'compiled'
        ? {
            gateway: compiledExecution(schema, {
              onCompiled: (operationName) => log.debug({ operationName }, 'compiled an operation'),
            }),
          }
        : { schema }),
      introspection: true,
      includeStacktraceInErrorResponses: false,
      stopOnTerminationSignals: false,
      // Compact JSON (Apollo pretty-prints by default): less to write here and to parse at the gateway.
      // A subgraph may sit behind another gateway, so it keeps its own response budget and cost limit.
      stringifyResult: budgetedStringify(config.RESPONSE_MAX_BYTES, (bytes) =>
        log.warn({ bytes, maxBytes: config.RESPONSE_MAX_BYTES }, 'refused a response over the size budget'),
      ),
      csrfPrevention: true,
      // No cache hints are used: without the cache-control plugin Apollo does not wrap every resolver.
      plugins: [
        ApolloServerPluginInlineTraceDisabled(),
        ApolloServerPluginCacheControlDisabled(),
        ApolloServerPluginLandingPageDisabled(),
        operationLimitsPlugin({ maxCost: config.MAX_QUERY_COST, maxVariableDepth: config.MAX_VARIABLE_DEPTH }),
        metricsPlugin(metrics),
        requestLogPlugin(),
        inFlightPlugin(revocations) as ApolloServerPlugin<SubgraphContext<TLoaders>>,
      ],
      formatError: (formatted, original) =>
        maskError(formatted, original, {
          onMasked: (_f, err) => log.error({ err }, 'masked an unexpected error'),
        }),
    });
    await apollo.start();

    const http = createHttpService<SubgraphContext<TLoaders>>({
      name: module.name,
      log,
      metrics,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      maxVariableDepth: config.MAX_VARIABLE_DEPTH,
      deadlineMs: config.SUBGRAPH_DEADLINE_MS,
      // A deadline answer is a GraphQL error, not a transport failure: one caller's slow operation
      // must not count against the subgraph in the gateway's circuit breaker.
      deadlineStatus: 200,
      apollo,
      // Subgraphs are not exposed; with METRICS_TOKEN set they ask for it too.
      metricsAccess: config.METRICS_TOKEN ? { token: config.METRICS_TOKEN } : 'open',
      guard: async (info, body) => {
        let check = verifyGatewayRequest(
          config.GATEWAY_SECRET,
          {
            method: info.req.method ?? 'GET',
            pathWithQuery: info.req.url ?? '/',
            body,
            rawBody: info.rawBody,
            get: (h) => header(info, h),
          },
          config.GATEWAY_SIGNATURE_MAX_AGE_SECONDS,
        );
        if (check.ok && !(await replay.claim(check.replayKey, check.signedAt)))
          check = { ok: false, reason: 'replayed gateway signature' };
        if (check.ok) return null;
        info.log.warn({ reason: check.reason }, 'refused a request that did not come through the gateway');
        return { status: 401, message: 'Requests must come through the gateway', code: 'UNAUTHENTICATED' };
      },
      context: async (info) => {
        const viewer = await verify(header(info, 'authorization'));
        const partner = partnerViewerFrom(header(info, 'x-partner-id'));
        return {
          viewer,
          partner,
          loaders: info.deadline
            ? stopAtDeadline(module.createLoaders(deps, viewer), info.deadline)
            : module.createLoaders(deps, viewer),
          log: partner ? lazyChild(info.log, { partnerId: partner.partnerId }) : info.log,
          requestId: info.requestId,
          client: { ip: header(info, 'x-client-ip') ?? null, userAgent: header(info, 'x-client-user-agent') ?? null },
        };
      },
      ready: async () => {
        try {
          const ms = await db.ping();
          return {
            ok: true,
            checks: {
              database: { ok: true, latencyMs: Math.round(ms) },
              revocations: { ageMs: Math.round(revocations.age()) },
            },
          };
        } catch (err) {
          return { ok: false, checks: { database: { ok: false, error: (err as Error).message } } };
        }
      },
      routes: module.routes ? await module.routes(deps) : undefined,
      postRoutes: {
        ...(module.dataSubject ? dataSubjectRoutes(deps, purgingAfterErasure(module.dataSubject(deps), events)) : {}),
        ...(module.postRoutes ? await module.postRoutes(deps) : {}),
      },
    });
    const host = options.host ?? config.HOST;
    const url = `${await http.listen(options.port ?? config.subgraphPorts[module.name], host)}/graphql`;
    log.info(
      { url, ms: Math.round(performance.now() - started), database: db.embedded ? 'embedded' : 'postgres' },
      'subgraph ready',
    );
    let stopping: Promise<void> | null = null;
    return {
      name: module.name,
      deps,
      http,
      schema,
      url,
      events,
      stop() {
        stopping ??= (async () => {
          // Held revocation reads (identity-consent) answer now: draining must not wait out their hold.
          revocations.releaseWaiters();
          await http.close(config.SHUTDOWN_GRACE_MS);
          await events.stop();
          if (stopBackground) await stopBackground();
          await revocations.stop();
          await db.close();
          await replay.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await events.stop().catch(() => undefined);
    await revocations.stop();
    await db.close();
    await replay.close();
    throw err;
  }
}

/** The handlers, with every gateway's response cache purged once this service's part of an erasure is done. */
function purgingAfterErasure(
  handlers: DataSubjectHandlers,
  events: { purgeResponseCaches(): void },
): DataSubjectHandlers {
  return {
    ...handlers,
    erase: async (call) => {
      const result = await handlers.erase(call);
      events.purgeResponseCaches();
      return result;
    },
  };
}
