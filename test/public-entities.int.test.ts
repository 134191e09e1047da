import { allow } from '#platform/infra/shield/shield';
import { Role } from '#platform/infra/schema/shared-types';
import { VIEWER_INDEPENDENT_ENTITY_FIELDS } from '#platform/contracts/public-entities';
import { identityPermissions } from '../subgraphs/identity-consent/permissions';
import { UserEntity } from '../subgraphs/identity-consent/modules/user/user.entity';
import { insertListings, insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';

/**
 * A fetch of public entity fields (a seller's display name) goes from the gateway to its subgraph
 * without the caller's identity (gateway/public-fetch.ts), so it is shared with every other
 * viewer's identical fetch in flight. That is only right while those fields answer the same for
 * everyone, and while every other fetch still carries the identity: both are checked here, with
 * many users at once.
 */

let t: TestStack;
type User = Awaited<ReturnType<typeof insertUsers>>[number];
let sellers: User[];
let buyers: User[];
const tokens = new Map<string, string>();

beforeAll(async () => {
  t = await startTestStack();
  sellers = await insertUsers(t.stack, 12, [Role.SELLER]);
  buyers = await insertUsers(t.stack, 12, [Role.BUYER]);
  const users = t.stack.subgraphs['identity-consent'].deps.db.dataSource.getRepository(UserEntity);
  for (const [i, s] of sellers.entries()) {
    s.displayName = `Seller ${i} of Limpopo`;
    await users.update(s.id, { displayName: s.displayName });
  }
  await insertListings(t.stack, sellers, 2);
  for (const u of sellers) tokens.set(u.id, await t.tokenFor(u.id, [Role.SELLER]));
  for (const u of buyers) tokens.set(u.id, await t.tokenFor(u.id, [Role.BUYER]));
});

afterAll(async () => {
  await t?.stop();
});

const CATALOGUE = `query($f: ListingFilter) { listings(first: 50, filter: $f) { edges { node { id seller { id displayName } } } } }`;
const WITH_EMAIL = `query($f: ListingFilter) { listings(first: 5, filter: $f) { edges { node { id seller { id displayName email } } } } }`;

describe('public entity fields fetched without identity', () => {
  it('are public by the rule of the subgraph that resolves them', () => {
    const rules = identityPermissions as unknown as Record<string, Record<string, unknown>>;
    for (const [type, fields] of Object.entries(VIEWER_INDEPENDENT_ENTITY_FIELDS))
      for (const field of fields) expect([type, field, rules[type]?.[field] === allow]).toEqual([type, field, true]);
  });

  it('answer alike for anonymous, signed-in, the seller themselves and admin', async () => {
    const admin = await t.tokenFor(buyers[0].id, [Role.ADMIN]);
    const answers = await Promise.all(
      [undefined, tokens.get(buyers[1].id), tokens.get(sellers[0].id), admin].map((token) =>
        t.gql(CATALOGUE, { f: { minAvailableKg: 0 } }, { token }),
      ),
    );
    for (const res of answers) expect(res.body.errors).toBeUndefined();
    const names = (res: (typeof answers)[number]) =>
      res.body.data.listings.edges.map((e: any) => `${e.node.id} ${e.node.seller.id} ${e.node.seller.displayName}`);
    expect(names(answers[0])).toHaveLength(24);
    for (const res of answers.slice(1)) expect(names(res)).toEqual(names(answers[0]));
    const byId = new Map(sellers.map((s) => [s.id, s.displayName]));
    for (const e of answers[0].body.data.listings.edges)
      expect(e.node.seller.displayName).toBe(byId.get(e.node.seller.id));
  });

  it('never carry another field: with many users at once, a seller’s email reaches that seller alone', async () => {
    const emails = new Set(sellers.map((s) => s.email));
    type Ask = { who: User; kind: 'own' | 'other' | 'catalogue'; of?: User };
    const asks: Ask[] = [];
    for (let round = 0; round < 3; round++) {
      sellers.forEach((s) => asks.push({ who: s, kind: 'own' }, { who: s, kind: 'catalogue' }));
      buyers.forEach((b, i) => asks.push({ who: b, kind: 'other', of: sellers[i] }, { who: b, kind: 'catalogue' }));
    }
    const answers = await Promise.all(
      asks.map((a) =>
        a.kind === 'catalogue'
          ? t.gql(CATALOGUE, { f: { minAvailableKg: 0 } }, { token: tokens.get(a.who.id) })
          : t.gql(
              WITH_EMAIL,
              { f: { sellerId: a.kind === 'own' ? a.who.id : a.of!.id } },
              { token: tokens.get(a.who.id) },
            ),
      ),
    );
    answers.forEach((res, i) => {
      const a = asks[i];
      const text = JSON.stringify(res.body.data);
      const seen = [...emails].filter((e) => text.includes(e));
      if (a.kind === 'own') {
        expect(res.body.errors).toBeUndefined();
        expect(seen).toEqual([a.who.email]);
        for (const e of res.body.data.listings.edges) expect(e.node.seller.email).toBe(a.who.email);
      } else {
        expect(seen).toEqual([]);
        if (a.kind === 'catalogue') expect(res.body.errors).toBeUndefined();
        else expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
    });
  });
});
