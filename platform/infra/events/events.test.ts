import { randomUUID } from 'node:crypto';
import pino from 'pino';
import {
  EVENT_CATALOGUE,
  EVENT_TYPES,
  PermanentEventError,
  validateEvent,
  type DomainEvent,
} from '#platform/contracts/events/catalogue';
import { affected, backoff, defineConsumer } from '#platform/infra/events/consumer';
import { PollLoop } from '#platform/infra/events/loop';
import { deserializeEvent, serializeEvent } from '#platform/infra/events/serialize';

const silent = pino({ level: 'silent' });

function viewed(payload: Record<string, unknown>, overrides: Partial<DomainEvent> = {}): DomainEvent {
  return {
    id: randomUUID(),
    type: 'listing.viewed',
    version: 1,
    source: 'listings-matching',
    aggregateType: 'listing',
    aggregateId: String(payload.listingId),
    occurredAt: new Date(),
    payload: payload as never,
    ...overrides,
  } as DomainEvent;
}

describe('the event catalogue', () => {
  it('names every type the design lists, each with a version and an aggregate', () => {
    expect(EVENT_TYPES).toEqual(
      expect.arrayContaining([
        'listing.created',
        'listing.updated',
        'listing.status_changed',
        'search.performed',
        'match.requested',
        'listing.viewed',
        'order.placed',
        'order.cancelled',
        'consent.granted',
        'consent.withdrawn',
        'external.offers.crawled',
        'user.erasure.requested',
      ]),
    );
    for (const type of EVENT_TYPES) expect(EVENT_CATALOGUE[type].version).toBeGreaterThanOrEqual(1);
  });

  it('derives the aggregate from the payload', () => {
    const userId = randomUUID();
    expect(EVENT_CATALOGUE['search.performed'].aggregateId({ userId, criteria: {}, resultCount: 0 })).toBe(userId);
    expect(EVENT_CATALOGUE['search.performed'].aggregateId({ userId: null, criteria: {}, resultCount: 0 })).toBe(
      'anonymous',
    );
  });

  it('accepts a valid event and refuses, as permanent, an unknown type, a newer version and a bad payload', () => {
    const payload = { listingId: randomUUID(), sellerId: randomUUID(), viewerId: null };
    expect(validateEvent(viewed(payload)).payload).toEqual(payload);
    expect(() => validateEvent(viewed(payload, { type: 'listing.teleported' as never }))).toThrow(PermanentEventError);
    expect(() => validateEvent(viewed(payload, { version: 2 }))).toThrow(/newer than this service knows/);
    expect(() => validateEvent(viewed({ ...payload, listingId: 'nope' }))).toThrow(
      /invalid listing.viewed payload: listingId/,
    );
  });

  it('keeps personal data out: search criteria refuse free-form keys', () => {
    const result = EVENT_CATALOGUE['search.performed'].payload.safeParse({
      userId: null,
      criteria: { email: 'a@b.co.za' },
      resultCount: 1,
    });
    expect(result.success).toBe(false);
  });

  it('round-trips the envelope through its wire form', () => {
    const event = viewed({ listingId: randomUUID(), sellerId: randomUUID(), viewerId: randomUUID() });
    expect(deserializeEvent(JSON.stringify(serializeEvent(event)))).toEqual(event);
  });
});

describe('consumer helpers', () => {
  it('backs off exponentially with jitter, up to the cap', () => {
    const policy = { maxAttempts: 5, baseMs: 100, maxMs: 1000 };
    for (let i = 0; i < 50; i++) {
      expect(backoff(1, policy)).toBeGreaterThanOrEqual(80);
      expect(backoff(1, policy)).toBeLessThanOrEqual(120);
      expect(backoff(3, policy)).toBeGreaterThanOrEqual(320);
      expect(backoff(3, policy)).toBeLessThanOrEqual(480);
      expect(backoff(20, policy)).toBeLessThanOrEqual(1200);
    }
  });

  it('reads the affected row count of UPDATE/DELETE and of INSERT … RETURNING', () => {
    expect(affected([[{ a: 1 }], 1])).toBe(1);
    expect(affected([[], 0])).toBe(0);
    expect(affected([{ a: 1 }, { a: 2 }])).toBe(2);
  });

  it('refuses a consumer name that cannot name a group', () => {
    expect(() => defineConsumer({ name: 'Has Spaces', handlers: {} })).toThrow(/invalid consumer name/);
  });
});

describe('the poll loop', () => {
  it('runs again on a nudge instead of waiting out its interval, and stops after the tick in flight', async () => {
    let ticks = 0;
    let resolveSecond!: () => void;
    const second = new Promise<void>((r) => (resolveSecond = r));
    const loop = new PollLoop(
      'test',
      60_000,
      async () => {
        ticks += 1;
        if (ticks === 2) resolveSecond();
        return false;
      },
      silent,
    );
    loop.start();
    await new Promise((r) => setImmediate(r));
    loop.nudge();
    await second;
    await loop.stop();
    expect(ticks).toBe(2);
  });

  it('keeps going after a failing tick', async () => {
    let ticks = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const loop = new PollLoop(
      'test',
      1,
      async () => {
        ticks += 1;
        if (ticks === 1) throw new Error('transient');
        done();
        return false;
      },
      silent,
    );
    loop.start();
    await finished;
    await loop.stop();
    expect(ticks).toBeGreaterThanOrEqual(2);
  });
});
