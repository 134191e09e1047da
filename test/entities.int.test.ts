import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kind, parse, type ConstValueNode, type ObjectTypeDefinitionNode } from 'graphql';
import { SUPERGRAPH_PATH } from '#platform/infra/paths';
import type { SubgraphName } from '#platform/infra/config';
import { Role } from '#platform/infra/schema/shared-types';
import { ListingStatus } from '../subgraphs/listings-matching/modules/listing/listing-status';
import { ExternalOfferEntity } from '../subgraphs/external-sources/modules/offer/offer.entity';
import { insertListings, insertUsers } from './helpers/fixtures';
import { SOURCES } from './helpers/identity';
import { signedSubgraphPost } from './helpers/signed';
import { startTestStack, type TestStack } from './helpers/stack';

/**
 * Every entity a subgraph resolves by key, walked from the committed supergraph: `_entities` sent
 * straight to that subgraph with a valid gateway signature (as any gateway would send it) must
 * never reveal what the root fields hide from the same caller. A new `@key` type fails here until
 * it has a case below.
 */
function resolvableEntities(): Array<{ type: string; subgraph: SubgraphName }> {
  const doc = parse(readFileSync(SUPERGRAPH_PATH, 'utf8'));
  const graphs = new Map<string, SubgraphName>();
  const arg = (node: { arguments?: readonly { name: { value: string }; value: ConstValueNode }[] }, name: string) =>
    node.arguments?.find((a) => a.name.value === name)?.value;
  for (const def of doc.definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== 'join__Graph') continue;
    for (const value of def.values ?? []) {
      const joinGraph = value.directives?.find((d) => d.name.value === 'join__graph');
      const name = joinGraph && arg(joinGraph, 'name');
      if (name?.kind === Kind.STRING) graphs.set(value.name.value, name.value as SubgraphName);
    }
  }
  const out: Array<{ type: string; subgraph: SubgraphName }> = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    for (const d of (def as ObjectTypeDefinitionNode).directives ?? []) {
      if (d.name.value !== 'join__type' || !arg(d, 'key')) continue;
      const resolvable = arg(d, 'resolvable');
      if (resolvable?.kind === Kind.BOOLEAN && !resolvable.value) continue;
      const graph = arg(d, 'graph');
      if (graph?.kind !== Kind.ENUM) continue;
      out.push({ type: def.name.value, subgraph: graphs.get(graph.value)! });
    }
  }
  return out;
}

type Caller = { name: string; headers: Record<string, string> };

interface Case {
  /** The representation of something one caller may see and the others may not. */
  representation: Record<string, unknown>;
  selection: string;
  /** Who may see it, by `_entities` and by the root field. */
  allowed: Caller;
  /** Who must not. */
  denied: Caller[];
  /**
   * `entity`: the root field answers null for the denied callers, so `_entities` must answer null.
   * Otherwise the object is public and these fields are what the root field refuses them.
   */
  hidden: 'entity' | string[];
  /** The root field for the same object, as the denied caller sees it through the gateway: asserted hidden too. */
  root?: { query: string; variables: Record<string, unknown>; hiddenAt: (data: any) => unknown };
}

