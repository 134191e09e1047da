import { Role } from '#platform/infra/schema/shared-types';
import { randomUUID } from 'node:crypto';
import { LOGIN, registerUser, SOURCES, STRONG_PASSWORD } from './helpers/identity';
import { startTestStack, type TestStack } from './helpers/stack';
import { EMBEDDED_START_TIMEOUT_MS } from './helpers/wait';
import { dataSubjectCalls } from './helpers/data-subject';

/**
 * `npm start` runs on the embedded database (one session, transactions queued): the export and the
 * erasure — four subgraphs' transactions at once, the analytics trigger, UPDATE … RETURNING — must work there too.
 */
let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ embedded: true });
}, EMBEDDED_START_TIMEOUT_MS);

afterAll(async () => {
  await t?.stop();
});

const { settled } = dataSubjectCalls(() => t);

it('exports and erases a user across the four subgraphs on PGlite', async () => {
  const displayName = `Sipho Embedded-${randomUUID().slice(0, 8)}`;
  const user = await registerUser(t, { displayName, roles: ['BUYER', 'SELLER'] });
  const token = user.accessToken;
  const listing = await t.gql(
    `mutation($i: CreateListingInput!) { createListing(input: $i) { id } }`,
    {
      i: {
        title: `Bales by ${displayName}`,
        productType: 'HEMP_FIBRE',
        quantityKg: 50,
        pricePerKg: '40.00',
        province: 'LIMPOPO',
        certifications: [],
        socialImpact: { smallScaleFarmer: true, womenOwned: false, youthOwned: false, communityOwned: false },
      },
    },
    { token },
  );
  expect(listing.body.errors).toBeUndefined();
  expect(
    (
      await t.gql(
        `mutation($id: ID!, $c: String!) { storeDataSourceCredential(dataSourceId: $id, credential: $c) }`,
        { id: SOURCES.exchange, c: 'token-123' },
        { token },
      )
    ).body.errors,
  ).toBeUndefined();
  expect(
    (
      await t.gql(
        `mutation($i: LogInteractionInput!) { logInteraction(input: $i) }`,
        { i: { type: 'SEARCH', metadata: { who: user.email } } },
        { token },
      )
    ).body.errors,
  ).toBeUndefined();

  const exportRes = await t.gql(`mutation { requestDataExport { id } }`, {}, { token });
  const exported = await settled(exportRes.body.data.requestDataExport.id, token);
  expect(exported.status).toBe('COMPLETED');
  expect(exported.export.subgraphs['identity-consent'].profile.email).toBe(user.email);
  expect(exported.export.subgraphs['listings-matching'].listings).toHaveLength(1);
  expect(exported.export.subgraphs['external-sources'].storedCredentials).toHaveLength(1);
  expect(exported.export.subgraphs.analytics.interactions.length).toBeGreaterThanOrEqual(1);

  const erasureRes = await t.gql(`mutation { requestErasure { id } }`, {}, { token });
  // The subject's token ended with the request (docs/revocation.md): an admin follows it.
  const admin = await t.tokenFor((await registerUser(t)).id, [Role.ADMIN]);
  const erased = await settled(erasureRes.body.data.requestErasure.id, admin);
  expect(erased.status).toBe('COMPLETED');
  expect(erased.report.map((r: any) => r.subgraph)).toEqual([
    'identity-consent',
    'listings-matching',
    'external-sources',
    'analytics',
  ]);
  const db = t.stack.subgraphs['identity-consent'].deps.db.dataSource;
  const [users] = await db.query(
    `SELECT count(*)::int AS n FROM identity.users WHERE email = $1 OR display_name = $2`,
    [user.email, displayName],
  );
  expect(users.n).toBe(0);
  const [listings] = await db.query(`SELECT count(*)::int AS n FROM listings.listings WHERE title LIKE $1`, [
    `%${displayName}%`,
  ]);
  expect(listings.n).toBe(0);
  const [interactions] = await db.query(
    `SELECT count(*)::int AS n FROM analytics.interactions WHERE metadata::text LIKE $1`,
    [`%${user.email}%`],
  );
  expect(interactions.n).toBe(0);
  expect((await t.gql(LOGIN, { email: user.email, password: STRONG_PASSWORD })).body.errors?.[0].extensions?.code).toBe(
    'UNAUTHENTICATED',
  );
});
