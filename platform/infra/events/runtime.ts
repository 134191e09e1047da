import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Registry } from 'prom-client';
import type { AppConfig } from '#platform/infra/config';
import type { Logger } from '#platform/infra/observability/logger';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { ConsumerProcessor, type ConsumerDefinition } from '#platform/infra/events/consumer';
import { inTransaction, schemaName, withRunner } from '#platform/infra/events/db';
import { PollLoop } from '#platform/infra/events/loop';
import { createEventMetrics, type EventMetrics } from '#platform/infra/events/metrics';
import { Outbox } from '#platform/infra/events/outbox';
import { PostgresTransport } from '#platform/infra/events/pg-transport';
import { RedisTransport } from '#platform/infra/events/redis-transport';
import { Relay } from '#platform/infra/events/relay';
import { relaySpan } from '#platform/infra/observability/tracing';
import type { EventTransport, Subscription } from '#platform/infra/events/transport';
import { CacheInvalidationPublisher, invalidationFor } from '#platform/infra/events/cache-invalidation';

export interface EventRuntimeOptions {
  /** The subgraph (or test service) name. */
  source: string;
  /** Its own schema, holding the tables of createEventTablesMigration. */
  schema: string;
  dataSource: DataSource;
  config: AppConfig;
  log: Logger;
  /** The service's metrics registry; without it no metrics are registered. */
  registry?: Registry;
  /** True when the subgraph writes events (and has the outbox table). */
  outbox: boolean;
  consumers?: ConsumerDefinition[];
  /** Run the relay (default: when `outbox`). Tests turn it off to stand for a crashed relay. */
  relay?: boolean;
}

/** The transport the configuration asks for: Redis Streams when REDIS_URL is set, else the PostgreSQL bus. */
export function createTransport(
  config: AppConfig,
  dataSource: DataSource,
  log: Logger,
  source: string,
): EventTransport {
  const options = { pollMs: config.EVENTS_POLL_MS, batchSize: config.EVENTS_BATCH_SIZE };
  if (config.REDIS_URL) {
    return new RedisTransport(
      {
        ...options,
        url: config.REDIS_URL,
        prefix: config.EVENTS_REDIS_PREFIX,
        claimIdleMs: config.EVENTS_CLAIM_IDLE_MS,
        partitions: config.EVENTS_REDIS_PARTITIONS,
        maxLength: config.EVENTS_STREAM_MAX_LENGTH,
        source,
      },
      log,
    );
  }
  return new PostgresTransport(dataSource, log, options);
}

const PRUNE_EVERY_MS = 60_000;

/**
 * A subgraph's event machinery: its outbox (for resolvers, through SubgraphDeps), its relay and
 * its consumers. `start` once the database is migrated; `stop` before the database closes.
 */
export class EventRuntime {
  readonly outbox: Outbox;
  readonly transport: EventTransport;
  readonly log: Logger;
  relay: Relay | null = null;
  processors: ConsumerProcessor[] = [];
  private subscriptions: Subscription[] = [];
  private pruner: PollLoop | null = null;
  private metrics?: EventMetrics;
  private started = false;
  private invalidations: CacheInvalidationPublisher | null = null;
  private stopInvalidations: (() => void) | null = null;

  constructor(private readonly options: EventRuntimeOptions) {
    schemaName(options.schema);
    this.log = options.log.child({ component: 'events' });
    this.outbox = new Outbox({
      source: options.source,
      schema: options.schema,
      dataSource: options.dataSource,
      enabled: options.outbox,
      onRecordFailure: (err, count) => this.log.error({ err, count }, 'could not write recorded read events'),
    });
    this.transport = createTransport(options.config, options.dataSource, this.log, options.source);
  }

  get active(): boolean {
    return this.options.outbox || (this.options.consumers?.length ?? 0) > 0;
  }

