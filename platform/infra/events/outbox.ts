import { randomUUID } from 'node:crypto';
import type {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
} from 'typeorm';
import {
  EVENT_CATALOGUE,
  type DomainEvent,
  type EventPayload,
  type EventType,
} from '#platform/contracts/events/catalogue';
import { inTransaction, schemaName } from '#platform/infra/events/db';
import { currentTraceMetadata, detached } from '#platform/infra/observability/tracing';

/** Read events wait at most this long, or for this many, before one statement writes them all. */
const RECORD_FLUSH_MS = 100;
const RECORD_BATCH = 200;

/** Where recorded read events go once the service's event transport runs (EventRuntime.start). */
export type ReadEventPublisher = (events: DomainEvent[]) => Promise<void>;

export interface NewEvent<T extends EventType> {
  type: T;
  payload: EventPayload<T>;
  /** Defaults to a fresh UUID; pass one to make a retried producer idempotent. */
  id?: string;
  occurredAt?: Date;
}

export interface OutboxOptions {
  /** The producing subgraph, recorded on every event. */
  source: string;
  /** The subgraph's schema; its `outbox` table comes from createEventTablesMigration. */
  schema: string;
  dataSource: DataSource;
  /** False for a subgraph that declared no outbox: `add` then fails loudly instead of at the database. */
  enabled: boolean;
  /** Told when a batch of recorded read events could not be written (it is logged, not retried). */
  onRecordFailure?: (err: unknown, count: number) => void;
}

/**
 * The producer API. `add(manager, event)` writes the event in the caller's transaction: the event
 * exists exactly when the state change commits. `emit(event)` is for code with no transaction (a
 * query recording that something was read): one INSERT, its own transaction.
 */
export class Outbox {
  private readonly schema: string;
  /** The event types each open transaction wrote, reported when it commits. */
  private readonly pending = new WeakMap<QueryRunner, Set<EventType>>();
  private readonly listeners = new Set<(types: ReadonlySet<EventType>) => void>();
  private readonly buffer: DomainEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private publishReadEvents: ReadEventPublisher | null = null;

  constructor(private readonly options: OutboxOptions) {
    this.schema = schemaName(options.schema);
    if (options.enabled) {
      // Wake the relay as soon as a transaction that wrote events commits, instead of at its next poll.
      const subscriber: EntitySubscriberInterface = {
        afterTransactionCommit: (event: TransactionCommitEvent) => {
          const types = event.queryRunner && this.pending.get(event.queryRunner);
          if (types) {
            this.pending.delete(event.queryRunner);
            this.notify(types);
          }
        },
      };
      options.dataSource.subscribers.push(subscriber);
    }
  }

  async add<T extends EventType>(manager: EntityManager, event: NewEvent<T>): Promise<DomainEvent<T>> {
    const full = this.prepare(event);
    await manager.query(INSERT(this.schema), this.params(full));
    this.written(manager, event.type);
    return full;
  }

  /**
   * `add` inside the caller's own statement, to save it a round trip: `run` gets the outbox INSERT
   * (for a data-modifying WITH clause) with its parameters numbered from `firstParam`, and runs it
   * in the caller's transaction; the commit then wakes the relay as after `add`.
   */
  async addWithin<T extends EventType, R>(
    manager: EntityManager,
    event: NewEvent<T>,
    firstParam: number,
    run: (insert: string, params: unknown[]) => Promise<R>,
  ): Promise<{ event: DomainEvent<T>; result: R }> {
    const full = this.prepare(event);
    const insert = INSERT(this.schema).replace(/\$(\d+)/g, (_, n) => `$${Number(n) + firstParam - 1}`);
    const result = await run(insert, this.params(full));
    this.written(manager, event.type);
    return { event: full, result };
  }

  private written(manager: EntityManager, type: EventType) {
    const runner = manager.queryRunner;
    if (runner?.isTransactionActive) {
      const types = this.pending.get(runner) ?? new Set<EventType>();
      types.add(type);
      this.pending.set(runner, types);
    } else this.notify(new Set([type]));
  }

  async emit<T extends EventType>(event: NewEvent<T>): Promise<DomainEvent<T>> {
    const full = this.prepare(event);
    await this.options.dataSource.query(INSERT(this.schema), this.params(full));
    this.notify(new Set([event.type]));
    return full;
  }

