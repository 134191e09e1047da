import { createAdmission, type Release } from './admission';

const tick = () => new Promise((r) => setImmediate(r));

describe('admission control', () => {
  it('admits up to maxConcurrent at once and the next waiting one when a slot is freed', async () => {
    const admission = createAdmission({ maxConcurrent: 2, maxQueued: 10, maxWaitMs: 10_000 });
    const a = await admission.acquire('x');
    const b = await admission.acquire('x');
    let third: Release | null = null;
    void admission.acquire('x').then((r) => (third = r));
    await tick();
    expect(third).toBeNull();
    expect(admission.inFlight).toBe(2);
    expect(admission.queued).toBe(1);
    a!();
    await tick();
    expect(third).not.toBeNull();
    expect(admission.inFlight).toBe(2);
    // Releasing twice gives back one slot, not two.
    a!();
    b!();
    third!();
    expect(admission.inFlight).toBe(0);
  });

  it("serves the queues in turn: a rare operation never waits behind another one's crowd", async () => {
    const admission = createAdmission({ maxConcurrent: 1, maxQueued: 100, maxWaitMs: 10_000 });
    const first = await admission.acquire('catalogue');
    const order: string[] = [];
    const wait = (key: string, label: string) =>
      admission.acquire(key).then((release) => {
        order.push(label);
        release!();
      });
    const waiting = [
      ...Array.from({ length: 5 }, (_, i) => wait('catalogue', `catalogue ${i}`)),
      wait('search', 'search'),
      wait('order', 'order'),
    ];
    await tick();
    first!();
    await Promise.all(waiting);
    // FIFO would put search and order sixth and seventh; in turn they come second and third.
    expect(order.slice(0, 3)).toEqual(['catalogue 0', 'search', 'order']);
    expect(order).toHaveLength(7);
  });

  it('refuses at once past maxQueued, and after maxWaitMs of waiting', async () => {
    const admission = createAdmission({ maxConcurrent: 1, maxQueued: 1, maxWaitMs: 50 });
    const held = await admission.acquire('x');
    const waiting = admission.acquire('x');
    expect(await admission.acquire('y')).toBeNull();
    const started = Date.now();
    expect(await waiting).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(admission.queued).toBe(0);
    held!();
    // The refused ones hold nothing: the next comes straight in.
    const next = await admission.acquire('x');
    expect(admission.inFlight).toBe(1);
    next!();
  });

  it('a timed-out waiter leaves the turns intact for the others', async () => {
    const admission = createAdmission({ maxConcurrent: 1, maxQueued: 10, maxWaitMs: 30 });
    const held = await admission.acquire('a');
    expect(await admission.acquire('b')).toBeNull();
    let got: Release | null = null;
    void admission.acquire('c').then((r) => (got = r));
    held!();
    await tick();
    expect(got).not.toBeNull();
    got!();
    expect(admission.inFlight).toBe(0);
  });

  it('past maxQueues distinct operations, new ones share one queue', async () => {
    const admission = createAdmission({ maxConcurrent: 1, maxQueued: 100, maxWaitMs: 10_000, maxQueues: 2 });
    const held = await admission.acquire('a');
    const order: string[] = [];
    const wait = (key: string, label = key) =>
      admission.acquire(key).then((release) => {
        order.push(label);
        release!();
      });
    // q1 and q2 get queues of their own; q3 and q4 share a third, so they take one turn between them.
    const all = [wait('q1'), wait('q2'), wait('q3'), wait('q4'), wait('q1', 'q1 again')];
    await tick();
    held!();
    await Promise.all(all);
    expect(order).toEqual(['q1', 'q2', 'q3', 'q1 again', 'q4']);
  });
});
