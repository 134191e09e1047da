import type { EntityManager } from 'typeorm';
import type { DomainEvent, EventType } from '#platform/contracts/events/catalogue';
import type { ConsumerProcessor } from '#platform/infra/events/consumer';

export interface Subscription {
  start(): Promise<void>;
  /** Look for new events now rather than at the next poll. */
  nudge(): void;
  stop(): Promise<void>;
}

/**
 * How published events travel from relays to consumers. `publish` runs inside the relay's
 * transaction, before the outbox rows are marked sent: if it throws, nothing is marked.
 */
export interface EventTransport {
  readonly kind: 'postgres' | 'redis';
  init(): Promise<void>;
  publish(manager: EntityManager, events: DomainEvent[]): Promise<void>;
  /** Called after the relay's transaction committed (in-process consumers are woken). */
  afterPublish(): void;
  subscribe(processor: ConsumerProcessor): Subscription;
  /** The retained log from `since` (by occurrence), in publication order, in pages. */
  readSince(since: Date, types: EventType[]): AsyncGenerator<DomainEvent[]>;
  /** Events of these types published and not yet taken by the consumer. */
  lag(consumer: string, types: EventType[]): Promise<number>;
  /** Drops log entries older than the retention (the PostgreSQL bus; Redis trims by length). */
  prune(retentionDays: number): Promise<void>;
  close(): Promise<void>;
}

export interface TransportOptions {
  pollMs: number;
  batchSize: number;
}
