import type { Release } from './admission';
import { createPriorityGate, type PriorityOptions } from './priority';

const tick = () => new Promise((r) => setImmediate(r));

function gate(overrides: Partial<PriorityOptions> = {}) {
  let clock = 1_000_000;
  const g = createPriorityGate({
    otherLimit: 2,
    priorityOperations: new Set(['Search']),
    holdMs: 1000,
    maxQueued: 10,
    maxWaitMs: 10_000,
    now: () => clock,
    ...overrides,
  });
  return { g, advance: (ms: number) => (clock += ms) };
}

describe('priority gate', () => {
  it('limits nothing while no priority operation is about', async () => {
    const { g } = gate();
    const held = await Promise.all(Array.from({ length: 20 }, () => g.acquire(false)));
    expect(held.every((r) => r !== null)).toBe(true);
    expect(g.otherInFlight).toBe(20);
    expect(g.queued).toBe(0);
    held.forEach((r) => r!());
    expect(g.otherInFlight).toBe(0);
  });

  it('while a priority operation is in flight, admits at most otherLimit others; priority ones never wait', async () => {
    const { g } = gate();
    const search = await g.acquire(true);
    const a = await g.acquire(false);
    const b = await g.acquire(false);
    let third: Release | null = null;
    void g.acquire(false).then((r) => (third = r));
    await tick();
    expect(third).toBeNull();
    expect(g.queued).toBe(1);
    // More priority work comes straight in, past the waiting one.
    const orders = await Promise.all([g.acquire(true), g.acquire(true), g.acquire(true)]);
    expect(orders.every((r) => r !== null)).toBe(true);
    expect(g.priorityInFlight).toBe(4);
    a!();
    await tick();
    expect(third).not.toBeNull();
    expect(g.otherInFlight).toBe(2);
    // Releasing twice gives back one slot.
    a!();
    expect(g.otherInFlight).toBe(2);
    [search, b, third!, ...orders].forEach((r) => r!());
    expect(g.otherInFlight + g.priorityInFlight).toBe(0);
  });

  it('keeps the limit for holdMs after the last priority operation, then lets every waiting one in', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      const { g, advance } = gate({ otherLimit: 1 });
      const search = await g.acquire(true);
      const held = await g.acquire(false);
      const waiting: Array<Release | null> = [];
      for (let i = 0; i < 3; i++) void g.acquire(false).then((r) => waiting.push(r));
      search!();
      await tick();
      // The search is done, but within the hold the others still wait.
      expect(waiting).toHaveLength(0);
      expect(g.queued).toBe(3);
      advance(1000);
      jest.advanceTimersByTime(1000);
      await tick();
      expect(waiting).toHaveLength(3);
      expect(waiting.every((r) => r !== null)).toBe(true);
      expect(g.otherInFlight).toBe(4);
      [held, ...waiting].forEach((r) => r!());
    } finally {
      jest.useRealTimers();
    }
  });

  it('serves waiting operations first come first served', async () => {
    const { g } = gate({ otherLimit: 1 });
    const search = await g.acquire(true);
    const first = await g.acquire(false);
    const order: number[] = [];
    const waiting = Array.from({ length: 4 }, (_, i) =>
      g.acquire(false).then((r) => {
        order.push(i);
        r!();
      }),
    );
    await tick();
    first!();
    await Promise.all(waiting);
    expect(order).toEqual([0, 1, 2, 3]);
    search!();
  });

  it('refuses at once past maxQueued, and after maxWaitMs of waiting', async () => {
    const { g } = gate({ otherLimit: 1, maxQueued: 1, maxWaitMs: 50 });
    const search = await g.acquire(true);
    const held = await g.acquire(false);
    const waiting = g.acquire(false);
    expect(await g.acquire(false)).toBeNull();
    const started = Date.now();
    expect(await waiting).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(g.queued).toBe(0);
    held!();
    // The refused ones hold nothing.
    const next = await g.acquire(false);
    expect(next).not.toBeNull();
    next!();
    search!();
  });
});
