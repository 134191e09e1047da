import { Role } from '#platform/infra/schema/shared-types';
import { insertListings } from './helpers/fixtures';
import { errorOf, registerUser, SOURCES, type Session } from './helpers/identity';
import { startTestStack, type TestStack } from './helpers/stack';

/**
 * Who may see what, field by field. The subject is a seller reached as a listing's seller (the
 * way other users meet a User, through `_entities`), and directly where the API offers a path.
 */
type Viewer = 'anonymous' | 'buyer' | 'self' | 'otherSeller' | 'admin';
type Outcome = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN';

const VIEWERS: Viewer[] = ['anonymous', 'buyer', 'self', 'otherSeller', 'admin'];
const PUBLIC: Record<Viewer, Outcome> = { anonymous: 'ok', buyer: 'ok', self: 'ok', otherSeller: 'ok', admin: 'ok' };
const SELF_OR_ADMIN: Record<Viewer, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  buyer: 'FORBIDDEN',
  self: 'ok',
  otherSeller: 'FORBIDDEN',
  admin: 'ok',
};
const ADMIN_ONLY: Record<Viewer, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  buyer: 'FORBIDDEN',
  self: 'FORBIDDEN',
  otherSeller: 'FORBIDDEN',
  admin: 'ok',
};
const SIGNED_IN: Record<Viewer, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  buyer: 'ok',
  self: 'ok',
  otherSeller: 'ok',
  admin: 'ok',
};

const USER_FIELDS: [string, Record<Viewer, Outcome>][] = [
  ['id', PUBLIC],
  ['displayName', PUBLIC],
  ['roles', PUBLIC],
  ['province', PUBLIC],
  ['createdAt', PUBLIC],
  ['email', SELF_OR_ADMIN],
  ['consents { id status }', SELF_OR_ADMIN],
  ['consents(status: ACTIVE) { id }', SELF_OR_ADMIN],
];

const ROOT_FIELDS: [string, string, Record<Viewer, Outcome>][] = [
  ['me', '{ me { id } }', PUBLIC],
  ['user', 'query($id: ID!) { user(id: $id) { id } }', ADMIN_ONLY],
  ['users', '{ users(first: 1) { totalCount } }', ADMIN_ONLY],
  ['myConsents', '{ myConsents { id } }', SIGNED_IN],
  ['auditLog', '{ auditLog(first: 1) { totalCount } }', ADMIN_ONLY],
  ['verifyAuditLog', '{ verifyAuditLog { valid } }', ADMIN_ONLY],
  ['partnerClients', '{ partnerClients { id } }', ADMIN_ONLY],
];

let t: TestStack;
let seller: Session;
let listingId: string;
const tokens: Partial<Record<Viewer, string>> = {};

beforeAll(async () => {
  t = await startTestStack({ env: { RATE_LIMIT_REGISTER_PER_IP: '1000' } });
  seller = await registerUser(t, { roles: ['SELLER'], province: 'GAUTENG' });
  const buyer = await registerUser(t, { roles: ['BUYER'] });
  const otherSeller = await registerUser(t, { roles: ['SELLER'] });
  const admin = await registerUser(t);
  tokens.self = seller.accessToken;
  tokens.buyer = buyer.accessToken;
  tokens.otherSeller = otherSeller.accessToken;
  tokens.admin = await t.tokenFor(admin.id, [Role.ADMIN]);
  const grant = await t.gql(
    `mutation($i: GrantConsentInput!) { grantConsent(input: $i) { id } }`,
    {
      i: {
        dataSourceId: SOURCES.suppliers,
        accessLevel: 'BASIC',
        purpose: 'Matching with supplier offers',
        consentVersion: 'v1',
      },
    },
    { token: seller.accessToken },
  );
  expect(grant.body.errors).toBeUndefined();
  [{ id: listingId }] = await insertListings(t.stack, [seller], 1);
});

afterAll(async () => {
  await t?.stop();
});

function outcomeOf(res: { body: { data?: any; errors?: { extensions?: Record<string, any> }[] } }): Outcome | string {
  const error = errorOf(res as never);
  return error ? String(error.extensions?.code) : 'ok';
}

const cases = USER_FIELDS.flatMap(([field, rule]) => VIEWERS.map((viewer) => [field, viewer, rule[viewer]] as const));

describe('User fields reached as a listing seller (through _entities)', () => {
  it.each(cases)('User.%s for %s → %s', async (field, viewer, expected) => {
    const res = await t.gql(
      `query($id: ID!) { listing(id: $id) { seller { ${field} } } }`,
      { id: listingId },
      { token: tokens[viewer] },
    );
    expect(outcomeOf(res)).toBe(expected);
    if (expected === 'ok') expect(res.body.data.listing.seller).toBeDefined();
    else expect(JSON.stringify(res.body.data)).not.toContain(seller.email);
  });
});

describe('User fields reached through user(id) and me', () => {
  it.each(USER_FIELDS.map(([field]) => [field]))(
    'user(id).%s is for ADMIN only; me.%s is always the viewer’s own',
    async (field) => {
      for (const viewer of VIEWERS) {
        const res = await t.gql(
          `query($id: ID!) { user(id: $id) { ${field} } }`,
          { id: seller.id },
          { token: tokens[viewer] },
        );
        expect([viewer, outcomeOf(res)]).toEqual([viewer, ADMIN_ONLY[viewer]]);
      }
      const me = await t.gql(`{ me { ${field} } }`, {}, { token: seller.accessToken });
      expect(outcomeOf(me)).toBe('ok');
    },
  );

  it('shows the seller their own consents and email through me, and the admin through user(id)', async () => {
    const expected = {
      email: seller.email,
      consents: [{ status: 'ACTIVE', dataSource: { id: SOURCES.suppliers }, user: { id: seller.id } }],
    };
    const fields = 'email consents { status dataSource { id } user { id } }';
    const admin = await t.gql(
      `query($id: ID!) { user(id: $id) { ${fields} } }`,
      { id: seller.id },
      { token: tokens.admin },
    );
    expect(admin.body.data.user).toEqual(expected);
    const me = await t.gql(`{ me { ${fields} } }`, {}, { token: seller.accessToken });
    expect(me.body.data.me).toEqual(expected);
  });
});

describe('root fields', () => {
  const rootCases = ROOT_FIELDS.flatMap(([name, query, rule]) =>
    VIEWERS.map((viewer) => [name, viewer, rule[viewer], query] as const),
  );
  it.each(rootCases)('%s for %s → %s', async (_name, viewer, expected, query) => {
    const res = await t.gql(query, { id: seller.id }, { token: tokens[viewer] });
    expect(outcomeOf(res)).toBe(expected);
  });

  it('gives anonymous callers a null `me`, not an error', async () => {
    const res = await t.gql(`{ me { id } }`);
    expect(res.body).toEqual({ data: { me: null } });
  });

  it('shows only the caller’s own consents in myConsents', async () => {
    const mine = await t.gql(`{ myConsents { user { id } } }`, {}, { token: seller.accessToken });
    expect(mine.body.data.myConsents).toEqual([{ user: { id: seller.id } }]);
    const buyers = await t.gql(`{ myConsents { id } }`, {}, { token: tokens.buyer });
    expect(buyers.body.data.myConsents).toEqual([]);
  });
});
