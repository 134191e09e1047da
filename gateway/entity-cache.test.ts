import { Registry } from 'prom-client';
import { createEntityCache, type EntityCache, type EntityFetch } from './entity-cache';
import { publicSelections } from './public-fetch';

const QUERY = (op: string, selection = '...on User{displayName}') =>
  `query ${op}($representations:[_Any!]!){_entities(representations:$representations){${selection}}}`;
const selections = publicSelections(QUERY('Catalogue__identity_consent__1'))!;
const user = (id: string) => ({ __typename: 'User', id });
const silent = { warn: () => undefined, info: () => undefined } as never;

/** A subgraph that answers every user by a name derived from its id, and records what it was asked. */
function subgraph(names: Record<string, string | null> = {}) {
  const calls: string[][] = [];
  const fetch: EntityFetch = async (representations) => {
    const ids = representations.map((r) => (r as { id: string }).id);
    calls.push(ids);
    return {
      data: {
        _entities: ids.map((id) =>
          id in names ? names[id] && { displayName: names[id] } : { displayName: `name of ${id}` },
        ),
      },
    };
  };
  return { calls, fetch };
}

let cache: EntityCache;
let registry: Registry;
let now = 1_000_000;

beforeEach(() => {
  registry = new Registry();
  jest.spyOn(Date, 'now').mockImplementation(() => now);
  cache = createEntityCache({
    ttlMs: 60_000,
    maxEntries: 100,
    keyPrefix: `entity-test-${Math.random()}:`,
    log: silent,
    registry,
  });
});

afterEach(async () => {
  await cache.close();
  jest.restoreAllMocks();
});

