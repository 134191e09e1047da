import { randomUUID } from 'node:crypto';
import { REVOCATIONS_PATH } from '#platform/infra/auth/revocation';
import { INTERNAL_SIGNATURE_HEADER, signInternalRequest } from '#platform/infra/auth/gateway-signature';
import { signAccessToken } from '#platform/infra/auth/viewer';
import { loadSigningKeys } from '#platform/infra/auth/keys';
import { Role } from '#platform/infra/schema/shared-types';
import { startTestStack, type GraphQLResponse, type TestStack, sqlOf } from './helpers/stack';
import {
  decodeJwt,
  LOGIN,
  REFRESH,
  registerUser,
  SOURCES,
  STRONG_PASSWORD,
  uniqueEmail,
  type Session,
} from './helpers/identity';
import { waitFor } from './helpers/wait';

/**
 * The revocation model (docs/revocation.md), through the gateway on real PostgreSQL: what
 * identity-consent decides about a person (logout, a replayed refresh token, a role change, an
 * erasure request) ends their access tokens on the very next request, in every subgraph; privileged
 * fields re-read roles from the database; refused tokens say why. Each `it` named after a finding
 * of issue 13 fails on the code before this change.
 */
let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({
    env: {
      RATE_LIMIT_REGISTER_PER_IP: '10000',
      RATE_LIMIT_LOGIN_PER_IP: '10000',
      RATE_LIMIT_REFRESH_PER_IP: '10000',
      RATE_LIMIT_LOGIN_PER_EMAIL: '100',
      SUBGRAPH_TIMEOUT_MS: '30000',
    },
  });
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

const sql = sqlOf(() => t, 'identity-consent');

const ME = `{ me { id roles } }`;
const SET_ROLES = `mutation($id: ID!, $roles: [Role!]!) { setUserRoles(userId: $id, roles: $roles) { id roles } }`;
const CREATE_PARTNER = `mutation($name: String!) { createPartnerClient(name: $name, tier: PREMIUM) { apiKey client { id } } }`;
const LOGOUT = `mutation($token: String!) { logout(refreshToken: $token) }`;
const MATCH = `mutation { requestMatches(input: { productType: HEMP_FIBRE, quantityKg: 20 }) { id } }`;
const CREATE_LISTING = `mutation($input: CreateListingInput!) { createListing(input: $input) { id } }`;
const SET_STATUS = `mutation($id: ID!) { setListingStatus(id: $id, status: ACTIVE) { id } }`;
const PLACE = `mutation($listingId: ID!, $key: String!) { placeOrder(listingId: $listingId, quantityKg: 1, idempotencyKey: $key) { id } }`;
const STORE_CREDENTIAL = `mutation($id: ID!) { storeDataSourceCredential(dataSourceId: $id, credential: "secret-value-123") }`;
const EXTERNAL_OFFERS = `{ externalOffers(first: 5) { totalCount } }`;
const LOG = `mutation { logInteraction(input: { type: SEARCH }) }`;
const MY_CONSENTS = `{ myConsents { id status } }`;
const GRANT = `mutation($id: ID!) { grantConsent(input: { dataSourceId: $id, accessLevel: BASIC, purpose: "Supplier offers in my matches", consentVersion: "2024-11-01" }) { id } }`;
const ERASE = `mutation($userId: ID) { requestErasure(userId: $userId) { id status } }`;
const GET_REQUEST = `query($id: ID!) { dataSubjectRequest(id: $id) { status report { subgraph erased note } } }`;
const LISTINGS = `{ listings(first: 1) { totalCount } }`;

const LISTING_INPUT = {
  title: 'Hemp bales',
  description: 'Baled fibre',
  productType: 'HEMP_FIBRE',
  quantityKg: 500,
  pricePerKg: '45.50',
  province: 'GAUTENG',
  certifications: [],
  socialImpact: { smallScaleFarmer: true, womenOwned: false, youthOwned: false, communityOwned: false },
};

async function login(email: string): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await t.gql(LOGIN, { email, password: STRONG_PASSWORD });
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data.login;
}

/** A real ADMIN: promoted in the database, then signed in (its token carries sid and ver). */
async function realAdmin(): Promise<Session> {
  const user = await registerUser(t);
  await sql(`UPDATE identity.users SET roles = '{ADMIN}' WHERE id = $1`, [user.id]);
  return { ...user, ...(await login(user.email)) };
}

