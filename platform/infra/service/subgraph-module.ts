import type { GraphQLSchema } from 'graphql';
import type { IRules } from 'graphql-shield';
import type { NonEmptyArray } from 'type-graphql';
import type { AppConfig, SubgraphName } from '#platform/infra/config';
import type { Logger } from '#platform/infra/observability/logger';
import type { ServiceMetrics } from '#platform/infra/observability/metrics';
import type { Database } from '#platform/infra/db/data-source';
import type { PartnerViewer, TokenVerifier, Viewer } from '#platform/infra/auth/viewer';
import type { RevocationSync, RevocationView } from '#platform/infra/auth/revocation';
import type { ReplayCache } from '#platform/infra/auth/replay-cache';
import { buildFederatedSchema, type ReferenceResolvers } from '#platform/infra/schema/build-subgraph-schema';
import { applyPermissions } from '#platform/infra/shield/shield';
import { withRateLimits, type FieldRules } from '#platform/infra/shield/rate-limit';
import type { RouteHandler } from '#platform/infra/http/http-server';
import type { Outbox } from '#platform/infra/events/outbox';
import type { ConsumerDefinition } from '#platform/infra/events/consumer';
import type { DataSubjectHandlers } from '#platform/contracts/data-subject';

/**
 * What a subgraph is made of (its module description), what its resolvers get (deps and the
 * request context), and its schema built from them. startSubgraph (subgraph.ts) runs one.
 */

/** What a resolver may use; handed to resolver classes through their constructor. */
export interface SubgraphDeps {
  name: SubgraphName;
  config: AppConfig;
  db: Database;
  log: Logger;
  metrics: ServiceMetrics;
  /** Domain events: `outbox.add(manager, event)` in a transaction; `outbox.record(event)` for what a read observed. */
  outbox: Outbox;
  /** Revoked sessions and users as identity-consent decided them (platform/infra/auth/revocation.ts). */
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
   * as signed internal POST routes (platform/contracts/data-subject.ts); identity-consent calls them.
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

export function createContainer(deps: SubgraphDeps): ResolverContainer {
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
