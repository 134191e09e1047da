import { randomUUID } from 'node:crypto';
import { signedHeaders } from './helpers/signed';
import type { SubgraphName } from '#platform/infra/config';
import { encodeCursor } from '#platform/infra/schema/connection';
import { Role } from '#platform/infra/schema/shared-types';
import { insertListings, insertUsers } from './helpers/fixtures';
import { registerUser, uniqueEmail, STRONG_PASSWORD, REGISTER } from './helpers/identity';
import { startTestStack, type TestStack } from './helpers/stack';
import { post } from './helpers/http';

/**
 * Bounded work and bad input (issue 14, items 1, 2 and 8): operations are priced with their
 * variables before any subgraph is called, and again in each subgraph; responses have a size
 * budget; malformed text, cursors, bytes and variables are BAD_USER_INPUT, never a masked 500.
 */
const RESPONSE_MAX_BYTES = 16_384;
const NESTED = /* GraphQL */ `
  query Nested($f: Int) {
    listings(first: $f) {
      edges {
        node {
          id
          seller {
            listings(first: $f) {
              edges {
                node {
                  id
                  seller {
                    listings(first: $f) {
                      edges {
                        node {
                          id
                          title
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`;

let t: TestStack;
let seller: { id: string };
let sellerToken: string;
let adminToken: string;
let buyerToken: string;
const subgraphRequests: Record<string, number> = {};

beforeAll(async () => {
  t = await startTestStack({
    env: { RESPONSE_MAX_BYTES: String(RESPONSE_MAX_BYTES), RATE_LIMIT_REGISTER_PER_IP: '1000' },
  });
  [seller] = await insertUsers(t.stack, 1, [Role.SELLER]);
  const [admin] = await insertUsers(t.stack, 1, [Role.ADMIN]);
  await insertListings(t.stack, [seller], 60);
  sellerToken = await t.tokenFor(seller.id, [Role.SELLER]);
  adminToken = await t.tokenFor(admin.id, [Role.ADMIN]);
  buyerToken = (await registerUser(t, { roles: ['BUYER'] })).accessToken;
  for (const [name, sub] of Object.entries(t.stack.subgraphs)) {
    subgraphRequests[name] = 0;
    // GraphQL calls only: the services' own background polls (the revocation log) are not the gateway's doing
    sub.http.server.on('request', (req: { url?: string }) => {
      if ((req.url ?? '').startsWith('/graphql')) subgraphRequests[name] += 1;
    });
  }
});
afterAll(async () => t?.stop());

const totalSubgraphRequests = () => Object.values(subgraphRequests).reduce((a, b) => a + b, 0);

/** A request straight to a subgraph, signed as the gateway would sign it (a subgraph behind some other gateway). */
async function toSubgraph(name: SubgraphName, body: string, token?: string) {
  const url = t.stack.subgraphs[name].url;
  const headers = signedHeaders(t.config.GATEWAY_SECRET, url, body, {
    'x-request-id': randomUUID(),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });
  const res = await fetch(url, { method: 'POST', headers, body });
  return {
    status: res.status,
    body: (await res.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> },
  };
}

function expectBadInput(
  res: { status: number; body: { errors?: Array<{ extensions?: Record<string, any> }> } },
  reason?: string,
) {
  expect(res.status).toBeLessThan(500);
  expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  if (reason) expect(res.body.errors?.[0]?.extensions?.reason).toBe(reason);
}

