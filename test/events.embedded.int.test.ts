import { closeEmbeddedDatabase } from '#platform/infra/db/pglite-pool';
import { eventFromRow } from '#platform/infra/events/serialize';
import { effects, newId, recordingConsumer, startEventService, stepEvent, type EventService } from './helpers/events';
import { waitFor, EMBEDDED_START_TIMEOUT_MS } from './helpers/wait';

/**
 * The PostgreSQL transport on the embedded database (PGlite): one session, transactions one at a
 * time. The relay, the consumers and the request path share that session without deadlocking.
 */
let producer: EventService;
let consumer: EventService;

beforeAll(async () => {
  producer = await startEventService({ name: 'producer', schema: 'evt_producer', outbox: true, dataDir: 'memory://' });
  consumer = await startEventService({
    name: 'consumer',
    schema: 'evt_consumer',
    consumers: [recordingConsumer('embedded', 'evt_consumer')],
    dataDir: 'memory://',
  });
}, EMBEDDED_START_TIMEOUT_MS);

afterAll(async () => {
  await consumer?.stop();
  await producer?.stop();
  await closeEmbeddedDatabase('memory://');
});

it('emits nothing from a rolled-back transaction, even while another transaction commits events', async () => {
  const listing = newId();
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const rolledBack = producer.db.dataSource.transaction(async (m) => {
    await producer.runtime.outbox.add(m, stepEvent(listing, 'rolled-back'));
    await held;
    throw new Error('a business rule failed');
  });
  // Queued behind the open transaction on the one session; it must not see or keep its row.
  const committed = producer.db.dataSource.transaction((m) =>
    producer.runtime.outbox.add(m, stepEvent(listing, 'committed')),
  );
  release();
  await expect(rolledBack).rejects.toThrow('a business rule failed');
  await committed;

  const steps = await waitFor(
    async () => {
      const rows = (await effects(consumer, 'embedded')).filter((e) => e.aggregate_id === listing);
      return rows.length ? rows.map((r) => r.step) : undefined;
    },
    { what: 'the committed event' },
  );
  expect(steps).toEqual(['committed']);
  const [{ n }] = await producer.db.dataSource.query(
    `SELECT count(*)::int AS n FROM evt_producer.outbox WHERE aggregate_id = $1`,
    [listing],
  );
  expect(n).toBe(1);
});

it('delivers in order per aggregate and applies a redelivered event once', async () => {
  const listing = newId();
  for (let i = 0; i < 10; i++)
    await producer.db.dataSource.transaction((m) => producer.runtime.outbox.add(m, stepEvent(listing, i)));
  const steps = await waitFor(
    async () => {
      const rows = (await effects(consumer, 'embedded')).filter((e) => e.aggregate_id === listing);
      return rows.length >= 10 ? rows : undefined;
    },
    { what: 'ten effects' },
  );
  expect(steps.map((r) => r.step)).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
  const [first] = await consumer.db.dataSource.query(
    `SELECT seq, event_id, type, version, source, aggregate_type, aggregate_id, payload, occurred_at FROM events.bus WHERE event_id = $1`,
    [steps[0].event_id],
  );
  expect(await consumer.runtime.processors[0].process(eventFromRow(first))).toBe('duplicate');
});
