import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { EntityManager } from 'typeorm';
import type { Logger } from '../logger';
import type { DomainEvent, EventType } from './catalogue';
import type { ConsumerProcessor } from './consumer';
import { PollLoop } from './loop';
import { deserializeEvent, serializeEvent } from './serialize';
import type { EventTransport, Subscription, TransportOptions } from './transport';

export interface RedisTransportOptions extends TransportOptions {
  url: string;
  /** Key prefix: the stream is `<prefix>stream`. */
  prefix: string;
  /** A message pending this long with a consumer that stopped acknowledging is claimed by another. */
  claimIdleMs: number;
  /** Approximate stream length kept (XADD MAXLEN ~). */
  maxLength: number;
  /** Names this process's consumers (`<source>-<host>-<pid>-<random>`). */
  source: string;
}

type StreamEntry = [id: string, fields: string[]];

/**
 * Redis Streams: one stream for all events, one consumer group per consumer. Every replica of a
 * subgraph joins the group under its own consumer name, so the replicas share the work; messages
 * a crashed replica had read but not acknowledged are taken over with XAUTOCLAIM once idle for
 * `claimIdleMs`. Acknowledgement follows the database commit, so a crash in between redelivers,
 * and the processed-id row makes that redelivery a no-op.
 */
export class RedisTransport implements EventTransport {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private readonly stream: string;
  private readonly subscribers = new Set<Redis>();

  constructor(
    private readonly options: RedisTransportOptions,
    private readonly log: Logger,
  ) {
    this.client = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    this.client.on('error', (err) => log.warn({ err }, 'redis (events) connection error'));
    this.stream = `${options.prefix}stream`;
  }

  async init(): Promise<void> {
    await this.client.connect();
  }

  async publish(_manager: EntityManager, events: DomainEvent[]): Promise<void> {
    if (!events.length) return;
    const pipeline = this.client.pipeline();
    for (const e of events) {
      pipeline.xadd(this.stream, 'MAXLEN', '~', this.options.maxLength, '*', 'event', JSON.stringify(serializeEvent(e)));
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
  }

  afterPublish(): void {
    // Consumers are blocked in XREADGROUP and wake on the XADD itself.
  }

  subscribe(processor: ConsumerProcessor): Subscription {
    const { options, stream, client, log } = this;
    const group = processor.name;
    const me = `${options.source}-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const wanted = new Set<string>(processor.types);
    const blocking = client.duplicate();
    blocking.on('error', (err) => log.warn({ err }, 'redis (events consumer) connection error'));
    this.subscribers.add(blocking);
    let nextClaimAt = 0;
    let claimCursor = '0-0';

    const handle = async (entries: StreamEntry[]) => {
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
      if (done.length) await client.xack(stream, group, ...done);
    };

    const createGroup = async () => {
      try {
        // A new group starts at the beginning of the retained stream, like a new PostgreSQL consumer.
        await client.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
      } catch (err) {
        if (!/BUSYGROUP/.test((err as Error).message)) throw err;
      }
    };

    const loop = new PollLoop(
      `consumer:${group}`,
      options.pollMs,
      () =>
        tick().catch(async (err: Error) => {
          // The stream or the group was deleted (by an operator, or a flushed Redis): recreate it.
          if (!/NOGROUP/.test(err.message)) throw err;
          log.warn({ consumer: group }, 'consumer group missing: recreating it');
          await createGroup();
          return true;
        }),
      log,
    );

    const tick = async () => {
      if (Date.now() >= nextClaimAt) {
        const [next, claimed] = (await client.xautoclaim(stream, group, me, options.claimIdleMs, claimCursor, 'COUNT', options.batchSize)) as [string, StreamEntry[]];
        claimCursor = next;
        if (next === '0-0') nextClaimAt = Date.now() + Math.max(options.pollMs, Math.floor(options.claimIdleMs / 2));
        const live = claimed.filter((e) => e && e[1]);
        if (live.length) {
          log.warn({ consumer: group, count: live.length }, 'claimed events left pending by another consumer');
          await handle(live);
        }
      }
      const read = (await blocking.xreadgroup('GROUP', group, me, 'COUNT', options.batchSize, 'BLOCK', options.pollMs, 'STREAMS', stream, '>')) as
        | Array<[string, StreamEntry[]]>
        | null;
      const entries = read?.[0]?.[1] ?? [];
      await handle(entries);
      await processor.maybeProcessRetries();
      // XREADGROUP's BLOCK already waited for work: loop straight back into it.
      return true;
    };

    return {
      async start() {
        await blocking.connect().catch((err: Error) => {
          if (!/already connect/i.test(err.message)) throw err;
        });
        await createGroup();
        loop.start();
      },
      nudge: () => loop.nudge(),
      stop: async () => {
        await loop.stop();
        this.subscribers.delete(blocking);
        await blocking.quit().catch(() => blocking.disconnect());
      },
    };
  }

  async *readSince(since: Date, types: EventType[]): AsyncGenerator<DomainEvent[]> {
    const wanted = new Set<string>(types);
    let start = `${since.getTime()}-0`;
    for (;;) {
      const entries = (await this.client.xrange(this.stream, start, '+', 'COUNT', 500)) as StreamEntry[];
      if (!entries.length) return;
      start = `(${entries[entries.length - 1][0]}`;
      const events = entries
        .map(([, fields]) => fieldValue(fields, 'event'))
        .filter((v): v is string => v !== undefined)
        .map((v) => deserializeEvent(v))
        .filter((e) => wanted.has(e.type) && e.occurredAt >= since);
      if (events.length) yield events;
    }
  }

  async lag(consumer: string, _types: EventType[]): Promise<number> {
    const groups = (await this.client.xinfo('GROUPS', this.stream).catch(() => [])) as unknown[][];
    for (const g of groups) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < g.length; i += 2) info.set(String(g[i]), g[i + 1]);
      if (info.get('name') === consumer) return Number(info.get('lag') ?? 0) + Number(info.get('pending') ?? 0);
    }
    return 0;
  }

  async prune(): Promise<void> {
    // XADD trims the stream by length.
  }

  async close(): Promise<void> {
    for (const s of this.subscribers) s.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

function fieldValue(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
