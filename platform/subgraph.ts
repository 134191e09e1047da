import 'reflect-metadata';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { IRules } from 'graphql-shield';
import type { NonEmptyArray } from 'type-graphql';
import type { AppConfig, SubgraphName } from './config';
import { createLogger, type Logger } from './logger';
import { createMetrics, type ServiceMetrics } from './metrics';
import { openDatabase, type Database } from './db/data-source';
import {
  createTokenVerifier,
  partnerViewerFrom,
  type PartnerViewer,
  type TokenVerifier,
  type Viewer,
} from './auth/viewer';
import { createRevocationView, httpRevocationSync, type RevocationSync, type RevocationView } from './auth/revocation';
import type { ApolloServerPlugin } from '@apollo/server';
import { verifyGatewayRequest } from './auth/gateway-signature';
import { createReplayCache, type ReplayCache } from './auth/replay-cache';
import { buildFederatedSchema, type ReferenceResolvers } from './schema/build-subgraph-schema';
import { applyPermissions } from './shield';
import { withRateLimits, type FieldRules } from './rate-limit';
import { maskError } from './errors';
import { metricsPlugin, requestLogPlugin } from './apollo-plugins';
import { budgetedStringify, operationLimitsPlugin } from './operation-limits';
import { createHttpService, type HttpService, type RequestInfo, type RouteHandler } from './http-server';
import type { DestinationStream } from 'pino';
import { EventRuntime } from './events/runtime';
import type { Outbox } from './events/outbox';
import type { ConsumerDefinition } from './events/consumer';
import { dataSubjectRoutes, type DataSubjectHandlers } from './data-subject';

/** What a resolver may use; handed to resolver classes through their constructor. */
export interface SubgraphDeps {
  name: SubgraphName;
  config: AppConfig;
  db: Database;
  log: Logger;
  metrics: ServiceMetrics;
  /** Domain events: `outbox.add(manager, event)` in a transaction; `outbox.record(event)` for what a read observed. */
  outbox: Outbox;
  /** Revoked sessions and users as identity-consent decided them (platform/auth/revocation.ts). */
  revocations: RevocationView;
  /** Signatures (gateway and internal) this service has accepted: each is accepted once. */
  replay: ReplayCache;
}

/** What the client sent, as the gateway saw it (these headers are signed by the gateway). */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface SubgraphContext<TLoaders> {
  viewer: Viewer | null;
  loaders: TLoaders;
  log: Logger;
  requestId: string;
  client: ClientInfo;
  /** Set for a partner's request (then `viewer` is null: partners see public fields only). */
  partner?: PartnerViewer | null;
}

export interface SubgraphModule<TLoaders> {
  name: SubgraphName;
  /** This subgraph's PostgreSQL schema; it never reads another's. */
  dbSchema: string;
  entities: Function[];
  migrations: Function[];
  resolvers: NonEmptyArray<Function>;
  orphanedTypes?: Function[];
  referenceResolvers?: ReferenceResolvers;
  permissions: IRules;
  /**
   * Rate limits by type and field, built from configuration. Each runs only after the field's
   * permission rule has passed, so refused callers are not counted against anyone.
   */
  rateLimits?(deps: SubgraphDeps): FieldRules;
  /** Called once per request: DataLoaders live exactly as long as one request. */
  createLoaders(deps: SubgraphDeps, viewer: Viewer | null): TLoaders;
  /** Where the revocation view reads the log; identity-consent's own signed route by default. */
  revocationSync?(deps: Pick<SubgraphDeps, 'db' | 'config' | 'log'>): RevocationSync;
  /** Local token verification, for the subgraph that holds the keys (identity-consent). */
  createVerifier?(deps: SubgraphDeps): Promise<TokenVerifier>;
  routes?(deps: SubgraphDeps): Promise<Record<string, RouteHandler>> | Record<string, RouteHandler>;
  /** Internal POST routes (signed service-to-service calls that change state). */
  postRoutes?(deps: SubgraphDeps): Promise<Record<string, RouteHandler>> | Record<string, RouteHandler>;
  /**
   * Runs once the database is migrated, before the server listens. It may return a stop function
   * (for background work: relays, schedulers), called on shutdown before the database closes.
   */
  onStart?(deps: SubgraphDeps): Promise<void | (() => Promise<void>)>;
  /** True when the subgraph writes domain events; its migrations then include createEventTablesMigration. */
  outbox?: boolean;
  /** Event consumers (they also need createEventTablesMigration in the subgraph's migrations). */
  consumers?: ConsumerDefinition[];
  /**
   * This subgraph's part of data-subject requests: export and erase what it holds on a user. Served
   * as signed internal POST routes (platform/data-subject.ts); identity-consent calls them.
   */
  dataSubject?(deps: SubgraphDeps): DataSubjectHandlers;
}

