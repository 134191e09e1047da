import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface EventMetrics {
  published: Counter<'type'>;
  consumed: Counter<'consumer' | 'outcome'>;
  deliverySeconds: Histogram<'consumer'>;
}

export interface EventGaugeSources {
  /** Unpublished outbox rows and the age of the oldest, for a subgraph with an outbox. */
  outbox?: () => Promise<{ pending: number; oldestAgeSeconds: number }>;
  /** Events published but not yet consumed, per consumer. */
  consumerLag: () => Promise<Array<{ consumer: string; lag: number }>>;
  /** Rows in the dead-letter table, per consumer. */
  deadLetters: () => Promise<Array<{ consumer: string; count: number }>>;
}

/**
 * Event metrics in the service's own registry. The gauges are read from the database (or Redis)
 * when /metrics is scraped, so they are true across replicas and restarts; a failed read leaves
 * the last value rather than failing the scrape.
 */
export function createEventMetrics(registry: Registry, sources: EventGaugeSources): EventMetrics {
  const published = new Counter({
    name: 'events_published_total',
    help: 'Events the relay published, by type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const consumed = new Counter({
    name: 'events_consumed_total',
    help: 'Event deliveries by consumer and outcome (applied, duplicate, skipped, retry, dead_letter)',
    labelNames: ['consumer', 'outcome'] as const,
    registers: [registry],
  });
  const deliverySeconds = new Histogram({
    name: 'events_delivery_seconds',
    help: 'From the event being written to a consumer having applied it',
    labelNames: ['consumer'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  if (sources.outbox) {
    const read = sources.outbox;
    let last: Promise<{ pending: number; oldestAgeSeconds: number }> | null = null;
    const once = () => (last ??= read().finally(() => setImmediate(() => (last = null))));
    new Gauge({
      name: 'events_outbox_pending',
      help: 'Outbox rows not yet published',
      registers: [registry],
      async collect() {
        this.set((await once().catch(() => ({ pending: NaN }))).pending);
      },
    });
    new Gauge({
      name: 'events_outbox_lag_seconds',
      help: 'Age of the oldest unpublished outbox row (0 when none)',
      registers: [registry],
      async collect() {
        this.set((await once().catch(() => ({ oldestAgeSeconds: NaN }))).oldestAgeSeconds);
      },
    });
  }
  new Gauge({
    name: 'events_consumer_lag',
    help: 'Events published and not yet processed, per consumer',
    labelNames: ['consumer'] as const,
    registers: [registry],
    async collect() {
      for (const { consumer, lag } of await sources.consumerLag().catch(() => [])) this.set({ consumer }, lag);
    },
  });
  new Gauge({
    name: 'events_dead_letters',
    help: 'Events in the dead-letter table, per consumer',
    labelNames: ['consumer'] as const,
    registers: [registry],
    async collect() {
      for (const { consumer, count } of await sources.deadLetters().catch(() => [])) this.set({ consumer }, count);
    },
  });
  return { published, consumed, deliverySeconds };
}