function expectRefused(res: GraphQLResponse, reason: 'TOKEN_REVOKED' | 'TOKEN_EXPIRED' | 'TOKEN_INVALID') {
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
  expect(res.body.data ?? null).toBeNull();
}

function expectOk(res: GraphQLResponse) {
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  expect(res.status).toBe(200);
}

describe('role changes', () => {
  it('a demoted ADMIN can neither re-promote themself nor create a partner key, with the old token or a refreshed one', async () => {
    const admin = await realAdmin();
    const demoted = await realAdmin();
    expectOk(await t.gql(ME, {}, { token: demoted.accessToken }));
    expectOk(await t.gql(SET_ROLES, { id: demoted.id, roles: ['BUYER'] }, { token: admin.accessToken }));

    expectRefused(
      await t.gql(SET_ROLES, { id: demoted.id, roles: ['ADMIN'] }, { token: demoted.accessToken }),
      'TOKEN_REVOKED',
    );
    expectRefused(
      await t.gql(CREATE_PARTNER, { name: 'Rogue Partner' }, { token: demoted.accessToken }),
      'TOKEN_REVOKED',
    );

    // The session lives on: the next refresh gives a token with the new roles, and those are not ADMIN.
    const refreshed = (await t.gql(REFRESH, { token: demoted.refreshToken })).body.data.refreshToken;
    expect(decodeJwt(refreshed.accessToken).payload.roles).toEqual(['BUYER']);
    expect(
      (await t.gql(SET_ROLES, { id: demoted.id, roles: ['ADMIN'] }, { token: refreshed.accessToken })).body.errors?.[0]
        .extensions?.code,
    ).toBe('FORBIDDEN');
    expect(
      (await t.gql(CREATE_PARTNER, { name: 'Rogue Partner' }, { token: refreshed.accessToken })).body.errors?.[0]
        .extensions?.code,
    ).toBe('FORBIDDEN');
    const [row] = await sql(`SELECT roles FROM identity.users WHERE id = $1`, [demoted.id]);
    expect(row.roles).toEqual(['BUYER']);
    expect(await sql(`SELECT 1 FROM identity.partner_clients WHERE name = 'Rogue Partner'`)).toHaveLength(0);
  });

  it('privileged fields re-read the roles in the database: an ADMIN token of a user no longer ADMIN there is refused', async () => {
    const admin = await realAdmin();
    const target = await registerUser(t);
    // Demoted behind the revocation model's back (no revocation recorded): only the database knows.
    await sql(`UPDATE identity.users SET roles = '{BUYER}' WHERE id = $1`, [admin.id]);
    for (const [query, variables] of [
      [SET_ROLES, { id: target.id, roles: ['ADMIN'] }],
      [CREATE_PARTNER, { name: 'Stale Admin Partner' }],
      [`{ partnerClients { id } }`, {}],
      [`{ auditLog(first: 1) { totalCount } }`, {}],
      [`{ verifyAuditLog { valid } }`, {}],
      [`{ users(first: 1) { totalCount } }`, {}],
      [`query($id: ID!) { user(id: $id) { id } }`, { id: target.id }],
      [ERASE, { userId: target.id }],
    ] as const) {
      const res = await t.gql(query, variables, { token: admin.accessToken });
      expect({ query, code: res.body.errors?.[0].extensions?.code }).toEqual({ query, code: 'FORBIDDEN' });
    }
    const [row] = await sql(`SELECT roles, erasure_requested_at FROM identity.users WHERE id = $1`, [target.id]);
    expect(row).toEqual({ roles: ['BUYER'], erasure_requested_at: null });
  });

  it('a demoted SELLER can no longer create listings', async () => {
    const admin = await realAdmin();
    const seller = await registerUser(t, { roles: ['SELLER'] });
    expectOk(await t.gql(CREATE_LISTING, { input: LISTING_INPUT }, { token: seller.accessToken }));
    expectOk(await t.gql(SET_ROLES, { id: seller.id, roles: ['BUYER'] }, { token: admin.accessToken }));
    expectRefused(
      await t.gql(CREATE_LISTING, { input: LISTING_INPUT }, { token: seller.accessToken }),
      'TOKEN_REVOKED',
    );
    const refreshed = (await t.gql(REFRESH, { token: seller.refreshToken })).body.data.refreshToken;
    expect(
      (await t.gql(CREATE_LISTING, { input: LISTING_INPUT }, { token: refreshed.accessToken })).body.errors?.[0]
        .extensions?.code,
    ).toBe('FORBIDDEN');
  });
});