describe('cost is priced with the variables, before any subgraph is called', () => {
  it.each([
    ['a page size passed as a variable', NESTED, { f: 100 }],
    ['a page size from a variable default', NESTED.replace('$f: Int', '$f: Int = 100'), {}],
    ['a page size written as a literal', NESTED.replace('($f: Int)', '').replaceAll('$f', '100'), {}],
    ['a moderate page size that compounds', NESTED, { f: 25 }],
  ])('refuses the nested query with %s', async (_name, query, variables) => {
    const before = totalSubgraphRequests();
    const res = await t.gql(query, variables);
    expect(res.status).toBe(400);
    expectBadInput(res, 'COST_LIMIT');
    expect(res.body.errors?.[0].message).toMatch(/costs \d+, more than the limit of 10000/);
    expect(totalSubgraphRequests()).toBe(before);
  });

  it('serves the same query at a page size within the limit', async () => {
    const res = await t.gql(NESTED, { f: 5 });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.listings.edges).toHaveLength(5);
    expect(res.body.data.listings.edges[0].node.seller.listings.edges[0].node.seller.listings.edges).toHaveLength(5);
  });

  it('refuses variables that do not coerce as BAD_USER_INPUT', async () => {
    const res = await t.gql(NESTED, { f: 'all of them' });
    expectBadInput(res);
  });

  it('each subgraph prices the operation again: the nested query straight to listings-matching', async () => {
    const res = await toSubgraph('listings-matching', JSON.stringify({ query: NESTED, variables: { f: 100 } }));
    expect(res.status).toBe(400);
    expectBadInput(res, 'COST_LIMIT');
  });

  it('a subgraph prices _entities by the number of representations', async () => {
    const representations = Array.from({ length: 100 }, () => ({ __typename: 'User', id: seller.id }));
    const query =
      'query($r: [_Any!]!, $f: Int) { _entities(representations: $r) { ... on User { listings(first: $f) { edges { node { id seller { listings(first: $f) { totalCount } } } } } } } }';
    const refused = await toSubgraph(
      'listings-matching',
      JSON.stringify({ query, variables: { r: representations, f: 100 } }),
    );
    expectBadInput(refused, 'COST_LIMIT');
    const served = await toSubgraph(
      'listings-matching',
      JSON.stringify({ query, variables: { r: representations.slice(0, 2), f: 10 } }),
    );
    expect(served.status).toBe(200);
    expect(served.body.data._entities).toHaveLength(2);
  });
});

describe('response-size budget', () => {
  it('a subgraph refuses a response over its budget with a coded error', async () => {
    const query =
      '{ listings(first: 60) { edges { node { id title description certifications createdAt updatedAt productType province status quantityKg availableKg pricePerKg { amount currency } socialImpact { smallScaleFarmer womenOwned youthOwned communityOwned beeLevel score } } } } }';
    const direct = await toSubgraph('listings-matching', JSON.stringify({ query }));
    expect(direct.status).toBe(200);
    expect(direct.body.data).toBeNull();
    expect(direct.body.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'RESPONSE_TOO_LARGE' });
    const through = await t.gql(query);
    expect(through.status).toBeLessThan(500);
    expect(through.body.errors?.[0].extensions).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'RESPONSE_TOO_LARGE' }),
    );
  });

  it('the gateway refuses a merged response over its budget, though each subgraph stayed within its own', async () => {
    // listings-matching answers ids and seller keys; the gateway repeats the seller's fields under every listing
    const query =
      '{ listings(first: 60) { edges { node { id seller { id displayName province roles createdAt a: displayName b: createdAt c: province d: roles e: createdAt f: displayName g: province } } } } }';
    const res = await t.gql(query);
    expect(res.status).toBe(200);
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'RESPONSE_TOO_LARGE' });
    expect(
      t.logs.some((l) => l.includes('"service":"gateway"') && l.includes('refused a response over the size budget')),
    ).toBe(true);
    expect(
      t.logs.some(
        (l) => l.includes('"service":"identity-consent"') && l.includes('refused a response over the size budget'),
      ),
    ).toBe(false);
  });

  it('a response within the budget is served', async () => {
    const res = await t.gql('{ listings(first: 20) { edges { node { id title } } } }');
    expect(res.status).toBe(200);
    expect(res.body.data.listings.edges).toHaveLength(20);
  });
});