let t: TestStack;
const cases = new Map<string, Case>();
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  t = await startTestStack();
  const anonymous: Caller = { name: 'anonymous', headers: {} };
  const partner: Caller = { name: 'partner', headers: { 'x-partner-id': randomUUID() } };
  const [sellerA, sellerB] = await insertUsers(t.stack, 2, [Role.SELLER]);
  const seller = { name: 'its seller', headers: bearer(await t.tokenFor(sellerA.id, [Role.SELLER])) };
  const otherSeller = { name: 'another seller', headers: bearer(await t.tokenFor(sellerB.id, [Role.SELLER])) };
  const [draft] = await insertListings(t.stack, [sellerA], 1, ListingStatus.DRAFT);
  const [active] = await insertListings(t.stack, [sellerA], 1, ListingStatus.ACTIVE);

  const [userA, userB] = await insertUsers(t.stack, 2, [Role.BUYER]);
  const buyerA = { id: userA.id, accessToken: await t.tokenFor(userA.id, [Role.BUYER]) };
  const buyerB = { id: userB.id, accessToken: await t.tokenFor(userB.id, [Role.BUYER]) };
  const owner = { name: 'the user', headers: bearer(buyerA.accessToken) };
  const other = { name: 'another user', headers: bearer(buyerB.accessToken) };
  const admin = {
    name: 'an admin',
    headers: bearer(await t.tokenFor((await insertUsers(t.stack, 1, [Role.ADMIN]))[0].id, [Role.ADMIN])),
  };
  const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
    const res = await t.gql(query, variables, { token });
    if (res.body.errors)
      throw new Error(
        `${JSON.stringify(res.body.errors)}\n${t.logs
          .filter((l) => /"level":"error"/.test(l))
          .slice(-3)
          .join('\n')}`,
      );
    return res.body.data;
  };

  const order = (
    await gql(
      `mutation($l: ID!) { placeOrder(listingId: $l, quantityKg: 1, idempotencyKey: "${randomUUID()}") { id } }`,
      { l: active.id },
      buyerA.accessToken,
    )
  ).placeOrder;
  const match = (
    await gql(
      `mutation { requestMatches(input: { productType: ${active.productType}, quantityKg: 1 }) { id } }`,
      {},
      buyerA.accessToken,
    )
  ).requestMatches;
  const consent = (
    await gql(
      `mutation($s: ID!) { grantConsent(input: { dataSourceId: $s, accessLevel: BASIC, purpose: "matching", consentVersion: "v1" }) { id } }`,
      { s: SOURCES.suppliers },
      buyerA.accessToken,
    )
  ).grantConsent;
  const request = (await gql(`mutation { requestDataExport { id } }`, {}, buyerA.accessToken)).requestDataExport;
  const crawl = (
    await gql(
      `mutation { triggerCrawl(dataSourceIds: ["${SOURCES.suppliers}"]) { id } }`,
      {},
      admin.headers.authorization.slice(7),
    )
  ).triggerCrawl;
  const offerRepo = t.stack.subgraphs['external-sources'].deps.db.dataSource.getRepository(ExternalOfferEntity);
  const offer = await offerRepo.save(
    offerRepo.create({
      dataSourceId: SOURCES.suppliers,
      externalId: `entities-${randomUUID()}`,
      supplierName: 'Karoo Fibre Co-op',
      productType: 'HEMP_FIBRE' as never,
      quantityKg: '100',
      pricePerKg: '42.00',
      province: null,
      town: null,
      certifications: [],
      licenceNumber: null,
      fetchedAt: new Date(),
      firstSeenAt: new Date(),
      lastCrawlRunId: crawl.id,
      goneAt: null,
    }),
  );

  cases.set('Listing@listings-matching', {
    representation: { __typename: 'Listing', id: draft.id },
    selection: '... on Listing { id title status }',
    allowed: seller,
    denied: [otherSeller, anonymous, partner, owner],
    hidden: 'entity',
    root: {
      query: 'query($id: ID!) { listing(id: $id) { id } }',
      variables: { id: draft.id },
      hiddenAt: (d) => d?.listing,
    },
  });
  cases.set('Order@listings-matching', {
    representation: { __typename: 'Order', id: order.id },
    selection: '... on Order { id }',
    allowed: owner,
    denied: [other, otherSeller, anonymous, partner],
    hidden: 'entity',
    root: {
      query: 'query($id: ID!) { order(id: $id) { id } }',
      variables: { id: order.id },
      hiddenAt: (d) => d?.order,
    },
  });
  cases.set('MatchRequest@listings-matching', {
    representation: { __typename: 'MatchRequest', id: match.id },
    selection: '... on MatchRequest { id }',
    allowed: owner,
    denied: [other, seller, anonymous, partner],
    hidden: 'entity',
    root: {
      query: 'query($id: ID!) { matchRequest(id: $id) { id } }',
      variables: { id: match.id },
      hiddenAt: (d) => d?.matchRequest,
    },
  });
  cases.set('User@listings-matching', {
    representation: { __typename: 'User', id: buyerA.id },
    selection: '... on User { id orders(first: 5) { totalCount edges { node { id } } } }',
    allowed: owner,
    denied: [other, seller, anonymous, partner],
    hidden: ['orders'],
  });
  cases.set('User@identity-consent', {
    representation: { __typename: 'User', id: buyerA.id },
    selection: '... on User { id email consents { id } }',
    allowed: owner,
    denied: [other, seller, anonymous, partner],
    hidden: ['email', 'consents'],
  });
  cases.set('Consent@identity-consent', {
    representation: { __typename: 'Consent', id: consent.id },
    selection: '... on Consent { id }',
    allowed: owner,
    denied: [other, anonymous, partner],
    hidden: 'entity',
  });
  cases.set('DataSubjectRequest@identity-consent', {
    representation: { __typename: 'DataSubjectRequest', id: request.id },
    selection: '... on DataSubjectRequest { id }',
    allowed: owner,
    denied: [other, anonymous, partner],
    hidden: 'entity',
    root: {
      query: 'query($id: ID!) { dataSubjectRequest(id: $id) { id } }',
      variables: { id: request.id },
      hiddenAt: (d) => d?.dataSubjectRequest,
    },
  });
  cases.set('CrawlRun@external-sources', {
    representation: { __typename: 'CrawlRun', id: crawl.id },
    selection: '... on CrawlRun { id }',
    allowed: admin,
    denied: [owner, seller, anonymous, partner],
    hidden: 'entity',
    root: {
      query: 'query($id: ID!) { crawlRun(id: $id) { id } }',
      variables: { id: crawl.id },
      hiddenAt: (d) => d?.crawlRun,
    },
  });
  cases.set('ExternalOffer@external-sources', {
    // buyerA consented to this source; buyerB did not
    representation: { __typename: 'ExternalOffer', id: offer.id },
    selection: '... on ExternalOffer { id supplierName }',
    allowed: owner,
    denied: [other, anonymous, partner],
    hidden: 'entity',
  });
  cases.set('DataSource@external-sources', {
    representation: { __typename: 'DataSource', id: SOURCES.suppliers },
    selection: '... on DataSource { id lastCrawl { id } }',
    allowed: admin,
    denied: [owner, anonymous, partner],
    hidden: ['lastCrawl'],
  });
}, 180_000);