async function lookups() {
  const metric = await registry.getSingleMetric('gateway_entity_cache_lookups_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [v.labels.outcome, v.value]));
}

describe('the gateway entity cache', () => {
  it('answers a repeated fetch from memory and sends only the entities it does not hold, in their order', async () => {
    const s = subgraph();
    const first = await cache.resolve(selections, [user('a'), user('b')], s.fetch);
    expect(first.data).toEqual({ _entities: [{ displayName: 'name of a' }, { displayName: 'name of b' }] });
    const second = await cache.resolve(selections, [user('c'), user('a'), user('d'), user('b')], s.fetch);
    expect(second.data).toEqual({
      _entities: ['c', 'a', 'd', 'b'].map((id) => ({ displayName: `name of ${id}` })),
    });
    expect(s.calls).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    const third = await cache.resolve(selections, [user('d'), user('c')], s.fetch);
    expect(third.data).toEqual({ _entities: [{ displayName: 'name of d' }, { displayName: 'name of c' }] });
    expect(s.calls).toHaveLength(2);
    expect(await lookups()).toEqual({ hit: 4, miss: 4 });
  });

  it('shares an entity between operations that select the same fields, and keeps other selections apart', async () => {
    const s = subgraph();
    await cache.resolve(selections, [user('a')], s.fetch);
    await cache.resolve(publicSelections(QUERY('Listing__identity_consent__2'))!, [user('a')], s.fetch);
    expect(s.calls).toEqual([['a']]);
    const withTypename = publicSelections(QUERY('Search__identity_consent__1', '__typename ...on User{displayName}'))!;
    await cache.resolve(withTypename, [user('a')], s.fetch);
    expect(s.calls).toEqual([['a'], ['a']]);
  });

  it('keeps no null entity: a user found a moment later is then answered', async () => {
    const names: Record<string, string | null> = { ghost: null };
    const s = subgraph(names);
    expect((await cache.resolve(selections, [user('ghost')], s.fetch)).data).toEqual({ _entities: [null] });
    delete names.ghost;
    expect((await cache.resolve(selections, [user('ghost')], s.fetch)).data).toEqual({
      _entities: [{ displayName: 'name of ghost' }],
    });
  });

  it('moves an entity’s error to its place in the whole request, and keeps neither it nor an answer with an unplaced error', async () => {
    const s = subgraph();
    await cache.resolve(selections, [user('a')], s.fetch);
    const failing: EntityFetch = async () => ({
      data: { _entities: [null, { displayName: 'name of c' }] },
      errors: [{ message: 'boom', path: ['_entities', 0, 'displayName'] }],
    });
    expect(await cache.resolve(selections, [user('a'), user('b'), user('c')], failing)).toEqual({
      data: { _entities: [{ displayName: 'name of a' }, null, { displayName: 'name of c' }] },
      errors: [{ message: 'boom', path: ['_entities', 1, 'displayName'] }],
    });
    // c was kept, b was not
    const after = subgraph();
    await cache.resolve(selections, [user('b'), user('c')], after.fetch);
    expect(after.calls).toEqual([['b']]);

    const unplaced: EntityFetch = async () => ({
      data: { _entities: [{ displayName: 'name of e' }] },
      errors: [{ message: 'something upstream' }],
    });
    expect((await cache.resolve(selections, [user('e')], unplaced)).errors).toEqual([
      { message: 'something upstream' },
    ]);
    const again = subgraph();
    await cache.resolve(selections, [user('e')], again.fetch);
    expect(again.calls).toEqual([['e']]);
  });

  it('refuses a partial answer of the wrong length, and hands a whole one on for the gateway to report', async () => {
    const s = subgraph();
    await cache.resolve(selections, [user('a')], s.fetch);
    const short: EntityFetch = async () => ({ data: { _entities: [] } });
    expect(await cache.resolve(selections, [user('a'), user('b')], short)).toEqual({
      errors: [{ message: 'The subgraph answered with the wrong number of entities' }],
    });
    const down: EntityFetch = async () => ({ errors: [{ message: 'The identity-consent service is unavailable' }] });
    expect(await cache.resolve(selections, [user('x')], down)).toEqual({
      errors: [{ message: 'The identity-consent service is unavailable' }],
    });
  });

  it('forgets everything on a purge, and never stores an answer read before a purge that came while it was in flight', async () => {
    const s = subgraph();
    await cache.resolve(selections, [user('a')], s.fetch);
    cache.purge();
    let release!: () => void;
    const slow: EntityFetch = async (representations) => {
      await new Promise<void>((r) => (release = r));
      return s.fetch(representations);
    };
    const pending = cache.resolve(selections, [user('a')], slow);
    await new Promise((r) => setImmediate(r));
    cache.purge();
    release();
    expect((await pending).data).toEqual({ _entities: [{ displayName: 'name of a' }] });
    await cache.resolve(selections, [user('a')], s.fetch);
    expect(s.calls).toEqual([['a'], ['a'], ['a']]);
  });

  it('keeps an entity for its TTL at most, and the most recently stored entities within its size', async () => {
    const s = subgraph();
    await cache.resolve(selections, [user('a')], s.fetch);
    now += 59_999;
    await cache.resolve(selections, [user('a')], s.fetch);
    expect(s.calls).toHaveLength(1);
    now += 1;
    await cache.resolve(selections, [user('a')], s.fetch);
    expect(s.calls).toHaveLength(2);

    const ids = Array.from({ length: 101 }, (_, i) => `u${i}`);
    await cache.resolve(selections, ids.map(user), s.fetch);
    const after = subgraph();
    await cache.resolve(selections, [user('u0'), user('u1'), user('u100')], after.fetch);
    expect(after.calls).toEqual([['u0']]);
  });

  it('fetches and keeps nothing of a representation it cannot key', async () => {
    const s = subgraph();
    const odd = [{ __typename: 'Listing', id: 'l' }, 'not an object', { id: 'no type' }];
    const fetch: EntityFetch = async (representations) => {
      s.calls.push(representations.map(String));
      return { data: { _entities: representations.map(() => ({ displayName: 'x' })) } };
    };
    await cache.resolve(selections, odd, fetch);
    await cache.resolve(selections, odd, fetch);
    expect(s.calls).toHaveLength(2);
  });
});