describe('bad text is BAD_USER_INPUT', () => {
  const CREATE = /* GraphQL */ `
    mutation Create($input: CreateListingInput!) {
      createListing(input: $input) {
        id
        title
      }
    }
  `;
  const input = (title: string, extra: Record<string, unknown> = {}) => ({
    title,
    productType: 'HEMP_FIBRE',
    quantityKg: 10,
    pricePerKg: '40.00',
    province: 'GAUTENG',
    certifications: [],
    socialImpact: { smallScaleFarmer: false, womenOwned: false, youthOwned: false, communityOwned: false },
    ...extra,
  });

  it.each([
    ['a NUL byte', 'Hemp\u0000 lot'],
    ['a bell', 'Hemp\u0007 lot'],
    ['an ANSI escape', '\u001b[2JHemp lot'],
    ['DEL', 'Hemp\u007f lot'],
    ['a C1 control', 'Hemp\u0085 lot'],
    ['a right-to-left override', 'Hemp lot \u202Egpj.exe'],
    ['a bidi isolate', 'Hemp \u2067lot\u2069'],
    ['a lone surrogate', 'Hemp \ud800 lot'],
    ['only zero-width characters', '\u200B\u200C\u200D\u2060\uFEFF'],
    ['only zero-width characters and spaces', ' \u200B \u200B \u200B '],
  ])('a listing title with %s', async (_name, title) => {
    const res = await t.gql(CREATE, { input: input(title) }, { token: sellerToken });
    expectBadInput(res);
  });

  it('a NUL in a description, a certification and a search text', async () => {
    expectBadInput(
      await t.gql(CREATE, { input: input('Hemp lot', { description: 'dry\u0000' }) }, { token: sellerToken }),
    );
    expectBadInput(
      await t.gql(CREATE, { input: input('Hemp lot', { certifications: ['organic\u0000'] }) }, { token: sellerToken }),
    );
    expectBadInput(
      await t.gql('query($f: ListingFilter) { listings(filter: $f) { totalCount } }', { f: { text: 'hemp\u0000' } }),
    );
  });

  it('a NUL written as an escape in a literal of the query', async () => {
    const res = await t.gql('{ listings(filter: { text: "hemp\\u0000seed" }) { totalCount } }');
    expectBadInput(res, 'INVALID_INPUT');
  });

  it('a NUL inside a JSON scalar, as a value and as a key', async () => {
    const log = 'mutation($i: LogInteractionInput!) { logInteraction(input: $i) }';
    expectBadInput(
      await t.gql(log, { i: { type: 'SEARCH', metadata: { q: { deep: ['x\u0000'] } } } }, { token: buyerToken }),
    );
    expectBadInput(await t.gql(log, { i: { type: 'SEARCH', metadata: { ['k\u0000']: 1 } } }, { token: buyerToken }));
  });

  it('a display name of zero-width characters only, and a NUL in an e-mail address', async () => {
    expectBadInput(
      await t.gql(REGISTER, {
        input: { email: uniqueEmail(), password: STRONG_PASSWORD, displayName: '\u200B\u200B\u200B', roles: ['BUYER'] },
      }),
    );
    expectBadInput(
      await t.gql(REGISTER, {
        input: { email: `a\u0000${uniqueEmail()}`, password: STRONG_PASSWORD, displayName: 'Thandi', roles: ['BUYER'] },
      }),
    );
  });

  it('a subgraph refuses forbidden text on its own', async () => {
    const res = await toSubgraph(
      'listings-matching',
      JSON.stringify({
        query: 'query($f: ListingFilter) { listings(filter: $f) { totalCount } }',
        variables: { f: { text: 'a\u202Eb' } },
      }),
    );
    expect(res.status).toBe(400);
    expectBadInput(res, 'INVALID_INPUT');
  });

  it('ordinary text in many scripts is kept', async () => {
    const title = 'Insangu 🌿 قنب — Hemp “lot” ñ';
    const res = await t.gql(
      CREATE,
      { input: input(title, { description: 'line one\nline two\ttabbed' }) },
      { token: sellerToken },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.createListing.title).toBe(title);
  });
});

