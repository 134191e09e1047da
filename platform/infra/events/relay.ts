import type { DataSource } from 'typeorm';
import type { Logger } from '#platform/infra/observability/logger';
import { inTransaction, schemaName, withRunner } from '#platform/infra/events/db';
import { PollLoop } from '#platform/infra/events/loop';
import type { EventMetrics } from '#platform/infra/events/metrics';
import { eventFromRow } from '#platform/infra/events/serialize';
import { relaySpan } from '#platform/infra/observability/tracing';
import type { EventTransport } from '#platform/infra/events/transport';

export interface RelayOptions {
  source: string;
  schema: string;
  dataSource: DataSource;
  transport: EventTransport;
  log: Logger;
  metrics?: EventMetrics;
  pollMs: number;
  batchSize: number;
  retentionDays: number;
}

const HOUSEKEEPING_EVERY_MS = 60_000;

/**
 * Publishes a subgraph's outbox in id order, one batch per transaction: the batch is handed to the
 * transport and marked published in the same transaction, so a crash before the commit leaves the
 * rows unpublished and the next relay (after a restart, or another replica) sends them again.
 * A transaction-scoped advisory lock lets one replica relay at a time, which keeps each
 * aggregate's events in order.
 */
export class Relay {
  private readonly loop: PollLoop;
  private readonly schema: string;
  private lastHousekeeping = 0;

  constructor(private readonly options: RelayOptions) {
    this.schema = schemaName(options.schema);
    this.loop = new PollLoop(`relay:${options.source}`, options.pollMs, () => this.tick(), options.log);
  }

  start(): void {
    this.loop.start();
  }

  nudge(): void {
    this.loop.nudge();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One batch; true when there may be more. Public so tests and benchmarks can drive it. */
  async tick(): Promise<boolean> {
    const { dataSource, transport, batchSize } = this.options;
    const s = this.schema;
    // Most ticks find nothing: one statement says so, where the locked read below takes a
    // transaction of four (a quarter of an idle service's statements, four times a second).
    const [{ pending }] = await withRunner(dataSource, (r) =>
      r.query(`SELECT EXISTS (SELECT 1 FROM ${s}.outbox WHERE published_at IS NULL) AS pending`),
    );
    const sent = !pending
      ? []
      : await inTransaction(dataSource, async (m) => {
          const [{ locked }] = await m.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [
            `events:relay:${s}`,
          ]);
          if (!locked) return [];
          const rows: Array<Record<string, any>> = await m.query(
            `SELECT id, event_id, type, version, aggregate_type, aggregate_id, payload, occurred_at, metadata FROM ${s}.outbox
         WHERE published_at IS NULL ORDER BY id LIMIT $1`,
            [batchSize],
          );
          if (!rows.length) return [];
          const events = rows.map((r) => eventFromRow(r as never, this.options.source));
          await relaySpan(this.options.source, events, async () => {
            await transport.publish(m, events);
            await m.query(
              `UPDATE ${s}.outbox SET published_at = now() WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)`,
              [JSON.stringify(rows.map((r) => String(r.id)))],
            );
          });
          return events;
        });
    if (sent.length) {
      transport.afterPublish();
      for (const e of sent) {
        this.options.metrics?.published.inc({ type: e.type });
        if (this.options.log.isLevelEnabled('debug'))
          this.options.log.debug({ eventId: e.id, eventType: e.type }, 'event published');
      }
    }
    if (Date.now() - this.lastHousekeeping > HOUSEKEEPING_EVERY_MS) {
      this.lastHousekeeping = Date.now();
      await this.housekeep();
    }
    return sent.length === batchSize;
  }

  /** Published rows are only kept for the retention period. */
  private async housekeep(): Promise<void> {
    const s = this.schema;
    await withRunner(this.options.dataSource, (r) =>
      r.query(
        `DELETE FROM ${s}.outbox WHERE id IN (SELECT id FROM ${s}.outbox WHERE published_at < now() - make_interval(days => $1) ORDER BY id LIMIT 5000)`,
        [this.options.retentionDays],
      ),
    );
    await this.options.transport.prune(this.options.retentionDays);
  }
}
