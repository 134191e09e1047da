import type { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaName } from '#platform/infra/events/db';

/**
 * The event tables of one subgraph, in its own schema:
 * - `outbox`: events written in the same transaction as the state change, until the relay publishes them;
 * - `processed_events`: which event ids each consumer has applied (written with the effect);
 * - `event_retries`: events whose handler failed, waiting for their next attempt;
 * - `dead_letters`: events that failed `EVENTS_MAX_ATTEMPTS` times (or can never succeed), with the error.
 *
 * Each subgraph adds one migration: `createEventTablesMigration('listings', 1732300000000)`.
 */
export function createEventTablesMigration(schema: string, timestamp: number): new () => MigrationInterface {
  const s = schemaName(schema);
  const name = `CreateEventTables${timestamp}`;
  const migration = class implements MigrationInterface {
    name = name;

    async up(q: QueryRunner): Promise<void> {
      await q.query(`
        CREATE TABLE ${s}.outbox (
          id bigserial PRIMARY KEY,
          event_id uuid NOT NULL,
          type text NOT NULL,
          version int NOT NULL,
          aggregate_type text NOT NULL,
          aggregate_id text NOT NULL,
          payload jsonb NOT NULL,
          occurred_at timestamptz(3) NOT NULL,
          published_at timestamptz(3)
        )`);
      await q.query(`CREATE UNIQUE INDEX outbox_event_id_key ON ${s}.outbox (event_id)`);
      await q.query(`CREATE INDEX outbox_unpublished_idx ON ${s}.outbox (id) WHERE published_at IS NULL`);
      await q.query(
        `CREATE INDEX outbox_published_at_idx ON ${s}.outbox (published_at) WHERE published_at IS NOT NULL`,
      );
      await q.query(`
        CREATE TABLE ${s}.processed_events (
          consumer text NOT NULL,
          event_id uuid NOT NULL,
          occurred_at timestamptz(3) NOT NULL,
          processed_at timestamptz(3) NOT NULL DEFAULT now(),
          CONSTRAINT processed_events_pkey PRIMARY KEY (consumer, event_id)
        )`);
      await q.query(
        `CREATE INDEX processed_events_consumer_occurred_idx ON ${s}.processed_events (consumer, occurred_at)`,
      );
      await q.query(`CREATE INDEX processed_events_processed_at_idx ON ${s}.processed_events (processed_at)`);
      await q.query(`
        CREATE TABLE ${s}.event_retries (
          consumer text NOT NULL,
          event_id uuid NOT NULL,
          event jsonb NOT NULL,
          attempts int NOT NULL,
          last_error text NOT NULL,
          next_attempt_at timestamptz(3) NOT NULL,
          CONSTRAINT event_retries_pkey PRIMARY KEY (consumer, event_id)
        )`);
      await q.query(`CREATE INDEX event_retries_due_idx ON ${s}.event_retries (consumer, next_attempt_at)`);
      await q.query(`
        CREATE TABLE ${s}.dead_letters (
          id bigserial PRIMARY KEY,
          consumer text NOT NULL,
          event_id uuid NOT NULL,
          type text NOT NULL,
          event jsonb NOT NULL,
          attempts int NOT NULL,
          error text NOT NULL,
          failed_at timestamptz(3) NOT NULL DEFAULT now()
        )`);
      await q.query(`CREATE UNIQUE INDEX dead_letters_consumer_event_key ON ${s}.dead_letters (consumer, event_id)`);
      await q.query(`CREATE INDEX dead_letters_failed_at_idx ON ${s}.dead_letters (failed_at)`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP TABLE ${s}.dead_letters`);
      await q.query(`DROP TABLE ${s}.event_retries`);
      await q.query(`DROP TABLE ${s}.processed_events`);
      await q.query(`DROP TABLE ${s}.outbox`);
    }
  };
  Object.defineProperty(migration, 'name', { value: name });
  return migration;
}

/**
 * Adds `outbox.metadata`: the W3C trace context of the transaction that wrote the event (null when
 * tracing is off), so the relay and the consumers continue that trace (platform/infra/observability/tracing.ts).
 */
export function createEventMetadataMigration(schema: string, timestamp: number): new () => MigrationInterface {
  const s = schemaName(schema);
  const name = `EventTraceMetadata${timestamp}`;
  const migration = class implements MigrationInterface {
    name = name;

    async up(q: QueryRunner): Promise<void> {
      await q.query(`ALTER TABLE ${s}.outbox ADD COLUMN metadata jsonb`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`ALTER TABLE ${s}.outbox DROP COLUMN metadata`);
    }
  };
  Object.defineProperty(migration, 'name', { value: name });
  return migration;
}

/**
 * The shared bus of the PostgreSQL transport, owned by the platform (schema `events`), so that no
 * subgraph reads another's outbox. Created idempotently by whichever service starts first; an
 * advisory lock makes concurrent starters take turns.
 */
export const BUS_SCHEMA = 'events';

export async function ensureBusSchema(runner: QueryRunner): Promise<void> {
  await runner.startTransaction();
  try {
    await runner.query(`SELECT pg_advisory_xact_lock(hashtext('events:bus-schema'))`);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS ${BUS_SCHEMA}`);
    await runner.query(`
      CREATE TABLE IF NOT EXISTS ${BUS_SCHEMA}.bus (
        seq bigserial PRIMARY KEY,
        event_id uuid NOT NULL,
        type text NOT NULL,
        version int NOT NULL,
        source text NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        payload jsonb NOT NULL,
        occurred_at timestamptz(3) NOT NULL,
        published_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // Added after the first release: the trace context that travels with each event.
    await runner.query(`ALTER TABLE ${BUS_SCHEMA}.bus ADD COLUMN IF NOT EXISTS metadata jsonb`);
    await runner.query(`CREATE UNIQUE INDEX IF NOT EXISTS bus_event_id_key ON ${BUS_SCHEMA}.bus (event_id)`);
    await runner.query(`CREATE INDEX IF NOT EXISTS bus_type_seq_idx ON ${BUS_SCHEMA}.bus (type, seq)`);
    await runner.query(`CREATE INDEX IF NOT EXISTS bus_occurred_at_idx ON ${BUS_SCHEMA}.bus (occurred_at)`);
    await runner.query(`
      CREATE TABLE IF NOT EXISTS ${BUS_SCHEMA}.consumer_offsets (
        consumer text PRIMARY KEY,
        position bigint NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await runner.commitTransaction();
  } catch (err) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw err;
  }
}
