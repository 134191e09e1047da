import type { DomainEvent } from '#platform/infra/events/index';
import { Relay } from '#platform/infra/events/relay';
import { replayConsumer } from '#platform/infra/events/replay';
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

/** Domain events on the PostgreSQL transport (the shared `events.bus`), against a real server. */
let database: TestDatabase;
let producer: EventService;
const services: EventService[] = [];

async function service(options: Omit<EventServiceOptions, 'url'>): Promise<EventService> {
  const s = await startEventService({ url: database.url, ...options });
  services.push(s);
  return s;
}

async function stop(s: EventService) {
  services.splice(services.indexOf(s), 1);
  await s.stop();
}

async function stepsOf(s: EventService, consumer: string, listingId: string): Promise<string[]> {
  return (await effects(s, consumer)).filter((e) => e.aggregate_id === listingId).map((e) => e.step);
}

function until(s: EventService, consumer: string, listingId: string, count: number) {
  return waitFor(
    async () => {
      const steps = await stepsOf(s, consumer, listingId);
      return steps.length >= count ? steps : undefined;
    },
    { what: `${count} effects of ${consumer} on ${listingId}` },
  );
}

beforeAll(async () => {
  database = await createTestDatabase();
  producer = await service({ name: 'producer', schema: 'evt_producer', outbox: true });
});

afterAll(async () => {
  for (const s of services.reverse()) await s.stop();
  await database?.drop();
});

describe('the transactional outbox', () => {
  it('emits nothing from a rolled-back transaction', async () => {
    const listing = newId();
    await expect(
      producer.db.dataSource.transaction(async (m) => {
        await producer.runtime.outbox.add(m, stepEvent(listing, 'rolled-back'));
        throw new Error('a business rule failed');
      }),
    ).rejects.toThrow('a business rule failed');
    await producer.db.dataSource.transaction((m) => producer.runtime.outbox.add(m, stepEvent(listing, 'committed')));
    const consumer = await service({
      name: 'c-rollback',
      schema: 'evt_consumer',
      consumers: [recordingConsumer('rollback', 'evt_consumer')],
    });

    // Events of one aggregate arrive in order: once the later one is applied, the earlier would have been.
    expect(await until(consumer, 'rollback', listing, 1)).toEqual(['committed']);
    const [{ n }] = await producer.db.dataSource.query(
      `SELECT count(*)::int AS n FROM evt_producer.outbox WHERE aggregate_id = $1`,
      [listing],
    );
    expect(n).toBe(1);
    const [{ bus }] = await producer.db.dataSource.query(
      `SELECT count(*)::int AS bus FROM events.bus WHERE aggregate_id = $1`,
      [listing],
    );
    expect(bus).toBe(1);
  });

  it('publishes recorded read events straight to the bus, batched, without an outbox row', async () => {
    const consumer = await service({
      name: 'c-read',
      schema: 'evt_consumer',
      consumers: [recordingConsumer('read', 'evt_consumer')],
    });
    const listing = newId();
    for (const step of ['seen-1', 'seen-2', 'seen-3']) producer.runtime.outbox.record(stepEvent(listing, step));
    expect(await until(consumer, 'read', listing, 3)).toEqual(['seen-1', 'seen-2', 'seen-3']);
    const [{ n }] = await producer.db.dataSource.query(
      `SELECT count(*)::int AS n FROM evt_producer.outbox WHERE aggregate_id = $1`,
      [listing],
    );
    expect(n).toBe(0);
    // one batch: one statement put all three on the bus, in the order they were recorded
    const bus: Array<{ seq: string }> = await producer.db.dataSource.query(
      `SELECT seq::text AS seq FROM events.bus WHERE aggregate_id = $1 ORDER BY seq`,
      [listing],
    );
    expect(bus.map((b) => Number(b.seq))).toEqual([0, 1, 2].map((i) => Number(bus[0].seq) + i));
  });

  it('refuses a payload that does not match the catalogue, before anything is written', async () => {
    const bad = { ...stepEvent(newId(), 'x'), payload: { ...stepEvent(newId(), 'x').payload, pricePerKg: 'cheap' } };
    await expect(producer.runtime.outbox.emit(bad)).rejects.toThrow(/invalid listing.updated payload: pricePerKg/);
  });
});