  async start(deps: SubgraphDeps): Promise<void> {
    if (this.started || !this.active) return;
    this.started = true;
    const { config, dataSource, schema, source } = this.options;
    await this.transport.init();
    const consumers = this.options.consumers ?? [];
    const names = new Set<string>();
    for (const c of consumers) {
      if (names.has(c.name)) throw new Error(`consumer ${c.name} is declared twice`);
      names.add(c.name);
    }
    if (this.options.registry) this.metrics = this.registerMetrics(this.options.registry, consumers);
    const retry = {
      maxAttempts: config.EVENTS_MAX_ATTEMPTS,
      baseMs: config.EVENTS_RETRY_BASE_MS,
      maxMs: config.EVENTS_RETRY_MAX_MS,
    };
    this.processors = consumers.map(
      (c) =>
        new ConsumerProcessor(c, {
          dataSource,
          schema,
          deps,
          log: this.log,
          metrics: this.metrics,
          retry,
          retryCheckMs: config.EVENTS_POLL_MS,
        }),
    );
    this.subscriptions = this.processors.map((p) => this.transport.subscribe(p));
    for (const s of this.subscriptions) await s.start();
    if (this.processors.length) {
      const s = schemaName(schema);
      this.pruner = new PollLoop(
        'events:prune',
        PRUNE_EVERY_MS,
        async () => {
          await withRunner(dataSource, (r) =>
            r.query(
              `DELETE FROM ${s}.processed_events WHERE (consumer, event_id) IN (SELECT consumer, event_id FROM ${s}.processed_events WHERE processed_at < now() - make_interval(days => $1) LIMIT 5000)`,
              [config.EVENTS_RETENTION_DAYS],
            ),
          );
          return false;
        },
        this.log,
      );
      this.pruner.start();
    }
    if (this.options.outbox) {
      // Committed listing, order and erasure events tell the gateways' response caches (platform/infra/events/cache-invalidation.ts).
      const publisher = new CacheInvalidationPublisher({
        redisUrl: config.REDIS_URL,
        keyPrefix: config.REDIS_KEY_PREFIX,
        log: this.log,
      });
      this.invalidations = publisher;
      this.stopInvalidations = this.outbox.onCommitted((types) => {
        const message = invalidationFor(types);
        if (message) publisher.publish(message);
      });
    }
    if (this.options.outbox) {
      // Read events skip the outbox table (Outbox.record): straight to the transport, in batches.
      this.outbox.publishReadEventsWith(async (events) => {
        // the same producer span as the relay's, linked to each event's trace
        await relaySpan(source, events, async () => {
          if (this.transport.kind === 'postgres')
            await inTransaction(dataSource, async (m) => {
              await m.query('SET LOCAL synchronous_commit = off');
              await this.transport.publish(m, events);
            });
          // Redis Streams take no part in a PostgreSQL transaction
          else await this.transport.publish(dataSource.manager, events);
        });
        this.transport.afterPublish();
        for (const e of events) this.metrics?.published.inc({ type: e.type });
      });
    }
    if (this.options.outbox && this.options.relay !== false) {
      const relay = new Relay({
        source,
        schema,
        dataSource,
        transport: this.transport,
        log: this.log,
        metrics: this.metrics,
        pollMs: config.EVENTS_POLL_MS,
        batchSize: config.EVENTS_BATCH_SIZE,
        retentionDays: config.EVENTS_RETENTION_DAYS,
      });
      this.outbox.onCommitted(() => relay.nudge());
      relay.start();
      this.relay = relay;
    }
    this.log.info(
      { transport: this.transport.kind, relay: Boolean(this.relay), consumers: consumers.map((c) => c.name) },
      'events started',
    );
  }

  /** Tells every gateway to purge its response cache and its entity cache (after this service's part of an erasure). */
  purgeResponseCaches(): void {
    this.invalidations?.publish({ id: randomUUID(), kind: 'purge', types: ['user.erasure'], at: Date.now() });
  }

  /** Stops the relay first (nothing new is published), then the consumers, then the transport. */
  async stop(): Promise<void> {
    await this.outbox.flush();
    // anything recorded from now on waits in the outbox table for the next start
    this.outbox.publishReadEventsWith(null);
    if (!this.started) return;
    this.started = false;
    await this.relay?.stop();
    await Promise.all(this.subscriptions.map((s) => s.stop()));
    await this.pruner?.stop();
    this.stopInvalidations?.();
    await this.invalidations?.close();
    await this.transport.close();
  }

  private registerMetrics(registry: Registry, consumers: ConsumerDefinition[]): EventMetrics {
    const { dataSource, schema } = this.options;
    const s = schemaName(schema);
    return createEventMetrics(registry, {
      outbox: this.options.outbox
        ? async () => {
            const [row] = await withRunner(dataSource, (r) =>
              r.query(
                `SELECT count(*)::int AS pending, COALESCE(EXTRACT(EPOCH FROM now() - min(occurred_at)), 0)::float8 AS age FROM ${s}.outbox WHERE published_at IS NULL`,
              ),
            );
            return { pending: Number(row.pending), oldestAgeSeconds: Math.max(0, Number(row.age)) };
          }
        : undefined,
      consumerLag: async () =>
        Promise.all(
          this.processors.map(async (p) => ({ consumer: p.name, lag: await this.transport.lag(p.name, p.types) })),
        ),
      deadLetters: async () => {
        if (!consumers.length) return [];
        const rows: Array<{ consumer: string; n: number }> = await withRunner(dataSource, (r) =>
          r.query(`SELECT consumer, count(*)::int AS n FROM ${s}.dead_letters GROUP BY consumer`),
        );
        const counts = new Map(rows.map((r) => [r.consumer, Number(r.n)]));
        return consumers.map((c) => ({ consumer: c.name, count: counts.get(c.name) ?? 0 }));
      },
    });
  }
}