  /**
   * For what a read observed (a listing viewed, a search run): validated now, published a moment
   * later (RECORD_FLUSH_MS) together with others in one statement committed without waiting for
   * the disk flush. A read then costs no statement of its own; a crash can lose the last moment of
   * such events, which only feed analytics. State changes use `add`, never this.
   *
   * Once the transport runs (`publishReadEventsWith`), read events go to it directly: they belong
   * to no transaction, so the outbox has nothing to make atomic, and its row, its relay read, its
   * `published_at` update and its deletion were most of what a catalogue read cost PostgreSQL.
   * Published so, a read event is not ordered with the state events of its aggregate (a view can
   * reach a consumer before the relay delivers the listing's latest change); no consumer of read
   * events relies on that order.
   */
  record<T extends EventType>(event: NewEvent<T>): void {
    this.buffer.push(this.prepare(event));
    if (this.buffer.length >= RECORD_BATCH) detached(() => void this.flush())();
    else
      this.flushTimer ??= setTimeout(
        detached(() => void this.flush()),
        RECORD_FLUSH_MS,
      );
  }

  /** Hands recorded read events to the transport from now on (null: back to the outbox table). */
  publishReadEventsWith(publisher: ReadEventPublisher | null): void {
    this.publishReadEvents = publisher;
  }

  /** Writes buffered read events now (also called when the service stops). */
  async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.buffer.splice(0, this.buffer.length);
    if (batch.length === 0) return;
    if (this.publishReadEvents) {
      try {
        await this.publishReadEvents(batch);
      } catch (err) {
        this.options.onRecordFailure?.(err, batch.length);
      }
      return;
    }
    const columns = 8;
    const values = batch.map(
      (_, i) =>
        `(${Array.from({ length: columns }, (__, c) => `$${i * columns + c + 1}${c === 5 || c === 7 ? '::jsonb' : ''}`).join(', ')})`,
    );
    try {
      await inTransaction(this.options.dataSource, async (m) => {
        await m.query('SET LOCAL synchronous_commit = off');
        await m.query(
          `INSERT INTO ${this.schema}.outbox (event_id, type, version, aggregate_type, aggregate_id, payload, occurred_at, metadata) VALUES ${values.join(', ')}`,
          batch.flatMap((e) => this.params(e)),
        );
      });
      this.notify(new Set(batch.map((e) => e.type)));
    } catch (err) {
      this.options.onRecordFailure?.(err, batch.length);
    }
  }

  /**
   * Called after events were committed, with their types: the relay publishes without waiting for a
   * poll, the response caches learn that public data changed.
   */
  onCommitted(listener: (types: ReadonlySet<EventType>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(types: ReadonlySet<EventType>) {
    for (const l of this.listeners) l(types);
  }

  private prepare<T extends EventType>(event: NewEvent<T>): DomainEvent<T> {
    if (!this.options.enabled) {
      throw new Error(
        `${this.options.source} has no outbox: set outbox: true on its SubgraphModule and add createEventTablesMigration`,
      );
    }
    const entry = EVENT_CATALOGUE[event.type];
    if (!entry) throw new Error(`unknown event type ${String(event.type)}`);
    const parsed = entry.payload.safeParse(event.payload);
    if (!parsed.success) {
      throw new Error(
        `invalid ${event.type} payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const payload = parsed.data as EventPayload<T>;
    return {
      id: event.id ?? randomUUID(),
      type: event.type,
      version: entry.version,
      source: this.options.source,
      aggregateType: entry.aggregateType,
      aggregateId: (entry.aggregateId as (p: unknown) => string)(payload),
      occurredAt: event.occurredAt ?? new Date(),
      payload,
      // The active trace (a request, or a consumer handling an earlier event); undefined when tracing is off.
      metadata: currentTraceMetadata(),
    };
  }

  private params(e: DomainEvent) {
    return [
      e.id,
      e.type,
      e.version,
      e.aggregateType,
      e.aggregateId,
      JSON.stringify(e.payload),
      e.occurredAt,
      e.metadata ? JSON.stringify(e.metadata) : null,
    ];
  }
}

const INSERT = (schema: string) =>
  `INSERT INTO ${schema}.outbox (event_id, type, version, aggregate_type, aggregate_id, payload, occurred_at, metadata) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb)`;
