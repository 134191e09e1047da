import type { EntityManager } from 'typeorm';
import type { DataSource } from 'typeorm';
import { lazyChild, type Logger } from '#platform/infra/observability/logger';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import {
  PermanentEventError,
  validateEvent,
  type DomainEvent,
  type EventType,
} from '#platform/contracts/events/catalogue';
import { inTransaction, schemaName, withRunner } from '#platform/infra/events/db';
import type { EventMetrics } from '#platform/infra/events/metrics';
import { serializeEvent, deserializeEvent } from '#platform/infra/events/serialize';
import { consumerSpan } from '#platform/infra/observability/tracing';
import { DeferredWrites } from '#platform/infra/events/deferred';

export interface ConsumerContext {
  /** The transaction that also records the event as processed: write the effect through it. */
  manager: EntityManager;
  deps: SubgraphDeps;
  /** A child logger carrying the event id, type and consumer. */
  log: Logger;
  /** Hands a row to a batch writer: written with the batch's others, in this transaction (deferred.ts). */
  defer: DeferredWrites['add'];
}

export type EventHandler<T extends EventType> = (event: DomainEvent<T>, ctx: ConsumerContext) => Promise<void>;
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

export interface ConsumerDefinition {
  /** Unique across the system: it names the consumer group, the offsets and the processed-id rows. */
  name: string;
  handlers: EventHandlers;
  /** Overrides EVENTS_MAX_ATTEMPTS for this consumer. */
  maxAttempts?: number;
}

/** Declares a consumer; the handler map is typed per event type from the catalogue. */
export function defineConsumer(definition: ConsumerDefinition): ConsumerDefinition {
  if (!/^[a-z0-9][a-z0-9._-]{0,99}$/.test(definition.name)) throw new Error(`invalid consumer name ${definition.name}`);
  return definition;
}

export function consumerEventTypes(definition: ConsumerDefinition): EventType[] {
  return (Object.keys(definition.handlers) as EventType[]).filter((t) => typeof definition.handlers[t] === 'function');
}

export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

export type Outcome = 'applied' | 'duplicate' | 'skipped' | 'retry' | 'dead_letter';

/**
 * A step run first inside the processing transaction (the PostgreSQL transport claims the
 * consumer's offset there); false means another replica already took this event.
 */
export type Claim = (manager: EntityManager) => Promise<boolean>;

/**
 * Applies events for one consumer: the processed-id row and the handler's effect commit together,
 * so a second delivery of the same event has no second effect. A failure never blocks the events
 * behind it: the event goes to `event_retries` with exponential backoff, and after `maxAttempts`
 * to `dead_letters` with its error.
 */
export class ConsumerProcessor {
  readonly types: EventType[];
  private readonly schema: string;
  private readonly maxAttempts: number;

  constructor(
    readonly definition: ConsumerDefinition,
    private readonly options: {
      dataSource: DataSource;
      schema: string;
      deps: SubgraphDeps;
      log: Logger;
      metrics?: EventMetrics;
      retry: RetryPolicy;
      /** How often `maybeProcessRetries` actually looks (default: every call). */
      retryCheckMs?: number;
    },
  ) {
    this.types = consumerEventTypes(definition);
    this.schema = schemaName(options.schema);
    this.maxAttempts = definition.maxAttempts ?? options.retry.maxAttempts;
  }

  private lastRetryCheck = 0;

  get name(): string {
    return this.definition.name;
  }