describe('logout and stolen refresh tokens', () => {
  it('logout ends the access token for me and requestMatches, and only that session', async () => {
    const user = await registerUser(t);
    const other = await login(user.email);
    expectOk(await t.gql(MATCH, {}, { token: user.accessToken }));
    expectOk(await t.gql(LOGOUT, { token: user.refreshToken }));
    expectRefused(await t.gql(ME, {}, { token: user.accessToken }), 'TOKEN_REVOKED');
    expectRefused(await t.gql(MATCH, {}, { token: user.accessToken }), 'TOKEN_REVOKED');
    // Another session of the same user is untouched.
    const me = await t.gql(ME, {}, { token: other.accessToken });
    expectOk(me);
    expect(me.body.data.me.id).toBe(user.id);
    expectOk(await t.gql(MATCH, {}, { token: other.accessToken }));
  });

  it('replaying a rotated refresh token ends every access token of the session', async () => {
    const user = await registerUser(t);
    const rotated = (await t.gql(REFRESH, { token: user.refreshToken })).body.data.refreshToken;
    expectOk(await t.gql(ME, {}, { token: rotated.accessToken }));
    // The thief replays the old refresh token: refused, and the family is revoked.
    expect((await t.gql(REFRESH, { token: user.refreshToken })).body.errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    for (const token of [user.accessToken, rotated.accessToken]) {
      expectRefused(await t.gql(ME, {}, { token }), 'TOKEN_REVOKED');
      expectRefused(await t.gql(MATCH, {}, { token }), 'TOKEN_REVOKED');
    }
  });

  it('many users at once: each logout ends exactly that user’s token, and nobody sees anyone else', async () => {
    // Registration is scrypt-bound: a few at a time; the logouts and reads below all run at once.
    const users: Session[] = [];
    for (let i = 0; i < 6; i++) users.push(...(await Promise.all(Array.from({ length: 4 }, () => registerUser(t)))));
    const leaving = new Set(users.filter((_, i) => i % 2 === 0).map((u) => u.id));
    await Promise.all(
      users.filter((u) => leaving.has(u.id)).map(async (u) => expectOk(await t.gql(LOGOUT, { token: u.refreshToken }))),
    );
    const answers = await Promise.all(
      users.map(async (u) => ({ u, res: await t.gql(ME, {}, { token: u.accessToken }) })),
    );
    for (const { u, res } of answers) {
      if (leaving.has(u.id)) expectRefused(res, 'TOKEN_REVOKED');
      else expect(res.body.data.me.id).toBe(u.id);
    }
  });
});

describe('erasure', () => {
  it('from the moment it is requested: the token fails in every subgraph, consents are WITHDRAWN and audited, sign-in is refused', async () => {
    const seller = await registerUser(t, { roles: ['SELLER'] });
    const listingId = (await t.gql(CREATE_LISTING, { input: LISTING_INPUT }, { token: seller.accessToken })).body.data
      .createListing.id;
    expectOk(await t.gql(SET_STATUS, { id: listingId }, { token: seller.accessToken }));
    const subject = await registerUser(t, { roles: ['BUYER', 'SELLER'], email: uniqueEmail('erased') });
    const token = subject.accessToken;
    expectOk(await t.gql(GRANT, { id: SOURCES.suppliers }, { token }));
    expectOk(await t.gql(MY_CONSENTS, {}, { token }));

    const requested = await t.gql(ERASE, {}, { token });
    expectOk(requested);
    const requestId = requested.body.data.requestErasure.id;

    // The very next requests, while the erasure runs: refused in all four subgraphs.
    const attempts: Array<[string, string, Record<string, unknown>]> = [
      ['createListing', CREATE_LISTING, { input: LISTING_INPUT }],
      ['placeOrder', PLACE, { listingId, key: randomUUID() }],
      ['requestMatches', MATCH, {}],
      ['storeDataSourceCredential', STORE_CREDENTIAL, { id: SOURCES.suppliers }],
      ['externalOffers', EXTERNAL_OFFERS, {}],
      ['logInteraction', LOG, {}],
      ['myConsents', MY_CONSENTS, {}],
      ['me', ME, {}],
    ];
    for (const [name, query, variables] of attempts) {
      const res = await t.gql(query, variables, { token });
      expect({ name, status: res.status, reason: res.body.errors?.[0].extensions?.reason }).toEqual({
        name,
        status: 401,
        reason: 'TOKEN_REVOKED',
      });
    }
    // The subgraphs refuse it themselves too (they may sit behind Hive Gateway or Apollo Router).
    for (const name of ['listings-matching', 'external-sources', 'analytics', 'identity-consent'] as const) {
      expect(
        t.stack.subgraphs[name].deps.revocations.check({ sub: subject.id, iat: Math.floor(Date.now() / 1000) }),
      ).toBe('TOKEN_REVOKED');
    }

    const consents = await sql(`SELECT status, withdrawn_at FROM identity.consents WHERE user_id = $1`, [subject.id]);
    expect(consents).toEqual([{ status: 'WITHDRAWN', withdrawn_at: expect.any(Date) }]);
    const audit = await sql(
      `SELECT details FROM identity.audit_events WHERE action = 'consent.withdrawn' AND subject_id = $1`,
      [subject.id],
    );
    expect(audit).toEqual([{ details: expect.objectContaining({ reason: 'erasure_requested', requestId }) }]);
    expect(
      (await t.gql(LOGIN, { email: subject.email, password: STRONG_PASSWORD })).body.errors?.[0].extensions?.code,
    ).toBe('UNAUTHENTICATED');
    expect((await t.gql(REFRESH, { token: subject.refreshToken })).body.errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );

    // It completes, says what happened to writes during the run, and asking again is harmless.
    const admin = await realAdmin();
    const done = await waitFor(async () => {
      const r = (await t.gql(GET_REQUEST, { id: requestId }, { token: admin.accessToken })).body.data
        .dataSubjectRequest;
      return r.status === 'PENDING' ? null : r;
    });
    expect(done.status).toBe('COMPLETED');
    for (const part of done.report) expect(part.note).toMatch(/writes refused from the request on/);
    const again = await t.gql(ERASE, { userId: subject.id }, { token: admin.accessToken });
    expectOk(again);
    expect(
      await sql(`SELECT count(*)::int AS n FROM identity.revocations WHERE kind = 'erasure' AND user_id = $1`, [
        subject.id,
      ]),
    ).toEqual([{ n: 1 }]);
    expect(
      await sql(`SELECT count(*)::int AS n FROM identity.consents WHERE user_id = $1 AND status = 'ACTIVE'`, [
        subject.id,
      ]),
    ).toEqual([{ n: 0 }]);
  });
});

describe('token errors clients can act on', () => {
  async function expired(userId: string) {
    const keys = await loadSigningKeys(t.config.JWT_PRIVATE_KEYS, t.config.DATA_DIR);
    return (
      await signAccessToken(
        keys,
        { userId, roles: [Role.BUYER] },
        { issuer: t.config.JWT_ISSUER, audience: t.config.JWT_AUDIENCE, ttlSeconds: -60 },
      )
    ).token;
  }

  it('says TOKEN_EXPIRED, TOKEN_INVALID or TOKEN_REVOKED with 401 and a bearer challenge', async () => {
    const user = await registerUser(t);
    expectRefused(await t.gql(ME, {}, { token: await expired(user.id) }), 'TOKEN_EXPIRED');
    const [h, p] = user.accessToken.split('.');
    expectRefused(await t.gql(ME, {}, { token: `${h}.${p}.${'A'.repeat(86)}` }), 'TOKEN_INVALID');
    expectRefused(await t.gql(ME, {}, { token: 'garbage' }), 'TOKEN_INVALID');
    expectRefused(await t.gql(ME, {}, { headers: { authorization: 'Basic abc' } }), 'TOKEN_INVALID');
    expectOk(await t.gql(LOGOUT, { token: user.refreshToken }));
    expectRefused(await t.gql(ME, {}, { token: user.accessToken }), 'TOKEN_REVOKED');
  });

  it('answers a public query with a stale token as anonymous, with a warning; anything needing sign-in gets the 401', async () => {
    const user = await registerUser(t);
    const stale = await expired(user.id);
    const res = await t.gql(LISTINGS, {}, { token: stale });
    expectOk(res);
    expect(res.body.data.listings.totalCount).toEqual(expect.any(Number));
    expect((res.body as any).extensions.warnings).toEqual([
      expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' }),
    ]);
    const withFragment = await t.gql(
      `query Catalogue { ...F } fragment F on Query { dataSources { id } }`,
      {},
      { token: 'garbage' },
    );
    expectOk(withFragment);
    expect((withFragment.body as any).extensions.warnings[0].reason).toBe('TOKEN_INVALID');

    expectRefused(
      await t.gql(`{ listings(first: 1) { totalCount } me { id } }`, {}, { token: stale }),
      'TOKEN_EXPIRED',
    );
    expectRefused(await t.gql(MATCH, {}, { token: stale }), 'TOKEN_EXPIRED');
    // A valid token gets no warning.
    const fine = await t.gql(LISTINGS, {}, { token: user.accessToken });
    expect((fine.body as any).extensions?.warnings).toBeUndefined();
  });
});

describe('how fast', () => {
  it('refuses a revoked token on the very next request in this process (delay measured and printed)', async () => {
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      const user = await registerUser(t);
      expectOk(await t.gql(LOGOUT, { token: user.refreshToken }));
      const revokedAt = performance.now();
      const res = await t.gql(MATCH, {}, { token: user.accessToken });
      expectRefused(res, 'TOKEN_REVOKED');
      delays.push(performance.now() - revokedAt);
    }
    delays.sort((a, b) => a - b);
    console.log(
      `revocation, one process: refused on the very next request ${delays.length}/${delays.length} times; that request took p50 ${delays[5].toFixed(1)} ms, max ${delays[9].toFixed(1)} ms`,
    );
  });
});

