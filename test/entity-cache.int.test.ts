import { startGateway, type RunningGateway } from '../gateway/server';
import { Role } from '#platform/infra/schema/shared-types';
import { UserEntity } from '../subgraphs/identity-consent/modules/user/user.entity';
import { dataSubjectCalls, REQUEST_ERASURE } from './helpers/data-subject';
import { insertListings, insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';
import { waitFor } from './helpers/wait';

/**
 * The gateway's entity cache (gateway/entity-cache.ts): a seller's display name, public and the
 * same for every viewer, is fetched from identity-consent once and then answered per entity by the
 * gateway, for every viewer at once, until an erasure purges it: in this process (gateway A, beside
 * the subgraphs) and over Redis pub/sub (gateway B, which hears nothing in process, as if it ran
 * elsewhere). Needs Redis: REDIS_URL_FOR_TESTS, default redis://127.0.0.1:6379/1.
 */
const REDIS_URL = process.env.REDIS_URL_FOR_TESTS ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/1';

let t: TestStack;
let gatewayB: RunningGateway;
type User = Awaited<ReturnType<typeof insertUsers>>[number];
let sellers: User[];
let buyers: User[];
const tokens = new Map<string, string>();
const { ok, settled } = dataSubjectCalls(() => t);

beforeAll(async () => {
  t = await startTestStack({ env: { REDIS_URL, ENTITY_CACHE_TTL_MS: '600000' } });
  gatewayB = await startGateway(t.config, {
    port: 0,
    isolatedRevocations: true,
    logDestination: { write: () => true } as never,
  });
  sellers = await insertUsers(t.stack, 6, [Role.SELLER]);
  buyers = await insertUsers(t.stack, 12, [Role.BUYER]);
  const users = t.stack.subgraphs['identity-consent'].deps.db.dataSource.getRepository(UserEntity);
  for (const [i, s] of sellers.entries()) {
    s.displayName = `Cooperative ${i} of the Eastern Cape`;
    await users.update(s.id, { displayName: s.displayName });
  }
  await insertListings(t.stack, sellers, 3);
  for (const u of [...sellers, ...buyers]) tokens.set(u.id, await t.tokenFor(u.id, u.roles as Role[]));
}, 120_000);

afterAll(async () => {
  await gatewayB?.stop();
  await t?.stop();
});

const CATALOGUE = `query($f: ListingFilter) { listings(first: 50, filter: $f) { edges { node { id seller { id displayName } } } } }`;
const WITH_EMAIL = `query($f: ListingFilter) { listings(first: 50, filter: $f) { edges { node { id seller { id displayName email } } } } }`;

async function catalogueOn(url: string, token?: string, query = CATALOGUE) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables: { f: { minAvailableKg: 0 } } }),
  });
  return (await res.json()) as { data?: any; errors?: unknown[] };
}

/** seller id → the display name every listing of theirs showed, from one catalogue answer. */
function namesIn(body: { data?: any; errors?: unknown[] }): Map<string, string> {
  expect(body.errors).toBeUndefined();
  return new Map(body.data.listings.edges.map((e: any) => [e.node.seller.id, e.node.seller.displayName]));
}

const expected = () => new Map(sellers.map((s) => [s.id, s.displayName]));
const identityStatements = () => t.statements('identity-consent');

describe('the gateway entity cache', () => {
  it('fetches the sellers once, then answers every viewer at once without calling identity-consent', async () => {
    expect(namesIn(await catalogueOn(t.gatewayUrl))).toEqual(expected());
    expect(namesIn(await catalogueOn(gatewayB.url))).toEqual(expected());
    const before = identityStatements();
    const viewers = [undefined, ...buyers.map((b) => tokens.get(b.id)), ...sellers.map((s) => tokens.get(s.id))];
    const answers = await Promise.all(
      viewers.flatMap((token) => [catalogueOn(t.gatewayUrl, token), catalogueOn(gatewayB.url, token)]),
    );
    for (const body of answers) expect(namesIn(body)).toEqual(expected());
    expect(identityStatements() - before).toBe(0);
  });

  it('never holds a field that depends on who asks: with many users at once, an email reaches its owner alone', async () => {
    const emails = sellers.map((s) => s.email);
    const asks = [...sellers, ...buyers].flatMap((viewer, i) => [
      { viewer, of: sellers[i % sellers.length] },
      { viewer, of: undefined },
    ]);
    const answers = await Promise.all(
      asks.map(({ viewer, of }) =>
        of
          ? t.gql(WITH_EMAIL, { f: { sellerId: of.id } }, { token: tokens.get(viewer.id) })
          : t.gql(CATALOGUE, { f: { minAvailableKg: 0 } }, { token: tokens.get(viewer.id) }),
      ),
    );
    answers.forEach((res, i) => {
      const { viewer, of } = asks[i];
      const text = JSON.stringify(res.body.data);
      const seen = emails.filter((e) => text.includes(e));
      if (!of) expect(namesIn(res.body)).toEqual(expected());
      else if (of.id === viewer.id) {
        expect(res.body.errors).toBeUndefined();
        expect(seen).toEqual([viewer.email]);
        for (const e of res.body.data.listings.edges) expect(e.node.seller.displayName).toBe(viewer.displayName);
      } else {
        expect(seen).toEqual([]);
        expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
    });
  });

  it('is emptied by an erasure, in this process and in another one, before the erasure is reported done', async () => {
    // Another seller's name changes without any event (as only an operator could do it): the cache
    // keeps serving the old one until something purges it. That shows what the erasure purges.
    const renamed = sellers[1];
    const users = t.stack.subgraphs['identity-consent'].deps.db.dataSource.getRepository(UserEntity);
    await users.update(renamed.id, { displayName: 'Renamed by an operator' });
    expect(namesIn(await catalogueOn(t.gatewayUrl)).get(renamed.id)).toBe(renamed.displayName);
    expect(namesIn(await catalogueOn(gatewayB.url)).get(renamed.id)).toBe(renamed.displayName);

    const erased = buyers[0];
    const admin = await t.tokenFor(buyers[1].id, [Role.ADMIN]);
    const { requestErasure } = await ok(REQUEST_ERASURE, { userId: erased.id }, admin);
    expect(await settled(requestErasure.id, admin)).toMatchObject({ status: 'COMPLETED' });
    renamed.displayName = 'Renamed by an operator';

    expect(namesIn(await catalogueOn(t.gatewayUrl))).toEqual(expected());
    // Over Redis pub/sub: a moment after the erasure's last part.
    await waitFor(async () => namesIn(await catalogueOn(gatewayB.url)).get(renamed.id) === renamed.displayName, {
      what: 'gateway B to hear the purge over Redis',
    });
    expect(namesIn(await catalogueOn(gatewayB.url))).toEqual(expected());
  });

  it('keeps answering sellers it holds while identity-consent is down, and fails only for one it never fetched', async () => {
    const [fresh] = await insertUsers(t.stack, 1, [Role.SELLER]);
    await t.stopSubgraph('identity-consent');
    try {
      expect(namesIn(await catalogueOn(t.gatewayUrl))).toEqual(expected());
      await insertListings(t.stack, [fresh], 1);
      const body = await catalogueOn(t.gatewayUrl);
      expect(body.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ extensions: expect.objectContaining({ serviceName: 'identity-consent' }) }),
        ]),
      );
    } finally {
      await t.startSubgraphAgain('identity-consent');
    }
    const names = namesIn(await catalogueOn(t.gatewayUrl));
    expect(names.get(fresh.id)).toBe(fresh.displayName);
  });
});
