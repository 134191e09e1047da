import { randomUUID } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { loadConfig } from '#platform/infra/config';
import { createLogger } from '#platform/infra/observability/logger';
import { createMetrics, type ServiceMetrics } from '#platform/infra/observability/metrics';
import { openDatabase, type Database } from '#platform/infra/db/data-source';
import {
  createEventMetadataMigration,
  createEventTablesMigration,
  defineConsumer,
  EventRuntime,
  type ConsumerDefinition,
  type NewEvent,
} from '#platform/infra/events/index';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { detachedRevocationView } from '#platform/infra/auth/revocation';
import { createMemoryReplayCache } from '#platform/infra/auth/replay-cache';

/** A table where test consumers write their effect, one row per application (not unique on purpose). */
function effectsMigration(schema: string): new () => MigrationInterface {
  return class CreateEffects1732400000001 implements MigrationInterface {
    name = 'CreateEffects1732400000001';
    async up(q: QueryRunner) {
      await q.query(`CREATE TABLE ${schema}.effects (
        id bigserial PRIMARY KEY, consumer text NOT NULL, event_id uuid NOT NULL, aggregate_id text NOT NULL, step text NOT NULL)`);
      await q.query(`CREATE INDEX effects_event_idx ON ${schema}.effects (event_id)`);
    }
    async down(q: QueryRunner) {
      await q.query(`DROP TABLE ${schema}.effects`);
    }
  };
}

export interface EventService {
  name: string;
  schema: string;
  db: Database;
  runtime: EventRuntime;
  metrics: ServiceMetrics;
  deps: SubgraphDeps;
  stop(): Promise<void>;
}

export interface EventServiceOptions {
  name: string;
  schema: string;
  /** PostgreSQL URL; without it the embedded database in `dataDir`. */
  url?: string;
  dataDir?: string;
  outbox?: boolean;
  relay?: boolean;
  consumers?: ConsumerDefinition[];
  env?: Record<string, string>;
}

/** A service with only the event machinery: what startSubgraph sets up, without GraphQL or HTTP. */
export async function startEventService(options: EventServiceOptions): Promise<EventService> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: options.url,
    DATA_DIR: options.dataDir ?? 'memory://',
    EVENTS_POLL_MS: '20',
    EVENTS_RETRY_BASE_MS: '10',
    EVENTS_RETRY_MAX_MS: '50',
    ...options.env,
  });
  const log = createLogger(options.name, process.env.TEST_LOG_LEVEL ?? 'silent');
  const metrics = createMetrics(options.name);
  const db = await openDatabase({
    url: options.url,
    dataDir: config.DATA_DIR,
    schema: options.schema,
    entities: [],
    migrations: [
      createEventTablesMigration(options.schema, 1732400000000),
      createEventMetadataMigration(options.schema, 1732610000000),
      effectsMigration(options.schema),
    ],
    poolSize: 4,
    log,
    metrics,
  });
  const runtime = new EventRuntime({
    source: options.name,
    schema: options.schema,
    dataSource: db.dataSource,
    config,
    log,
    registry: metrics.registry,
    outbox: options.outbox ?? false,
    consumers: options.consumers,
    relay: options.relay,
  });
  const deps: SubgraphDeps = {
    name: 'analytics',
    config,
    db,
    log,
    metrics,
    outbox: runtime.outbox,
    revocations: detachedRevocationView(log),
    replay: createMemoryReplayCache({ maxAgeSeconds: config.GATEWAY_SIGNATURE_MAX_AGE_SECONDS, maxEntries: 1000 }),
  };
  await runtime.start(deps);
  return {
    name: options.name,
    schema: options.schema,
    db,
    runtime,
    metrics,
    deps,
    async stop() {
      await runtime.stop();
      await db.close();
    },
  };
}

/** A consumer of listing.updated that records (aggregate, step) per application; `fails` decides poison. */
export function recordingConsumer(
  name: string,
  schema: string,
  fails: (step: string) => boolean = () => false,
  maxAttempts?: number,
): ConsumerDefinition {
  return defineConsumer({
    name,
    maxAttempts,
    handlers: {
      'listing.updated': async (event, ctx) => {
        const step = event.payload.changedFields[0];
        if (fails(step)) throw new Error(`refusing step ${step}`);
        await ctx.manager.query(
          `INSERT INTO ${schema}.effects (consumer, event_id, aggregate_id, step) VALUES ($1, $2, $3, $4)`,
          [name, event.id, event.aggregateId, step],
        );
      },
    },
  });
}

/** A listing.updated event for `listingId` whose first changed field names the step. */
export function stepEvent(listingId: string, step: string | number): NewEvent<'listing.updated'> {
  return {
    type: 'listing.updated',
    payload: {
      listingId,
      sellerId: '11111111-1111-4111-8111-111111111111',
      productType: 'HEMP_FIBRE',
      province: 'GAUTENG',
      pricePerKg: '42.50',
      quantityKg: '100',
      availableKg: '100',
      status: 'ACTIVE',
      socialImpact: {
        smallScaleFarmer: false,
        womenOwned: false,
        youthOwned: false,
        communityOwned: false,
        beeLevel: null,
        score: 0,
      },
      certificationCount: 0,
      certifications: [],
      changedFields: [String(step)],
    },
  };
}

export const newId = () => randomUUID();

export async function effects(
  service: EventService,
  consumer: string,
): Promise<Array<{ event_id: string; aggregate_id: string; step: string }>> {
  return service.db.dataSource.query(
    `SELECT event_id, aggregate_id, step FROM ${service.schema}.effects WHERE consumer = $1 ORDER BY id`,
    [consumer],
  );
}

/** The value of a counter/gauge sample in a service's registry (0 when absent). */
export async function metricValue(
  service: EventService,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = await service.metrics.registry.getSingleMetric(name)?.get();
  const sample = metric?.values.find((v) =>
    Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val),
  );
  return sample?.value ?? 0;
}