describe("held reads of the log (other services' views)", () => {
  /** A signed read of identity-consent's log, as another service's view makes it. */
  async function readLog(query: string): Promise<{ status: number; body: any; ms: number }> {
    const started = performance.now();
    const pathWithQuery = `${REVOCATIONS_PATH}${query}`;
    const res = await fetch(new URL(pathWithQuery, t.stack.subgraphs['identity-consent'].url), {
      headers: {
        [INTERNAL_SIGNATURE_HEADER]: signInternalRequest(t.config.INTERNAL_SECRET, 'GET', pathWithQuery),
      },
    });
    return { status: res.status, body: await res.json(), ms: performance.now() - started };
  }

  it('holds a read with the current token until a decision, then answers with it at once', async () => {
    const user = await registerUser(t);
    const first = await readLog('');
    expect(first.status).toBe(200);
    const since = first.body.now - 5000;
    const held = readLog(`?since=${since}&token=${first.body.token}&waitMs=8000`);
    let answered = false;
    void held.then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(answered).toBe(false);

    expectOk(await t.gql(LOGOUT, { token: user.refreshToken }));
    const loggedOutAt = performance.now();
    const after = await held;
    expect(performance.now() - loggedOutAt).toBeLessThan(1000);
    expect(after.status).toBe(200);
    expect(after.body.token).not.toBe(first.body.token);
    expect(after.body.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'session', userId: decodeJwt(user.accessToken).payload.sub }),
      ]),
    );

    // A token that is no longer current is answered at once (the caller has something to catch up on).
    const stale = await readLog(`?since=${since}&token=${first.body.token}&waitMs=8000`);
    expect(stale.ms).toBeLessThan(1000);
    // Without a change, the hold ends at waitMs with the same token.
    const quiet = await readLog(`?since=${after.body.now}&token=${after.body.token}&waitMs=300`);
    expect(quiet.ms).toBeGreaterThanOrEqual(250);
    expect(quiet.body.token).toBe(after.body.token);
  });

  it('refuses a malformed token or wait', async () => {
    expect((await readLog('?token=x;y&waitMs=10')).status).toBe(400);
    expect((await readLog('?token=ab.1&waitMs=-1')).status).toBe(400);
    expect((await readLog('?token=ab.1&waitMs=1000000')).status).toBe(400);
  });
});