/** The subgraph's schema alone, without a database: for printing SDL and composing. */
export async function buildModuleSchema(
  module: SubgraphModule<unknown>,
  container?: ResolverContainer,
  deps?: SubgraphDeps,
): Promise<GraphQLSchema> {
  const schema = await buildFederatedSchema({
    resolvers: module.resolvers,
    orphanedTypes: module.orphanedTypes,
    referenceResolvers: module.referenceResolvers,
    container: container ?? unavailableContainer,
  });
  const limits = deps && module.rateLimits ? module.rateLimits(deps) : undefined;
  return applyPermissions(schema, limits ? withRateLimits(module.permissions, limits) : module.permissions);
}

interface ResolverContainer {
  get(someClass: any): any;
}

const unavailableContainer: ResolverContainer = {
  get() {
    throw new Error('this schema was built for printing only');
  },
};

function createContainer(deps: SubgraphDeps): ResolverContainer {
  const instances = new Map<unknown, unknown>();
  return {
    get(someClass: new (deps: SubgraphDeps) => unknown) {
      let instance = instances.get(someClass);
      if (!instance) {
        instance = new someClass(deps);
        instances.set(someClass, instance);
      }
      return instance;
    },
  };
}

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

/** Counts each signed-in user's running requests, so an erasure can wait for the ones admitted before it. */
function inFlightPlugin(view: RevocationView): ApolloServerPlugin<{ viewer: Viewer | null }> {
  return {
    async requestDidStart({ contextValue }) {
      if (!contextValue.viewer) return;
      const leave = view.enter(contextValue.viewer.userId);
      return {
        async willSendResponse() {
          leave();
        },
      };
    },
  };
}

/**
 * Past the operation's deadline, the request's loaders refuse new keys, so the rest of the
 * execution fails fast instead of querying the database for an answer nobody will read.
 */
function stopAtDeadline<T>(loaders: T, deadline: AbortSignal): T {
  for (const loader of Object.values(loaders as object)) {
    if (!loader || typeof loader.load !== 'function') continue;
    const load = loader.load.bind(loader);
    loader.load = (key: unknown) => (deadline.aborted ? Promise.reject(deadlineError()) : load(key));
    if (typeof loader.loadMany === 'function') {
      const loadMany = loader.loadMany.bind(loader);
      loader.loadMany = (keys: unknown[]) => (deadline.aborted ? Promise.reject(deadlineError()) : loadMany(keys));
    }
  }
  return loaders;
}

function deadlineError() {
  return new GraphQLError('The operation passed its deadline', {
    extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'DEADLINE_EXCEEDED' },
  });
}

function header(info: RequestInfo, name: string): string | undefined {
  const value = info.req.headers[name];
  return Array.isArray(value) ? value[0] : value;
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
      schema,
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
          { method: info.req.method ?? 'GET', pathWithQuery: info.req.url ?? '/', body, get: (h) => header(info, h) },
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
          log: partner ? info.log.child({ partnerId: partner.partnerId }) : info.log,
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
        ...(module.dataSubject ? dataSubjectRoutes(deps, events.purgingAfterErasure(module.dataSubject(deps))) : {}),
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