describe('the relay', () => {
  it('loses nothing when it crashes between the commit and the publication', async () => {
    const consumer = await service({
      name: 'c-crash',
      schema: 'evt_consumer',
      consumers: [recordingConsumer('crash', 'evt_consumer')],
    });
    // A producer whose relay is not running: it "crashed" after its transactions committed.
    const crashed = await service({ name: 'producer-b', schema: 'evt_producer_b', outbox: true, relay: false });
    const listing = newId();
    for (const step of ['1', '2', '3'])
      await crashed.db.dataSource.transaction((m) => crashed.runtime.outbox.add(m, stepEvent(listing, step)));

    // A relay that dies after handing the batch to the transport, before marking it sent.
    const real = crashed.runtime.transport;
    const dying: EventTransport = Object.assign(Object.create(Object.getPrototypeOf(real)), real, {
      publish: async (...args: Parameters<EventTransport['publish']>) => {
        await real.publish(...args);
        throw new Error('process killed');
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
    await expect(relay.tick()).rejects.toThrow('process killed');
    const pending = await crashed.db.dataSource.query(
      `SELECT count(*)::int AS n FROM evt_producer_b.outbox WHERE published_at IS NULL AND aggregate_id = $1`,
      [listing],
    );
    expect(pending[0].n).toBe(3);
    expect(
      (
        await crashed.db.dataSource.query(`SELECT count(*)::int AS n FROM events.bus WHERE aggregate_id = $1`, [
          listing,
        ])
      )[0].n,
    ).toBe(0);
    await stop(crashed);

    // After a restart the new relay picks up where the old one left off.
    const restarted = await service({ name: 'producer-b', schema: 'evt_producer_b', outbox: true });
    expect(await until(consumer, 'crash', listing, 3)).toEqual(['1', '2', '3']);
    await waitFor(
      async () =>
        (
          await restarted.db.dataSource.query(
            `SELECT count(*)::int AS n FROM evt_producer_b.outbox WHERE published_at IS NULL`,
          )
        )[0].n === 0,
      {
        what: 'the outbox to drain',
      },
    );
  });

  it('keeps the order of each aggregate while several writers interleave', async () => {
    const consumer = await service({
      name: 'c-order',
      schema: 'evt_consumer',
      consumers: [recordingConsumer('order', 'evt_consumer')],
    });
    const aggregates = [newId(), newId(), newId()];
    await Promise.all(
      aggregates.map(async (a) => {
        for (let i = 0; i < 20; i++)
          await producer.db.dataSource.transaction((m) => producer.runtime.outbox.add(m, stepEvent(a, i)));
      }),
    );
    const expected = Array.from({ length: 20 }, (_, i) => String(i));
    for (const a of aggregates) expect(await until(consumer, 'order', a, 20)).toEqual(expected);
    await waitFor(
      async () => (await metricValue(consumer, 'events_consumer_lag', { consumer: 'order' })) === 0 || undefined,
      { what: 'consumer lag 0' },
    );
    expect(await metricValue(producer, 'events_outbox_pending', {})).toBe(0);
  });
});

describe('consumers', () => {
  it('moves a consumer past the events of other types, and still applies its own that come after', async () => {
    const consumer = await service({
      name: 'c-rare',
      schema: 'evt_consumer',
      consumers: [recordingConsumer('rare', 'evt_consumer')],
    });
    // 40 events this consumer does not subscribe to
    await producer.db.dataSource.transaction(async (m) => {
      for (let i = 0; i < 40; i++) {
        await producer.runtime.outbox.add(m, {
          type: 'listing.viewed',
          payload: { listingId: newId(), sellerId: newId(), viewerId: null },
        });
      }
    });
    const bus = producer.db.dataSource;
    // Before, its position stayed where its last own event was, and every poll read the 40 again.
    await waitFor(
      async () => {
        const [row] = await bus.query(
          `SELECT o.position = (SELECT max(seq) FROM events.bus) AS caught_up FROM events.consumer_offsets o WHERE consumer = 'rare'`,
        );
        return row?.caught_up || undefined;
      },
      { what: 'the rare consumer at the head of the bus' },
    );
    const listing = newId();
    await bus.transaction((m) => producer.runtime.outbox.add(m, stepEvent(listing, 'after-the-skip')));
    expect(await until(consumer, 'rare', listing, 1)).toEqual(['after-the-skip']);
  });

  it('apply an event delivered twice only once', async () => {
    const consumer = await service({
      name: 'c-dup',
      schema: 'evt_consumer',
      consumers: [recordingConsumer('dup', 'evt_consumer')],
    });
    const listing = newId();
    const event = await producer.runtime.outbox.emit(stepEvent(listing, 'once'));
    await until(consumer, 'dup', listing, 1);
    const processor = consumer.runtime.processors[0];

    // Redelivered, twice at once.
    expect(await Promise.all([processor.process(event), processor.process(event)])).toEqual(['duplicate', 'duplicate']);
    // A first delivery racing a second one: the processed-id row lets exactly one through.
    const fresh: DomainEvent = { ...event, id: newId() };
    expect((await Promise.all([processor.process(fresh), processor.process(fresh)])).sort()).toEqual([
      'applied',
      'duplicate',
    ]);
    // The whole log delivered again: the consumer's position back to the start.
    await consumer.db.dataSource.query(`UPDATE events.consumer_offsets SET position = 0 WHERE consumer = 'dup'`);
    const [{ max }] = await consumer.db.dataSource.query(`SELECT max(seq)::text AS max FROM events.bus`);
    await waitFor(
      async () =>
        (
          await consumer.db.dataSource.query(
            `SELECT position::text AS p FROM events.consumer_offsets WHERE consumer = 'dup'`,
          )
        )[0].p === max,
      {
        what: 'the redelivery to finish',
      },
    );
    expect(await stepsOf(consumer, 'dup', listing)).toEqual(['once', 'once']);
    expect((await effects(consumer, 'dup')).filter((e) => e.event_id === event.id)).toHaveLength(1);
    expect(
      await metricValue(consumer, 'events_consumed_total', { consumer: 'dup', outcome: 'duplicate' }),
    ).toBeGreaterThanOrEqual(3);
  });

  it('retry a failing event later without holding back the events behind it', async () => {
    const consumer = await service({
      name: 'c-slow-retry',
      schema: 'evt_consumer',
      consumers: [recordingConsumer('slow-retry', 'evt_consumer', (step) => step === 'poison')],
      env: { EVENTS_RETRY_BASE_MS: '600000', EVENTS_RETRY_MAX_MS: '600000' },
    });
    const a = newId();
    const b = newId();
    const poison = await producer.runtime.outbox.emit(stepEvent(a, 'poison'));
    await producer.runtime.outbox.emit(stepEvent(a, 'after'));
    await producer.runtime.outbox.emit(stepEvent(b, 'other'));
    expect(await until(consumer, 'slow-retry', a, 1)).toEqual(['after']);
    expect(await until(consumer, 'slow-retry', b, 1)).toEqual(['other']);
    const [retry] = await consumer.db.dataSource.query(
      `SELECT attempts, last_error, next_attempt_at > now() AS later FROM evt_consumer.event_retries WHERE consumer = 'slow-retry' AND event_id = $1`,
      [poison.id],
    );
    expect(retry).toEqual({ attempts: 1, last_error: 'Error: refusing step poison', later: true });
  });

  it('dead-letter an event after the configured number of failures, and one that can never be applied at once', async () => {
    const a = newId();
    const b = newId();
    const poison = await producer.runtime.outbox.emit(stepEvent(a, 'poison'));
    const invalid = newId();
    await producer.db.dataSource.query(
      `INSERT INTO evt_producer.outbox (event_id, type, version, aggregate_type, aggregate_id, payload, occurred_at)
       VALUES ($1, 'listing.updated', 1, 'listing', $2, '{"listingId": "not-a-uuid"}', now())`,
      [invalid, a],
    );
    await producer.runtime.outbox.emit(stepEvent(a, 'after'));
    await producer.runtime.outbox.emit(stepEvent(b, 'other'));
    const consumer = await service({
      name: 'c-dlq',
      schema: 'evt_consumer',
      consumers: [recordingConsumer('dlq', 'evt_consumer', (step) => step === 'poison', 3)],
    });
    expect(await until(consumer, 'dlq', a, 1)).toEqual(['after']);
    expect(await until(consumer, 'dlq', b, 1)).toEqual(['other']);
    const dead = await waitFor(
      async () => {
        const rows = await consumer.db.dataSource.query(
          `SELECT event_id, type, attempts, error FROM evt_consumer.dead_letters WHERE consumer = 'dlq' AND event_id IN ($1, $2) ORDER BY id`,
          [invalid, poison.id],
        );
        return rows.length === 2 ? rows : undefined;
      },
      { what: 'two dead letters' },
    );
    expect(dead).toContainEqual({
      event_id: invalid,
      type: 'listing.updated',
      attempts: 1,
      error: expect.stringContaining('invalid listing.updated payload'),
    });
    expect(dead).toContainEqual({
      event_id: poison.id,
      type: 'listing.updated',
      attempts: 3,
      error: 'Error: refusing step poison',
    });
    expect(
      await consumer.db.dataSource.query(
        `SELECT * FROM evt_consumer.event_retries WHERE consumer = 'dlq' AND event_id = $1`,
        [poison.id],
      ),
    ).toEqual([]);
    // The earlier test's poison event is in the log too: this new consumer reads the log from the start.
    const [{ n }] = await consumer.db.dataSource.query(
      `SELECT count(*)::int AS n FROM evt_consumer.dead_letters WHERE consumer = 'dlq'`,
    );
    expect(await metricValue(consumer, 'events_dead_letters', { consumer: 'dlq' })).toBe(n);
  });
});

describe('replay', () => {
  it('runs one consumer again over the events since a point in time, and not before it', async () => {
    const consumer = await service({
      name: 'c-replay',
      schema: 'evt_consumer',
      consumers: [recordingConsumer('replay', 'evt_consumer')],
    });
    const listing = newId();
    const hourAgo = new Date(Date.now() - 3_600_000);
    await producer.runtime.outbox.emit({
      ...stepEvent(listing, 'old'),
      occurredAt: new Date(hourAgo.getTime() - 60_000),
    });
    await producer.runtime.outbox.emit(stepEvent(listing, 'new-1'));
    await producer.runtime.outbox.emit(stepEvent(listing, 'new-2'));
    await until(consumer, 'replay', listing, 3);
    // The read model lost the recent rows (say, a bad deploy); replay rebuilds them.
    await consumer.db.dataSource.query(
      `DELETE FROM evt_consumer.effects WHERE consumer = 'replay' AND aggregate_id = $1 AND step LIKE 'new-%'`,
      [listing],
    );
    const result = await replayConsumer({
      dataSource: consumer.db.dataSource,
      schema: 'evt_consumer',
      transport: consumer.runtime.transport,
      processor: consumer.runtime.processors[0],
      since: hourAgo,
      log: consumer.runtime.log,
    });
    expect(result.applied).toBeGreaterThanOrEqual(2);
    expect(result.events).toBe(result.applied + result.deadLetter);
    expect((await stepsOf(consumer, 'replay', listing)).sort()).toEqual(['new-1', 'new-2', 'old']);
  });
});
