import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { EntityManager } from 'typeorm';
import type { Logger } from '#platform/infra/observability/logger';
import type { DomainEvent, EventType } from '#platform/contracts/events/catalogue';
import type { ConsumerProcessor } from '#platform/infra/events/consumer';
import { PollLoop } from '#platform/infra/events/loop';
import { PartitionLeases } from '#platform/infra/events/redis-leases';
import { deserializeEvent, serializeEvent } from '#platform/infra/events/serialize';
import type { EventTransport, Subscription, TransportOptions } from '#platform/infra/events/transport';

export interface RedisTransportOptions extends TransportOptions {
  url: string;
  /** Key prefix: streams are `<prefix>stream:<partition>`. */
  prefix: string;
  /** Streams the events are spread over, by aggregate. Change it only with the consumers drained. */
  partitions: number;
  /** A replica silent this long loses its partitions; a message pending this long is claimed. */
  claimIdleMs: number;
  /** Approximate length kept per stream (XADD MAXLEN ~). */
  maxLength: number;
  /** Names this process's consumers (`<source>-<host>-<pid>-<random>`). */
  source: string;
}

type StreamEntry = [id: string, fields: string[]];

/** FNV-1a: a stable, well-spread partition for an aggregate, the same in every process. */
export function partitionOf(event: Pick<DomainEvent, 'aggregateType' | 'aggregateId'>, partitions: number): number {
  let hash = 0x811c9dc5;
  const key = `${event.aggregateType}:${event.aggregateId}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

export function streamKey(prefix: string, partition: number): string {
  return `${prefix}stream:${partition}`;
}

/**
 * Redis Streams: events are spread over `partitions` streams by aggregate, and each consumer is a
 * consumer group on every stream. The replicas of a subgraph share a group's partitions through
 * leases (PartitionLeases), so one aggregate's events are handled by one replica at a time, in
 * order. When a replica crashes its leases expire, another takes its partitions and claims the
 * messages it had read but not acknowledged (XAUTOCLAIM). Acknowledgement follows the database
 * commit: a crash in between redelivers, and the processed-id row makes that a no-op.
 */
export class RedisTransport implements EventTransport {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private readonly subscribers = new Set<Redis>();

  constructor(
    private readonly options: RedisTransportOptions,
    private readonly log: Logger,
  ) {
    this.client = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    this.client.on('error', (err) => log.warn({ err }, 'redis (events) connection error'));
  }

  private stream(partition: number): string {
    return streamKey(this.options.prefix, partition);
  }

  async init(): Promise<void> {
    await this.client.connect();
  }

  async publish(_manager: EntityManager, events: DomainEvent[]): Promise<void> {
    if (!events.length) return;
    const pipeline = this.client.pipeline();
    for (const e of events) {
      const stream = this.stream(partitionOf(e, this.options.partitions));
      pipeline.xadd(stream, 'MAXLEN', '~', this.options.maxLength, '*', 'event', JSON.stringify(serializeEvent(e)));
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
  }

  afterPublish(): void {
    // Consumers are blocked in XREADGROUP and wake on the XADD itself.
  }

  subscribe(processor: ConsumerProcessor): Subscription {
    const { options, client, log } = this;
    const group = processor.name;
    const me = `${options.source}-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const wanted = new Set<string>(processor.types);
    const leases = new PartitionLeases(client, {
      prefix: options.prefix,
      group,
      me,
      partitions: options.partitions,
      ttlMs: options.claimIdleMs,
      log,
    });
    const blocking = client.duplicate();
    blocking.on('error', (err) => log.warn({ err }, 'redis (events consumer) connection error'));
    this.subscribers.add(blocking);
    let nextStaleCheck = 0;

    const createGroup = async (partition: number) => {
      try {
        // A new group starts at the beginning of the retained stream, like a new PostgreSQL consumer.
        await client.xgroup('CREATE', this.stream(partition), group, '0', 'MKSTREAM');
      } catch (err) {
        if (!/BUSYGROUP/.test((err as Error).message)) throw err;
      }
    };

    const handle = async (partition: number, entries: StreamEntry[]) => {
      const done: string[] = [];
      const events: DomainEvent[] = [];
      for (const [id, fields] of entries) {
        const raw = fieldValue(fields, 'event');
        if (raw === undefined) {
          log.error({ streamId: id, consumer: group }, 'stream entry without an event: acknowledged and dropped');
        } else {
          const event = deserializeEvent(raw);
          if (wanted.has(event.type)) events.push(event);
        }
        done.push(id);
      }
      await processor.processBatch(events);
      // Acknowledged only after the effects committed: a crash before this line redelivers.
      if (done.length) await client.xack(this.stream(partition), group, ...done);
    };

    /** Takes over messages of this partition pending with any consumer for at least `minIdleMs`. */
    const claimPending = async (partition: number, minIdleMs: number) => {
      let cursor = '0-0';
      for (let page = 0; page < 100; page++) {
        const [next, claimed] = (await client.xautoclaim(
          this.stream(partition),
          group,
          me,
          minIdleMs,
          cursor,
          'COUNT',
          options.batchSize,
        )) as [string, StreamEntry[]];
        const live = claimed.filter((e) => e && e[1]);
        if (live.length) {
          log.warn(
            { consumer: group, partition, count: live.length },
            'claimed events left pending by another consumer',
          );
          await handle(partition, live);
        }
        if (next === '0-0') return;
        cursor = next;
      }
    };

    const tick = async (): Promise<boolean> => {
      for (const p of await leases.maintain()) {
        await createGroup(p);
        // Whoever held this partition before is gone: what it had read and not acknowledged comes first.
        await claimPending(p, 0);
      }
      if (Date.now() >= nextStaleCheck) {
        nextStaleCheck = Date.now() + options.claimIdleMs;
        for (const p of leases.owned) await claimPending(p, options.claimIdleMs);
      }
      await processor.maybeProcessRetries();
      if (!leases.owned.size) return false;
      const owned = [...leases.owned];
      const read = (await blocking.xreadgroup(
        'GROUP',
        group,
        me,
        'COUNT',
        options.batchSize,
        'BLOCK',
        options.pollMs,
        'STREAMS',
        ...owned.map((p) => this.stream(p)),
        ...owned.map(() => '>'),
      )) as Array<[string, StreamEntry[]]> | null;
      for (const [key, entries] of read ?? []) {
        const partition = Number(key.slice(key.lastIndexOf(':') + 1));
        await handle(partition, entries);
      }
      // XREADGROUP's BLOCK already waited for work: loop straight back into it.
      return true;
    };

    const loop = new PollLoop(
      `consumer:${group}`,
      options.pollMs,
      () =>
        tick().catch(async (err: Error) => {
          // A stream or the group was deleted (by an operator, or a flushed Redis): recreate them.
          if (!/NOGROUP/.test(err.message)) throw err;
          log.warn({ consumer: group }, 'consumer group missing: recreating it');
          for (const p of leases.owned) await createGroup(p);
          return true;
        }),
      log,
    );

    return {
      async start() {
        await blocking.connect().catch((err: Error) => {
          if (!/already connect/i.test(err.message)) throw err;
        });
        loop.start();
      },
      nudge: () => loop.nudge(),
      stop: async () => {
        await loop.stop();
        await leases
          .releaseAll()
          .catch((err) => log.warn({ err, consumer: group }, 'could not release partition leases'));
        this.subscribers.delete(blocking);
        await blocking.quit().catch(() => blocking.disconnect());
      },
    };
  }

  /** Merges the partitions by stream id (time of publication), keeping each partition's order. */
  async *readSince(since: Date, types: EventType[]): AsyncGenerator<DomainEvent[]> {
    const wanted = new Set<string>(types);
    const cursors = Array.from({ length: this.options.partitions }, (_, p) => ({
      p,
      start: `${since.getTime()}-0`,
      buffer: [] as StreamEntry[],
      done: false,
    }));
    const refill = async (c: (typeof cursors)[number]) => {
      if (c.buffer.length || c.done) return;
      const entries = (await this.client.xrange(this.stream(c.p), c.start, '+', 'COUNT', 500)) as StreamEntry[];
      if (!entries.length) c.done = true;
      else {
        c.buffer = entries;
        c.start = `(${entries[entries.length - 1][0]}`;
      }
    };
    let page: DomainEvent[] = [];
    for (;;) {
      await Promise.all(cursors.map(refill));
      const live = cursors.filter((c) => c.buffer.length);
      if (!live.length) break;
      const next = live.reduce((a, b) => (compareIds(a.buffer[0][0], b.buffer[0][0]) <= 0 ? a : b));
      const [, fields] = next.buffer.shift() as StreamEntry;
      const raw = fieldValue(fields, 'event');
      if (raw === undefined) continue;
      const event = deserializeEvent(raw);
      if (wanted.has(event.type) && event.occurredAt >= since) page.push(event);
      if (page.length >= 500) {
        yield page;
        page = [];
      }
    }
    if (page.length) yield page;
  }

  async lag(consumer: string, _types: EventType[]): Promise<number> {
    let total = 0;
    for (let p = 0; p < this.options.partitions; p++) {
      const groups = (await this.client.xinfo('GROUPS', this.stream(p)).catch(() => [])) as unknown[][];
      for (const g of groups) {
        const info = new Map<string, unknown>();
        for (let i = 0; i + 1 < g.length; i += 2) info.set(String(g[i]), g[i + 1]);
        if (info.get('name') === consumer) total += Number(info.get('lag') ?? 0) + Number(info.get('pending') ?? 0);
      }
    }
    return total;
  }

  async prune(): Promise<void> {
    // XADD trims the streams by length.
  }

  async close(): Promise<void> {
    for (const s of this.subscribers) s.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}

function fieldValue(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
