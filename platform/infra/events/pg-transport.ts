import { EventEmitter } from 'node:events';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '#platform/infra/observability/logger';
import type { DomainEvent, EventType } from '#platform/contracts/events/catalogue';
import type { ConsumerProcessor } from '#platform/infra/events/consumer';
import { affected } from '#platform/infra/events/consumer';
import { withRunner } from '#platform/infra/events/db';
import { PollLoop } from '#platform/infra/events/loop';
import { BUS_SCHEMA, ensureBusSchema } from '#platform/infra/events/migration';
import { eventFromRow, serializeEvent } from '#platform/infra/events/serialize';
import type { EventTransport, Subscription, TransportOptions } from '#platform/infra/events/transport';

/** Publications wake the consumers of every subgraph in this process (others poll). */
const published = new EventEmitter();
published.setMaxListeners(0);

const B = BUS_SCHEMA;

/**
 * The single-machine transport: relays copy outbox rows into the platform-owned `events.bus`
 * table in their own transaction; each consumer keeps its position in `events.consumer_offsets`
 * and advances it in the same transaction as its effect.
 *
 * Publishers take a bus-wide advisory lock until they commit, so sequence numbers become visible
 * in order and a consumer reading `seq > position` never skips a row that commits late.
 */
export class PostgresTransport implements EventTransport {
  readonly kind = 'postgres' as const;

  constructor(
    private readonly dataSource: DataSource,
    private readonly log: Logger,
    private readonly options: TransportOptions,
  ) {}

  async init(): Promise<void> {
    await withRunner(this.dataSource, (r) => ensureBusSchema(r));
  }

  async publish(manager: EntityManager, events: DomainEvent[]): Promise<void> {
    if (!events.length) return;
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('events:bus'))`);
    await manager.query(
      `INSERT INTO ${B}.bus (event_id, type, version, source, aggregate_type, aggregate_id, payload, occurred_at, metadata)
       SELECT (e->>'id')::uuid, e->>'type', (e->>'version')::int, e->>'source', e->>'aggregateType', e->>'aggregateId', e->'payload', (e->>'occurredAt')::timestamptz, e->'metadata'
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, ord)
       ORDER BY ord
       ON CONFLICT (event_id) DO NOTHING`,
      [JSON.stringify(events.map(serializeEvent))],
    );
  }

  afterPublish(): void {
    published.emit('published');
  }

  subscribe(processor: ConsumerProcessor): Subscription {
    const { dataSource, options } = this;
    const name = processor.name;
    const types = JSON.stringify(processor.types);
    // Compare-and-set on the consumer's position: the replica whose update finds the position it
    // read owns the events up to `to`; another that read the same position then updates nothing.
    const claim = (from: string, to: string) => async (m: EntityManager) =>
      affected(
        await m.query(
          `UPDATE ${B}.consumer_offsets SET position = $3, updated_at = now() WHERE consumer = $1 AND position = $2 RETURNING consumer`,
          [name, from, to],
        ),
      ) > 0;
    const loop = new PollLoop(
      `consumer:${name}`,
      options.pollMs,
      async () => {
        const read: Array<Record<string, any>> = await withRunner(dataSource, (r) =>
          r.query(
            // One statement, so one snapshot: the consumer's position, the bus head, and the events
            // of its types after the position. The position is a parameter of the bus_pkey range scan
            // (LATERAL): as a plain join, PostgreSQL walked the bus from its first event and filtered
            // (65 ms at 94k events).
            `SELECT o.position::text AS position, h.head::text AS head, b.seq::text AS seq,
                    b.event_id, b.type, b.version, b.source, b.aggregate_type, b.aggregate_id, b.payload, b.occurred_at, b.metadata
             FROM ${B}.consumer_offsets o
             CROSS JOIN (SELECT max(seq) AS head FROM ${B}.bus) h
             LEFT JOIN LATERAL (
               SELECT * FROM ${B}.bus b
               WHERE b.seq > o.position AND b.type IN (SELECT jsonb_array_elements_text($2::jsonb))
               ORDER BY b.seq LIMIT $3
             ) b ON true
             WHERE o.consumer = $1`,
            [name, types, options.batchSize],
          ),
        );
        const rows = read.filter((row) => row.seq !== null);
        const offset = read[0]; // position and head (one row whether or not any event matched)
        if (rows.length) {
          const start = String(rows[0].position);
          const steps = rows.map((row, i) => claim(i === 0 ? start : String(rows[i - 1].seq), String(row.seq)));
          await processor.processBatch(
            rows.map((row) => eventFromRow(row as never)),
            claim(start, String(rows[rows.length - 1].seq)),
            steps,
          );
        } else if (offset && offset.head !== null && BigInt(offset.head) > BigInt(offset.position)) {
          // Nothing of this consumer's types up to the head: move past what was read, or every poll
          // walks the same events of other types again (a consumer of rare types re-read the whole
          // retained bus, several ms per poll and growing with it). Safe because publishers commit
          // in sequence order (the bus lock above): no event at or below the head can commit later.
          await withRunner(dataSource, (r) => claim(String(offset.position), String(offset.head))(r.manager));
        }
        await processor.maybeProcessRetries();
        return rows.length === options.batchSize;
      },
      this.log,
    );
    const wake = () => loop.nudge();
    return {
      async start() {
        // A new consumer starts at the beginning of the retained log.
        await withRunner(dataSource, (r) =>
          r.query(`INSERT INTO ${B}.consumer_offsets (consumer, position) VALUES ($1, 0) ON CONFLICT DO NOTHING`, [
            name,
          ]),
        );
        published.on('published', wake);
        loop.start();
      },
      nudge: wake,
      async stop() {
        published.off('published', wake);
        await loop.stop();
      },
    };
  }

  async *readSince(since: Date, types: EventType[]): AsyncGenerator<DomainEvent[]> {
    let after = '0';
    for (;;) {
      const rows: Array<Record<string, any>> = await withRunner(this.dataSource, (r) =>
        r.query(
          `SELECT seq, event_id, type, version, source, aggregate_type, aggregate_id, payload, occurred_at, metadata FROM ${B}.bus
           WHERE seq > $1 AND occurred_at >= $2 AND type IN (SELECT jsonb_array_elements_text($3::jsonb))
           ORDER BY seq LIMIT 500`,
          [after, since, JSON.stringify(types)],
        ),
      );
      if (!rows.length) return;
      after = String(rows[rows.length - 1].seq);
      yield rows.map((row) => eventFromRow(row as never));
    }
  }

  async lag(consumer: string, types: EventType[]): Promise<number> {
    const rows: Array<{ n: number }> = await withRunner(this.dataSource, (r) =>
      r.query(
        `SELECT count(*)::int AS n FROM ${B}.bus b
         WHERE b.seq > (SELECT position FROM ${B}.consumer_offsets WHERE consumer = $1)
           AND b.type IN (SELECT jsonb_array_elements_text($2::jsonb))`,
        [consumer, JSON.stringify(types)],
      ),
    );
    return rows[0]?.n ?? 0;
  }

  async prune(retentionDays: number): Promise<void> {
    await withRunner(this.dataSource, (r) =>
      r.query(
        `DELETE FROM ${B}.bus WHERE seq IN (SELECT seq FROM ${B}.bus WHERE published_at < now() - make_interval(days => $1) ORDER BY seq LIMIT 5000)`,
        [retentionDays],
      ),
    );
  }

  async close(): Promise<void> {
    // The data source belongs to the subgraph, which closes it.
  }
}
