import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Relay } from '#platform/infra/events/relay';
import { partitionOf, streamKey } from '#platform/infra/events/redis-transport';
import type { EventTransport } from '#platform/infra/events/transport';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import {
  effects,
  metricValue,
  newId,
  recordingConsumer,
  startEventService,
  stepEvent,
  type EventService,
  type EventServiceOptions,
} from './helpers/events';
import { waitFor } from './helpers/wait';

/** Domain events on Redis Streams consumer groups (REDIS_URL set), against real Redis and PostgreSQL. */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:${randomBytes(4).toString('hex')}:`;
const PARTITIONS = 4;
const streams = Array.from({ length: PARTITIONS }, (_, p) => streamKey(prefix, p));
const streamOf = (listingId: string) =>
  streamKey(prefix, partitionOf({ aggregateType: 'listing', aggregateId: listingId }, PARTITIONS));
const env = { REDIS_URL, EVENTS_REDIS_PREFIX: prefix, EVENTS_REDIS_PARTITIONS: String(PARTITIONS) };

async function pending(group: string): Promise<number> {
  let n = 0;
  for (const s of streams) n += Number(((await redis.xpending(s, group).catch(() => [0])) as [number])[0]);
  return n;
}

/** Who holds the lease of each partition of a consumer group. */
async function leaseHolders(group: string): Promise<Array<string | null>> {
  return Promise.all(streams.map((_, p) => redis.get(`${prefix}lease:${group}:${p}`)));
}

let database: TestDatabase;
let redis: Redis;
let producer: EventService;
const services: EventService[] = [];

async function service(options: Omit<EventServiceOptions, 'url'>): Promise<EventService> {
  const s = await startEventService({ url: database.url, ...options, env: { ...env, ...options.env } });
  services.push(s);
  return s;
}

async function countEffects(s: EventService, consumer: string, listings: Set<string>) {
  return (await effects(s, consumer)).filter((e) => listings.has(e.aggregate_id));
}

beforeAll(async () => {
  database = await createTestDatabase();
  redis = new Redis(REDIS_URL);
  producer = await service({ name: 'producer', schema: 'evt_producer', outbox: true });
});

afterAll(async () => {
  for (const s of services.reverse()) await s.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await database?.drop();
});

it('lets two replicas of a consumer share the partitions, keep each aggregate in order and apply each event exactly once', async () => {
  const shared = {
    consumers: [recordingConsumer('shared', 'evt_consumer')],
    // 3 s, not 300 ms: a replica starved of CPU that long on a busy machine would lose its lease while
    // still working, and two replicas would then share a partition -- not what this test is about
    env: { EVENTS_BATCH_SIZE: '5', EVENTS_CLAIM_IDLE_MS: '3000' },
  };
  const one = await service({ name: 'replica-1', schema: 'evt_consumer', ...shared });
  const two = await service({ name: 'replica-2', schema: 'evt_consumer', ...shared });
  // The first replica took every partition; within a heartbeat or two it hands half to the second.
  await waitFor(
    async () => {
      const holders = await leaseHolders('shared');
      const counts = new Map<string | null, number>();
      for (const h of holders) counts.set(h, (counts.get(h) ?? 0) + 1);
      return !counts.has(null) && counts.size === 2 && [...counts.values()].every((n) => n === PARTITIONS / 2);
    },
    { what: 'the partitions to be split between the replicas' },
  );
  // Enough aggregates that both replicas' partitions get some.
  const listings = Array.from({ length: 40 }, newId);
  const written = new Set<string>();
  for (let i = 0; i < 5; i++) {
    await producer.db.dataSource.transaction(async (m) => {
      for (const l of listings) written.add((await producer.runtime.outbox.add(m, stepEvent(l, i))).id);
    });
  }
  const rows = await waitFor(
    async () => {
      const r = await countEffects(one, 'shared', new Set(listings));
      return r.length >= 200 ? r : undefined;
    },
    { what: '200 effects' },
  );
  expect(rows).toHaveLength(200);
  expect(new Set(rows.map((r) => r.event_id))).toEqual(written);
  for (const l of listings)
    expect(rows.filter((r) => r.aggregate_id === l).map((r) => r.step)).toEqual(['0', '1', '2', '3', '4']);
  const applied = [
    await metricValue(one, 'events_consumed_total', { consumer: 'shared', outcome: 'applied' }),
    await metricValue(two, 'events_consumed_total', { consumer: 'shared', outcome: 'applied' }),
  ];
  expect(applied[0] + applied[1]).toBe(200);
  expect(applied[0]).toBeGreaterThan(0);
  expect(applied[1]).toBeGreaterThan(0);
});

it('takes over the partitions and pending messages of a replica that crashed before acknowledging them', async () => {
  for (const s of streams) await redis.xgroup('CREATE', s, 'claimed', '$', 'MKSTREAM');
  const listing = newId();
  for (const step of ['1', '2', '3']) await producer.runtime.outbox.emit(stepEvent(listing, step));
  await waitFor(
    async () =>
      (
        await producer.db.dataSource.query(
          `SELECT count(*)::int AS n FROM evt_producer.outbox WHERE aggregate_id = $1 AND published_at IS NOT NULL`,
          [listing],
        )
      )[0].n === 3,
    { what: 'the three events to be published' },
  );
  // A replica holding every partition reads the three events and dies before acknowledging any:
  // its leases run out 300 ms later, nobody renews them.
  for (let p = 0; p < PARTITIONS; p++) await redis.set(`${prefix}lease:claimed:${p}`, 'crashed-replica', 'PX', 300);
  const read = (await redis.xreadgroup(
    'GROUP',
    'claimed',
    'crashed-replica',
    'COUNT',
    100,
    'STREAMS',
    streamOf(listing),
    '>',
  )) as Array<[string, unknown[]]>;
  expect(read[0][1]).toHaveLength(3);
  expect(await pending('claimed')).toBe(3);

  const survivor = await service({
    name: 'survivor',
    schema: 'evt_consumer',
    consumers: [recordingConsumer('claimed', 'evt_consumer')],
    env: { EVENTS_CLAIM_IDLE_MS: '300' },
  });
  const steps = await waitFor(
    async () => {
      const r = await countEffects(survivor, 'claimed', new Set([listing]));
      return r.length >= 3 ? r.map((e) => e.step) : undefined;
    },
    { what: 'the claimed events to be applied' },
  );
  expect(steps).toEqual(['1', '2', '3']);
  await waitFor(async () => (await pending('claimed')) === 0, { what: 'no pending messages' });
  expect(new Set(await leaseHolders('claimed')).has('crashed-replica')).toBe(false);
});

it('applies once the events a relay published twice because it crashed before marking them sent', async () => {
  const consumer = await service({
    name: 'c-twice',
    schema: 'evt_consumer',
    consumers: [recordingConsumer('twice', 'evt_consumer')],
  });
  const crashed = await service({ name: 'producer-b', schema: 'evt_producer_b', outbox: true, relay: false, env: {} });
  const listing = newId();
  const ids = new Set<string>();
  for (const step of ['a', 'b', 'c']) ids.add((await crashed.runtime.outbox.emit(stepEvent(listing, step))).id);
  const real = crashed.runtime.transport;
  const dying: EventTransport = Object.assign(Object.create(Object.getPrototypeOf(real)), real, {
    publish: async (...args: Parameters<EventTransport['publish']>) => {
      await real.publish(...args);
      throw new Error('process killed after XADD');
    },
  });
  const relay = new Relay({
    source: 'producer-b',
    schema: 'evt_producer_b',
    dataSource: crashed.db.dataSource,
    transport: dying,
    log: crashed.runtime.log,
    pollMs: 20,
    batchSize: 100,
    retentionDays: 7,
  });
  await expect(relay.tick()).rejects.toThrow('process killed after XADD');
  // The rows are still unpublished, so the next relay sends them again.
  const retry = new Relay({
    source: 'producer-b',
    schema: 'evt_producer_b',
    dataSource: crashed.db.dataSource,
    transport: real,
    log: crashed.runtime.log,
    pollMs: 20,
    batchSize: 100,
    retentionDays: 7,
  });
  await retry.tick();
  const inStream = ((await redis.xrange(streamOf(listing), '-', '+')) as Array<[string, string[]]>).filter(([, f]) =>
    ids.has(JSON.parse(f[1]).id),
  );
  expect(inStream).toHaveLength(6);

  const steps = await waitFor(
    async () => {
      const r = await countEffects(consumer, 'twice', new Set([listing]));
      return r.length >= 3 ? r.map((e) => e.step) : undefined;
    },
    { what: 'three effects' },
  );
  await waitFor(
    async () =>
      (await metricValue(consumer, 'events_consumed_total', { consumer: 'twice', outcome: 'duplicate' })) >= 3 ||
      undefined,
    {
      what: 'the duplicates to be seen',
    },
  );
  expect(await countEffects(consumer, 'twice', new Set([listing]))).toHaveLength(3);
  expect(steps).toEqual(['a', 'b', 'c']);
  expect(await metricValue(consumer, 'events_consumer_lag', { consumer: 'twice' })).toBe(0);
});

it('keeps the order of each aggregate and dead-letters a poison event without blocking the rest', async () => {
  const consumer = await service({
    name: 'c-redis-order',
    schema: 'evt_consumer',
    consumers: [recordingConsumer('redis-order', 'evt_consumer', (step) => step === 'poison', 2)],
  });
  const a = newId();
  const b = newId();
  await Promise.all(
    [a, b].map(async (l) => {
      for (let i = 0; i < 15; i++) await producer.runtime.outbox.emit(stepEvent(l, i === 5 ? 'poison' : i));
    }),
  );
  const expected = Array.from({ length: 15 }, (_, i) => String(i)).filter((s) => s !== '5');
  for (const l of [a, b]) {
    const steps = await waitFor(
      async () => {
        const r = await countEffects(consumer, 'redis-order', new Set([l]));
        return r.length >= 14 ? r.map((e) => e.step) : undefined;
      },
      { what: `14 effects on ${l}` },
    );
    expect(steps).toEqual(expected);
  }
  const dead = await waitFor(
    async () => {
      const r = await consumer.db.dataSource.query(
        `SELECT attempts, error FROM evt_consumer.dead_letters WHERE consumer = 'redis-order'`,
      );
      return r.length === 2 ? r : undefined;
    },
    { what: 'two dead letters' },
  );
  expect(dead).toEqual([
    { attempts: 2, error: 'Error: refusing step poison' },
    { attempts: 2, error: 'Error: refusing step poison' },
  ]);
});