  /**
   * Several events in one transaction (one commit per batch instead of per event). If any handler
   * fails, or the transaction itself, the whole batch rolls back and its events go one at a time, each
   * in its own transaction: the failing one is scheduled for retry, the others commit. No savepoint
   * per event, and one statement marks the whole batch processed: three statements per event fewer
   * on the happy path (every catalogue read sends one event to analytics) for some work redone when
   * a handler fails.
   */
  async processBatch(raws: DomainEvent[], claim?: Claim, fallbackClaims?: Claim[]): Promise<Outcome[]> {
    if (raws.length === 0) return [];
    if (raws.length === 1) return [await this.process(raws[0], fallbackClaims?.[0] ?? claim)];
    const logs = raws.map((raw) =>
      lazyChild(this.options.log, { eventId: raw.id, eventType: raw.type, consumer: this.name }),
    );
    let outcomes: Outcome[];
    try {
      outcomes = await inTransaction(this.options.dataSource, async (m) => {
        if (claim && !(await claim(m))) return raws.map((): Outcome => 'skipped');
        // Every event validated, and every handled one marked processed in one statement, before any handler runs.
        const events = raws.map((raw) => validateEvent(raw));
        const handlers = events.map((e) => this.definition.handlers[e.type] as EventHandler<EventType> | undefined);
        const marked = events.filter((_, i) => handlers[i]);
        const inserted: Array<{ event_id: string }> = marked.length
          ? await m.query(
              `INSERT INTO ${this.schema}.processed_events (consumer, event_id, occurred_at)
               SELECT $1, e.id, e.at FROM unnest($2::uuid[], $3::timestamptz[]) AS e(id, at)
               ON CONFLICT DO NOTHING RETURNING event_id`,
              [this.name, marked.map((e) => e.id), marked.map((e) => e.occurredAt)],
            )
          : [];
        const fresh = new Set(inserted.map((r) => r.event_id.toLowerCase()));
        const deferred = new DeferredWrites();
        const out: Outcome[] = [];
        for (let i = 0; i < events.length; i++) {
          const handler = handlers[i];
          // An id twice in one batch is applied once: each inserted id leaves `fresh` a single time.
          if (!handler) out.push('skipped');
          else if (!fresh.delete(events[i].id.toLowerCase())) out.push('duplicate');
          else {
            const ctx = { manager: m, deps: this.options.deps, log: logs[i], defer: deferred.add };
            await consumerSpan(this.name, raws[i], 1, () => handler(events[i] as DomainEvent<EventType>, ctx));
            out.push('applied');
          }
        }
        await deferred.flush(m);
        return out;
      });
    } catch (err) {
      this.options.log.warn(
        { err, consumer: this.name, events: raws.length },
        'batch failed: applying its events one at a time',
      );
      outcomes = [];
      for (let i = 0; i < raws.length; i++) outcomes.push(await this.process(raws[i], fallbackClaims?.[i]));
      return outcomes;
    }
    raws.forEach((raw, i) => this.record(raw, outcomes[i], logs[i]));
    return outcomes;
  }

  /** processDueRetries, at most once per `retryCheckMs`. */
  async maybeProcessRetries(): Promise<number> {
    const now = Date.now();
    if (now - this.lastRetryCheck < (this.options.retryCheckMs ?? 0)) return 0;
    this.lastRetryCheck = now;
    return this.processDueRetries();
  }

  async process(raw: DomainEvent, claim?: Claim): Promise<Outcome> {
    const log = lazyChild(this.options.log, { eventId: raw.id, eventType: raw.type, consumer: this.name });
    let outcome: Outcome;
    try {
      outcome = await consumerSpan(this.name, raw, 1, () =>
        inTransaction(this.options.dataSource, async (m) => {
          if (claim && !(await claim(m))) return 'skipped';
          return this.apply(raw, m, log);
        }),
      );
    } catch (err) {
      outcome = await this.fail(raw, 1, err, log, claim);
    }
    this.record(raw, outcome, log);
    return outcome;
  }

  /** Runs the retries that are due; returns how many it attempted. */
  async processDueRetries(limit = 20): Promise<number> {
    const s = this.schema;
    const due: Array<{ event: unknown; attempts: number }> = await withRunner(this.options.dataSource, (r) =>
      r.query(
        `SELECT event, attempts FROM ${s}.event_retries WHERE consumer = $1 AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $2`,
        [this.name, limit],
      ),
    );
    for (const row of due) {
      const raw = deserializeEvent(row.event);
      const log = lazyChild(this.options.log, {
        eventId: raw.id,
        eventType: raw.type,
        consumer: this.name,
        attempt: row.attempts + 1,
      });
      let outcome: Outcome;
      try {
        outcome = await consumerSpan(this.name, raw, row.attempts + 1, () =>
          inTransaction(this.options.dataSource, async (m) => {
            // Deleting the row claims the retry: a replica that lost the race deletes nothing.
            const claimed = affected(
              await m.query(
                `DELETE FROM ${s}.event_retries WHERE consumer = $1 AND event_id = $2 AND attempts = $3 RETURNING event_id`,
                [this.name, raw.id, row.attempts],
              ),
            );
            if (!claimed) return 'skipped';
            return this.apply(raw, m, log);
          }),
        );
      } catch (err) {
        outcome = await this.fail(raw, row.attempts + 1, err, log);
      }
      this.record(raw, outcome, log);
    }
    return due.length;
  }