describe('malformed cursors are BAD_USER_INPUT on every connection', () => {
  const uuid = '00000000-0000-4000-8000-000000000000';
  const SHAPES: Array<[string, string]> = [
    ['not base64url', 'not a cursor!'],
    ['base64 of plain text', Buffer.from('hello').toString('base64url')],
    ['an empty list', encodeCursor([])],
    ['too many values', encodeCursor(['2024-01-01T00:00:00.000Z', uuid, 'x'])],
    ['a bad timestamp', encodeCursor(['not-a-time', uuid])],
    ['a timestamp in year 99999', encodeCursor(['99999-01-01T00:00:00.000Z', uuid])],
    ['a numeric overflow', encodeCursor(['1.5e400', uuid])],
    ['an SQL fragment', encodeCursor(["1'); DROP TABLE x; --", "1' OR '1'='1"])],
    ['a NUL', Buffer.from('["\\u0000","\\u0000"]').toString('base64url')],
    ['an object', Buffer.from('{"0":"a","1":"b"}').toString('base64url')],
    ['nested lists', Buffer.from('[[1],[2]]').toString('base64url')],
    ['booleans and nulls', Buffer.from('[true,null]').toString('base64url')],
    ['a negative sequence', encodeCursor([-5])],
    ['a fractional sequence', encodeCursor([1.5])],
    ['a 100 kB cursor', 'A'.repeat(100_000)],
  ];
  const CONNECTIONS: Array<[string, string, () => string | undefined]> = [
    ['listings (newest)', 'query($a: String) { listings(after: $a) { totalCount edges { cursor } } }', () => undefined],
    [
      'listings (price)',
      'query($a: String) { listings(after: $a, sort: PRICE_ASC) { edges { cursor } } }',
      () => undefined,
    ],
    [
      'listings (social impact)',
      'query($a: String) { listings(after: $a, sort: SOCIAL_IMPACT) { edges { cursor } } }',
      () => undefined,
    ],
    [
      'User.listings',
      `query($a: String) { listing(id: "${uuid}") { id } me { listings(after: $a) { edges { cursor } } } }`,
      () => sellerToken,
    ],
    ['User.orders', 'query($a: String) { me { orders(after: $a) { edges { cursor } } } }', () => buyerToken],
    ['users', 'query($a: String) { users(after: $a) { edges { cursor } } }', () => adminToken],
    ['auditLog', 'query($a: String) { auditLog(after: $a) { edges { cursor } } }', () => adminToken],
    ['crawlRuns', 'query($a: String) { crawlRuns(after: $a) { edges { cursor } } }', () => adminToken],
    ['externalOffers', 'query($a: String) { externalOffers(after: $a) { edges { cursor } } }', () => buyerToken],
    ['featureVectors', 'query($a: String) { featureVectors(after: $a) { edges { cursor } } }', () => adminToken],
  ];
  const cases = CONNECTIONS.flatMap(([name, query, token]) =>
    SHAPES.map(([shape, cursor]) => [`${name}: ${shape}`, query, token, cursor] as const),
  );
  it.each(cases)('%s', async (_name, query, token, cursor) => {
    const res = await t.gql(query, { a: cursor }, { token: token() });
    expect(res.status).toBeLessThan(500);
    const codes = (res.body.errors ?? []).map((e) => e.extensions?.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(codes).not.toContain('INTERNAL_SERVER_ERROR');
    expect(codes).toContain('BAD_USER_INPUT');
  });
});

describe('bytes and nesting', () => {
  it.each([
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['a UTF-16 surrogate in UTF-8', [0xed, 0xa0, 0x80]],
    ['0xFF', [0xff]],
  ])('invalid UTF-8 (%s) in the body', async (_name, bytes) => {
    const body = Buffer.concat([
      Buffer.from('{"query":"{ listings(filter: { text: \\"hemp'),
      Buffer.from(bytes),
      Buffer.from('\\" }) { totalCount } }"}'),
    ]);
    const res = await post(t.gatewayUrl, body);
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['5,000-deep lists', (n: number) => '['.repeat(n) + ']'.repeat(n)],
    ['5,000-deep objects', (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)],
  ])('variables of %s are refused at the gateway and at a subgraph', async (_name, make) => {
    const body = `{"query":"mutation($i: LogInteractionInput!) { logInteraction(input: $i) }","variables":{"i":{"type":"SEARCH","metadata":${make(5000)}}}}`;
    const res = await post(t.gatewayUrl, body);
    expect(res.status).toBe(400);
    expect(res.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(res.json.errors[0].message).toMatch(/nested deeper than 32 levels/);
    const direct = await toSubgraph('analytics', body, buyerToken);
    expect(direct.status).toBe(400);
    expect(direct.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('the documented depth is the boundary', async () => {
    const query = 'mutation($i: LogInteractionInput!) { logInteraction(input: $i) }';
    const nest = (n: number) => {
      let v: unknown = 'leaf';
      for (let i = 0; i < n; i++) v = { a: v };
      return v;
    };
    // the variables object, `i`, and n objects of metadata: 2 + n levels
    const over = await t.gql(query, { i: { type: 'SEARCH', metadata: nest(31) } }, { token: buyerToken });
    expectBadInput(over, 'INVALID_INPUT');
    const within = await t.gql(query, { i: { type: 'SEARCH', metadata: nest(30) } }, { token: buyerToken });
    expect(within.status).toBe(200);
    expect(within.body.errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  });

  it('every service is alive and serving afterwards', async () => {
    const res = await t.gql('{ systemHealth { status services { name status } } dataSources { slug } }');
    expect(res.status).toBe(200);
    expect(res.body.data.dataSources).toHaveLength(3);
    expect(t.logs.filter((l) => l.includes('masked an')).length).toBe(0);
  });
});