afterAll(async () => {
  await t?.stop();
});

const entities = resolvableEntities();

it('finds every entity type of the supergraph, and each has a case here', () => {
  expect(entities.length).toBeGreaterThanOrEqual(10);
  const missing = entities.map((e) => `${e.type}@${e.subgraph}`).filter((k) => !cases.has(k));
  expect(missing).toEqual([]);
});

describe.each(entities)('_entities for $type at $subgraph', ({ type, subgraph }) => {
  const key = `${type}@${subgraph}`;
  const ask = (c: Case, caller: Caller, selection = c.selection) =>
    signedSubgraphPost(
      t.config.GATEWAY_SECRET,
      t.stack.subgraphs[subgraph].url,
      {
        query: `query($r: [_Any!]!) { _entities(representations: $r) { __typename ${selection} } }`,
        variables: { r: [c.representation] },
      },
      caller.headers,
    );

  it('answers the caller who may see it (the test is not vacuous)', async () => {
    const c = cases.get(key)!;
    const res = await ask(c, c.allowed);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const entity = (res.body.data as any)._entities[0];
    expect(entity).toMatchObject({ __typename: type, id: c.representation.id });
    if (Array.isArray(c.hidden) && type !== 'DataSource')
      for (const field of c.hidden) expect(entity[field]).not.toBeNull();
  });

  it('reveals nothing to the callers the root fields hide it from', async () => {
    const c = cases.get(key)!;
    for (const caller of c.denied) {
      const res = await ask(c, caller);
      expect(res.status).toBe(200);
      const entity = (res.body.data as any)?._entities?.[0] ?? null;
      if (c.hidden === 'entity') {
        // not even its existence: the same null as the root field's, also when only __typename is asked
        expect({ caller: caller.name, entity }).toEqual({ caller: caller.name, entity: null });
        const existence = await ask(c, caller, '');
        expect({ caller: caller.name, entity: (existence.body.data as any)?._entities?.[0] ?? null }).toEqual({
          caller: caller.name,
          entity: null,
        });
      } else {
        for (const field of c.hidden)
          expect({ caller: caller.name, [field]: entity?.[field] ?? null }).toEqual({
            caller: caller.name,
            [field]: null,
          });
      }
      if (c.root && caller.headers.authorization) {
        const root = await t.gql(c.root.query, c.root.variables, { headers: caller.headers });
        expect(c.root.hiddenAt(root.body.data) ?? null).toBeNull();
      }
    }
  });
});