  private async apply(raw: DomainEvent, m: EntityManager, log: Logger): Promise<Outcome> {
    const event = validateEvent(raw);
    const handler = this.definition.handlers[event.type] as EventHandler<EventType> | undefined;
    if (!handler) return 'skipped';
    const inserted: unknown[] = await m.query(
      `INSERT INTO ${this.schema}.processed_events (consumer, event_id, occurred_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING event_id`,
      [this.name, event.id, event.occurredAt],
    );
    if (inserted.length === 0) return 'duplicate';
    const deferred = new DeferredWrites();
    await handler(event as DomainEvent<EventType>, { manager: m, deps: this.options.deps, log, defer: deferred.add });
    await deferred.flush(m);
    return 'applied';
  }

  /** Schedules the next attempt, or dead-letters the event; `attempts` counts the one that just failed. */
  private async fail(raw: DomainEvent, attempts: number, err: unknown, log: Logger, claim?: Claim): Promise<Outcome> {
    return inTransaction(this.options.dataSource, async (m) => {
      if (claim && !(await claim(m))) return 'skipped';
      return this.recordFailure(m, raw, attempts, err, log);
    });
  }

  private async recordFailure(
    m: EntityManager,
    raw: DomainEvent,
    attempts: number,
    err: unknown,
    log: Logger,
  ): Promise<Outcome> {
    const s = this.schema;
    const message = errorText(err);
    const permanent = err instanceof PermanentEventError;
    const dead = permanent || attempts >= this.maxAttempts;
    await m.query(`DELETE FROM ${s}.event_retries WHERE consumer = $1 AND event_id = $2`, [this.name, raw.id]);
    if (dead) {
      await m.query(
        `INSERT INTO ${s}.dead_letters (consumer, event_id, type, event, attempts, error) VALUES ($1, $2, $3, $4::jsonb, $5, $6)
         ON CONFLICT (consumer, event_id) DO UPDATE SET attempts = EXCLUDED.attempts, error = EXCLUDED.error, failed_at = now()`,
        [this.name, raw.id, raw.type, JSON.stringify(serializeEvent(raw)), attempts, message],
      );
      log.error(
        { err, attempts },
        permanent ? 'event can never be applied: dead-lettered' : 'event failed too often: dead-lettered',
      );
      return 'dead_letter';
    }
    const delay = backoff(attempts, this.options.retry);
    await m.query(
      `INSERT INTO ${s}.event_retries (consumer, event_id, event, attempts, last_error, next_attempt_at)
       SELECT $1, $2, $3::jsonb, $4, $5, now() + make_interval(secs => $6::float8 / 1000)
       WHERE NOT EXISTS (SELECT 1 FROM ${s}.dead_letters WHERE consumer = $1 AND event_id = $2)`,
      [this.name, raw.id, JSON.stringify(serializeEvent(raw)), attempts, message, delay],
    );
    log.warn({ err, attempts, retryInMs: delay }, 'event handler failed: will retry');
    return 'retry';
  }

  private record(raw: DomainEvent, outcome: Outcome, log: Logger) {
    const metrics = this.options.metrics;
    metrics?.consumed.inc({ consumer: this.name, outcome });
    if (outcome === 'applied') {
      metrics?.deliverySeconds.observe(
        { consumer: this.name },
        Math.max(0, (Date.now() - raw.occurredAt.getTime()) / 1000),
      );
      if (log.isLevelEnabled('debug')) log.debug('event applied');
    } else if (outcome === 'duplicate') {
      log.debug('event already applied: ignored');
    }
  }
}

/** Exponential backoff with ±20 % jitter, so failing replicas do not retry in lockstep. */
export function backoff(attempts: number, policy: RetryPolicy): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.slice(0, 2000);
}

/** Rows touched by an UPDATE/DELETE … RETURNING through TypeORM's postgres driver ([rows, count]). */
export function affected(result: unknown): number {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[1];
  return Array.isArray(result) ? result.length : 0;
}
