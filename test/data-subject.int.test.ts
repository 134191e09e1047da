import { randomUUID } from 'node:crypto';
import { INTERNAL_SIGNATURE_HEADER, signInternalRequest } from '#platform/infra/auth/gateway-signature';
import { signedSubgraphPost } from './helpers/signed';
import { SUBJECT_ERASE_PATH, SUBJECT_EXPORT_PATH } from '#platform/contracts/data-subject';
import { Role } from '#platform/infra/schema/shared-types';
import {
  expectError,
  LOGIN,
  REFRESH,
  registerUser,
  SOURCES,
  STRONG_PASSWORD,
  uniqueEmail,
  type Session,
} from './helpers/identity';
import { startTestStack, type TestStack } from './helpers/stack';
import { waitFor } from './helpers/wait';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({
    env: {
      RATE_LIMIT_REGISTER_PER_IP: '1000',
      RATE_LIMIT_CONSENT_PER_USER: '1000',
      RATE_LIMIT_LOGIN_PER_IP: '1000',
      DATA_SUBJECT_TIMEOUT_MS: '5000',
    },
  });
});

afterAll(async () => {
  await t?.stop();
});

const sql = (text: string, params: unknown[] = []) =>
  t.stack.subgraphs['identity-consent'].deps.db.dataSource.query(text, params);

const REQUEST_FIELDS =
  'id type status subjectId requestedAt completedAt export report { subgraph erased retained reason } failureReason';
const REQUEST_EXPORT = `mutation { requestDataExport { ${REQUEST_FIELDS} } }`;
const REQUEST_ERASURE = `mutation($userId: ID) { requestErasure(userId: $userId) { ${REQUEST_FIELDS} } }`;
const GET_REQUEST = `query($id: ID!) { dataSubjectRequest(id: $id) { ${REQUEST_FIELDS} } }`;

const CREATE_LISTING = `mutation($input: CreateListingInput!) { createListing(input: $input) { id } }`;
const SET_STATUS = `mutation($id: ID!, $status: ListingStatus!) { setListingStatus(id: $id, status: $status) { id status } }`;
const PLACE = `mutation($listingId: ID!, $q: Float!, $key: String!) { placeOrder(listingId: $listingId, quantityKg: $q, idempotencyKey: $key) { id status } }`;
const CANCEL = `mutation($id: ID!) { cancelOrder(id: $id) { id status } }`;
const MATCH = `mutation($input: MatchInput!) { requestMatches(input: $input) { id } }`;
const GRANT = `mutation($input: GrantConsentInput!) { grantConsent(input: $input) { id } }`;
const STORE_CREDENTIAL = `mutation($id: ID!, $credential: String!) { storeDataSourceCredential(dataSourceId: $id, credential: $credential) }`;
const LOG = `mutation($input: LogInteractionInput!) { logInteraction(input: $input) }`;

async function ok<T = any>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const res = await t.gql(query, variables, { token });
  if (res.body.errors) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(res.body.errors)}`);
  return res.body.data;
}

async function listing(token: string, title: string, description: string): Promise<string> {
  const { createListing } = await ok(
    CREATE_LISTING,
    {
      input: {
        title,
        description,
        productType: 'HEMP_FIBRE',
        quantityKg: 500,
        pricePerKg: '45.50',
        province: 'GAUTENG',
        certifications: ['organic'],
        socialImpact: {
          smallScaleFarmer: true,
          womenOwned: true,
          youthOwned: false,
          communityOwned: false,
          beeLevel: 2,
        },
      },
    },
    token,
  );
  await ok(SET_STATUS, { id: createListing.id, status: 'ACTIVE' }, token);
  return createListing.id;
}

function uniqueName(): string {
  return `Nomvula Zwane-${randomUUID().slice(0, 8)}`;
}

interface Subject {
  session: Session;
  displayName: string;
  ownListingId: string;
  credential: string;
}

/**
 * A user with data in every subgraph: a consent, a listing of their own (ordered by someone else),
 * an order they placed and one they cancelled on another seller's listing, a match request, a
 * stored credential and interactions whose metadata repeats their e-mail address.
 */
async function subjectWithData(otherSeller: Session, otherBuyer: Session): Promise<Subject> {
  const displayName = uniqueName();
  const session = await registerUser(t, { displayName, roles: ['BUYER', 'SELLER'], email: uniqueEmail('subject') });
  const token = session.accessToken;
  await ok(
    GRANT,
    {
      input: {
        dataSourceId: SOURCES.suppliers,
        accessLevel: 'BASIC',
        purpose: 'Show supplier offers in my matches',
        consentVersion: '2024-11-01',
      },
    },
    token,
  );
  const ownListingId = await listing(
    token,
    `Hemp bales from ${displayName}`,
    `Grown by ${displayName}; write to ${session.email}`,
  );
  const otherListingId = await listing(otherSeller.accessToken, 'Hemp seed for sowing', 'Certified seed');
  await ok(PLACE, { listingId: otherListingId, q: 5, key: `kept-${session.email}` }, token);
  const cancelled = await ok(PLACE, { listingId: otherListingId, q: 2, key: 'to-cancel' }, token);
  await ok(CANCEL, { id: cancelled.placeOrder.id }, token);
  await ok(PLACE, { listingId: ownListingId, q: 10, key: randomUUID() }, otherBuyer.accessToken);
  await ok(MATCH, { input: { productType: 'HEMP_FIBRE', quantityKg: 20 } }, token);
  const credential = `secret-${randomUUID()}`;
  await ok(STORE_CREDENTIAL, { id: SOURCES.suppliers, credential }, token);
  await ok(
    LOG,
    {
      input: {
        type: 'LISTING_VIEW',
        listingId: otherListingId,
        sessionId: 'sess-1',
        metadata: { note: session.email },
      },
    },
    token,
  );
  await ok(LOG, { input: { type: 'SEARCH', metadata: { query: displayName } } }, token);
  return { session, displayName, ownListingId, credential };
}

async function settled(id: string, token: string): Promise<any> {
  return waitFor(
    async () => {
      const { dataSubjectRequest } = await ok(GET_REQUEST, { id }, token);
      return dataSubjectRequest.status === 'PENDING' ? null : dataSubjectRequest;
    },
    { what: `data-subject request ${id} to finish` },
  );
}

/** Every text, JSON and array column of every table in the five schemas that contains `needle`. */
async function columnsContaining(needle: string): Promise<string[]> {
  const columns: { table_schema: string; table_name: string; column_name: string }[] = await sql(
    `SELECT c.table_schema, c.table_name, c.column_name
       FROM information_schema.columns c JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
      WHERE c.table_schema IN ('identity', 'listings', 'external', 'analytics', 'events') AND tb.table_type = 'BASE TABLE'
        AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb') OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar')))`,
  );
  expect(columns.length).toBeGreaterThan(20);
  const hits: string[] = [];
  for (const c of columns) {
    const [row] = await sql(
      `SELECT count(*)::int AS n FROM "${c.table_schema}"."${c.table_name}" WHERE "${c.column_name}"::text ILIKE $1`,
      [`%${needle}%`],
    );
    if (row.n > 0) hits.push(`${c.table_schema}.${c.table_name}.${c.column_name}`);
  }
  return hits;
}

let admin: string;
let otherSeller: Session;
let otherBuyer: Session;

beforeAll(async () => {
  admin = await t.tokenFor((await registerUser(t)).id, [Role.ADMIN]);
  otherSeller = await registerUser(t, { roles: ['SELLER'] });
  otherBuyer = await registerUser(t, { roles: ['BUYER'] });
});

describe('requestDataExport', () => {
  it('gathers what all four subgraphs hold on the caller into one export, without the credential itself', async () => {
    const s = await subjectWithData(otherSeller, otherBuyer);
    const { requestDataExport } = await ok(REQUEST_EXPORT, {}, s.session.accessToken);
    expect(requestDataExport).toMatchObject({
      type: 'ACCESS',
      status: 'PENDING',
      subjectId: s.session.id,
      export: null,
      report: [],
    });

    const done = await settled(requestDataExport.id, s.session.accessToken);
    expect(done.status).toBe('COMPLETED');
    expect(done.completedAt).not.toBeNull();
    const exported = done.export;
    expect(exported).toMatchObject({ subjectId: s.session.id, limits: { rowsPerKind: 10000 }, truncated: [] });
    const identity = exported.subgraphs['identity-consent'];
    expect(identity.profile).toMatchObject({ id: s.session.id, email: s.session.email, displayName: s.displayName });
    expect(identity.consents).toHaveLength(1);
    expect(identity.consents[0]).toMatchObject({ dataSourceId: SOURCES.suppliers, status: 'ACTIVE' });
    expect(identity.auditEvents.map((e: any) => e.action)).toEqual(
      expect.arrayContaining(['user.registered', 'consent.granted', 'dsr.export_requested']),
    );
    expect(identity.sessions.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(identity.sessions)).not.toMatch(/hash/i);

    const listings = exported.subgraphs['listings-matching'];
    expect(listings.listings.map((l: any) => l.id)).toEqual([s.ownListingId]);
    expect(listings.listings[0].title).toContain(s.displayName);
    expect(listings.orders.map((o: any) => `${o.role}:${o.status}`).sort()).toEqual([
      'BUYER:CANCELLED',
      'BUYER:CONFIRMED',
      'SELLER:CONFIRMED',
    ]);
    expect(listings.matchRequests).toHaveLength(1);
    expect(listings.sellerStats).toEqual({ confirmedOrders: 1 });

    const external = exported.subgraphs['external-sources'];
    expect(external.storedCredentials).toEqual([
      expect.objectContaining({
        dataSource: 'hemp-suppliers-network',
        dataSourceId: SOURCES.suppliers,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      }),
    ]);
    expect(JSON.stringify(exported)).not.toContain(s.credential);

    const analytics = exported.subgraphs.analytics;
    expect(analytics.interactions.map((i: any) => i.type).sort()).toEqual(
      expect.arrayContaining(['LISTING_VIEW', 'SEARCH']),
    );
    expect(analytics.interactions.find((i: any) => i.type === 'LISTING_VIEW').metadata).toEqual({
      note: s.session.email,
    });

    const [audit] = await sql(
      `SELECT count(*)::int AS n FROM identity.audit_events WHERE action = 'dsr.export_completed' AND subject_id = $1`,
      [s.session.id],
    );
    expect(audit.n).toBe(1);
  });

  it('allows one open export per user (CONFLICT) unless its process died, and refuses anonymous callers', async () => {
    const user = await registerUser(t);
    await sql(
      `INSERT INTO identity.data_subject_requests (type, status, subject_id, requested_by) VALUES ('ACCESS', 'PENDING', $1, $1)`,
      [user.id],
    );
    expectError(await t.gql(REQUEST_EXPORT, {}, { token: user.accessToken }), 'CONFLICT');
    expectError(await t.gql(REQUEST_EXPORT, {}), 'UNAUTHENTICATED');
    // Once that request has been PENDING longer than any run can take, its process is taken as dead.
    await sql(
      `UPDATE identity.data_subject_requests SET attempt_started_at = now() - interval '1 hour' WHERE subject_id = $1`,
      [user.id],
    );
    const { requestDataExport } = await ok(REQUEST_EXPORT, {}, user.accessToken);
    expect((await settled(requestDataExport.id, user.accessToken)).status).toBe('COMPLETED');
    const [abandoned] = await sql(
      `SELECT status, failure_reason FROM identity.data_subject_requests WHERE subject_id = $1 AND id <> $2`,
      [user.id, requestDataExport.id],
    );
    expect(abandoned).toEqual({ status: 'FAILED', failure_reason: expect.stringMatching(/interrupted/) });
  });

  it('fails with the reason when a subgraph cannot answer, and stores no partial export', async () => {
    const user = await registerUser(t);
    await t.stopSubgraph('external-sources');
    try {
      const { requestDataExport } = await ok(REQUEST_EXPORT, {}, user.accessToken);
      const done = await settled(requestDataExport.id, user.accessToken);
      expect(done.status).toBe('FAILED');
      expect(done.failureReason).toMatch(/^external-sources: unreachable/);
      expect(done.export).toBeNull();
    } finally {
      await t.startSubgraphAgain('external-sources');
    }
    const { requestDataExport } = await ok(REQUEST_EXPORT, {}, user.accessToken);
    expect((await settled(requestDataExport.id, user.accessToken)).status).toBe('COMPLETED');
    // Only the latest export is kept.
    const { requestDataExport: newer } = await ok(REQUEST_EXPORT, {}, user.accessToken);
    expect((await settled(newer.id, user.accessToken)).status).toBe('COMPLETED');
    const stored = await sql(
      `SELECT id FROM identity.data_subject_requests WHERE subject_id = $1 AND export IS NOT NULL`,
      [user.id],
    );
    expect(stored).toEqual([{ id: newer.id }]);
    expect((await ok(GET_REQUEST, { id: requestDataExport.id }, user.accessToken)).dataSubjectRequest).toMatchObject({
      status: 'COMPLETED',
      export: null,
    });
  });
});

describe('requestErasure', () => {
  it('erases or pseudonymises the user in every subgraph, reports what was kept and why, and locks the account for good', async () => {
    const s = await subjectWithData(otherSeller, otherBuyer);
    // An earlier export is personal data too: the erasure must drop it.
    const { requestDataExport } = await ok(REQUEST_EXPORT, {}, s.session.accessToken);
    expect((await settled(requestDataExport.id, s.session.accessToken)).status).toBe('COMPLETED');
    expect(await columnsContaining(s.session.email)).toEqual(
      expect.arrayContaining(['identity.users.email', 'identity.data_subject_requests.export']),
    );

    const { requestErasure } = await ok(REQUEST_ERASURE, {}, s.session.accessToken);
    expect(requestErasure).toMatchObject({ type: 'ERASURE', status: 'PENDING', subjectId: s.session.id });
    // The subject's token ended with the request (docs/revocation.md): an admin follows it.
    expectError(
      await t.gql(GET_REQUEST, { id: requestErasure.id }, { token: s.session.accessToken }),
      'UNAUTHENTICATED',
    );
    const done = await settled(requestErasure.id, admin);
    expect(done.status).toBe('COMPLETED');
    expect(done.failureReason).toBeNull();
    expect(done.report.map((r: any) => r.subgraph)).toEqual([
      'identity-consent',
      'listings-matching',
      'external-sources',
      'analytics',
    ]);
    const report = Object.fromEntries(done.report.map((r: any) => [r.subgraph, r]));
    // profile + refresh token + stored export erased; the consent and the audit entries kept
    expect(report['identity-consent'].erased).toBe(3);
    expect(report['identity-consent'].retained).toBeGreaterThanOrEqual(4);
    expect(report['identity-consent'].reason).toMatch(/consent records/);
    // match request + cancelled order + own listing + seller stats erased; the order placed and the one received kept
    expect(report['listings-matching']).toMatchObject({ erased: 4, retained: 2 });
    expect(report['listings-matching'].reason).toMatch(/5 years as tax records/);
    expect(report['external-sources']).toEqual({ subgraph: 'external-sources', erased: 1, retained: 0, reason: null });
    // analytics may hold more than the two logged here (interactions built from events); the
    // listings the user sold stay in its market read model with the seller pseudonym removed
    expect(report.analytics.erased).toBeGreaterThanOrEqual(2);
    if (report.analytics.retained > 0) expect(report.analytics.reason).toMatch(/seller pseudonym removed/);
    else expect(report.analytics.reason).toBeNull();

    // Nothing anywhere still holds the e-mail address or the display name.
    expect(await columnsContaining(s.session.email)).toEqual([]);
    expect(await columnsContaining(s.displayName)).toEqual([]);

    // The kept orders name a pseudonym, not the user; the listing is archived and anonymised.
    const listingsDb = t.stack.subgraphs['listings-matching'].deps.db.dataSource;
    expect(
      await listingsDb.query(`SELECT id FROM listings.orders WHERE buyer_id = $1 OR seller_id = $1`, [s.session.id]),
    ).toEqual([]);
    const [own] = await listingsDb.query(
      `SELECT status, title, description, seller_id, women_owned FROM listings.listings WHERE id = $1`,
      [s.ownListingId],
    );
    expect(own).toMatchObject({ status: 'ARCHIVED', title: 'Erased listing', description: null, women_owned: false });
    expect(own.seller_id).not.toBe(s.session.id);
    const [kept] = await listingsDb.query(
      `SELECT count(*)::int AS n FROM listings.orders WHERE buyer_id = $1 OR seller_id = $1`,
      [own.seller_id],
    );
    expect(kept.n).toBe(2);
    const externalDb = t.stack.subgraphs['external-sources'].deps.db.dataSource;
    expect(
      await externalDb.query(`SELECT 1 FROM external.data_source_credentials WHERE user_id = $1`, [s.session.id]),
    ).toEqual([]);

    // The account: no login (the same answer as a wrong password), no refresh, and identity refuses its access token.
    const login = await t.gql(LOGIN, { email: s.session.email, password: STRONG_PASSWORD });
    expectError(login, 'UNAUTHENTICATED');
    const wrong = await t.gql(LOGIN, { email: otherBuyer.email, password: 'Not-the-password-1' });
    expect(login.body.errors![0].message).toBe(wrong.body.errors![0].message);
    expectError(await t.gql(REFRESH, { token: s.session.refreshToken }), 'UNAUTHENTICATED');
    expectError(await t.gql(`{ me { id } }`, {}, { token: s.session.accessToken }), 'UNAUTHENTICATED');
    expectError(await t.gql(REQUEST_EXPORT, {}, { token: s.session.accessToken }), 'UNAUTHENTICATED');
    const [user] = await sql(`SELECT erased_at, password_hash, email FROM identity.users WHERE id = $1`, [
      s.session.id,
    ]);
    expect(user.erased_at).not.toBeNull();
    expect(user.password_hash).toBe('');

    // A late interaction with a token not yet expired is refused; one arriving as an event in flight
    // would not bring the user back either (the analytics trigger).
    expectError(
      await t.gql(LOG, { input: { type: 'SEARCH', metadata: { late: true } } }, { token: s.session.accessToken }),
      'UNAUTHENTICATED',
    );
    const analyticsDb = t.stack.subgraphs.analytics.deps.db.dataSource;
    expect(await analyticsDb.query(`SELECT 1 FROM analytics.interactions WHERE metadata->>'late' = 'true'`)).toEqual(
      [],
    );

    // Recorded: audited, and announced through the outbox.
    const actions = await sql(
      `SELECT action FROM identity.audit_events WHERE subject_id = $1 AND action LIKE 'dsr.erasure%' ORDER BY sequence`,
      [s.session.id],
    );
    expect(actions.map((a: any) => a.action)).toEqual(['dsr.erasure_requested', 'dsr.erasure_completed']);
    const events = await sql(
      `SELECT payload FROM identity.outbox WHERE type = 'user.erasure.requested' AND payload->>'userId' = $1`,
      [s.session.id],
    );
    expect(events).toEqual([{ payload: { requestId: requestErasure.id, userId: s.session.id } }]);
  });

  it('is FAILED with the reason while a subgraph is down, and completes when asked again once it is back', async () => {
    const s = await subjectWithData(otherSeller, otherBuyer);
    await t.stopSubgraph('analytics');
    let firstId: string;
    try {
      const { requestErasure } = await ok(REQUEST_ERASURE, { userId: s.session.id }, admin);
      firstId = requestErasure.id;
      const failed = await settled(firstId, admin);
      expect(failed.status).toBe('FAILED');
      expect(failed.failureReason).toMatch(/^analytics: unreachable/);
      expect(failed.completedAt).toBeNull();
      expect(failed.report.map((r: any) => r.subgraph)).toEqual([
        'identity-consent',
        'listings-matching',
        'external-sources',
      ]);
      const [audit] = await sql(
        `SELECT details FROM identity.audit_events WHERE action = 'dsr.erasure_failed' AND subject_id = $1`,
        [s.session.id],
      );
      expect(audit.details).toEqual({ requestId: firstId, failed: ['analytics'] });
    } finally {
      await t.startSubgraphAgain('analytics');
    }
    const { requestErasure: retried } = await ok(REQUEST_ERASURE, { userId: s.session.id }, admin);
    expect(retried.id).toBe(firstId);
    expect(retried.status).toBe('PENDING');
    const done = await settled(firstId, admin);
    expect(done.status).toBe('COMPLETED');
    expect(done.report.map((r: any) => r.subgraph)).toEqual([
      'identity-consent',
      'listings-matching',
      'external-sources',
      'analytics',
    ]);
    // The parts done on the first attempt keep their reports; analytics now did its part.
    expect(done.report.find((r: any) => r.subgraph === 'listings-matching')).toMatchObject({ erased: 4, retained: 2 });
    expect(done.report.find((r: any) => r.subgraph === 'analytics').erased).toBeGreaterThanOrEqual(2);
    expect(await columnsContaining(s.session.email)).toEqual([]);
    expect(await columnsContaining(s.displayName)).toEqual([]);
    const actions = await sql(
      `SELECT action FROM identity.audit_events WHERE subject_id = $1 AND action LIKE 'dsr.erasure%' ORDER BY sequence`,
      [s.session.id],
    );
    expect(actions.map((a: any) => a.action)).toEqual([
      'dsr.erasure_requested',
      'dsr.erasure_failed',
      'dsr.erasure_retried',
      'dsr.erasure_completed',
    ]);
  });

  it('refuses a second erasure while one runs, but retries one a dead process abandoned', async () => {
    const user = await registerUser(t);
    const [row] = await sql(
      `INSERT INTO identity.data_subject_requests (type, status, subject_id, requested_by) VALUES ('ERASURE', 'PENDING', $1, $1) RETURNING id`,
      [user.id],
    );
    await sql(
      `INSERT INTO identity.data_subject_request_parts (request_id, subgraph, status) SELECT $1, s, 'PENDING' FROM unnest($2::text[]) s`,
      [row.id, ['identity-consent', 'listings-matching', 'external-sources', 'analytics']],
    );
    expectError(await t.gql(REQUEST_ERASURE, {}, { token: user.accessToken }), 'CONFLICT');
    await sql(
      `UPDATE identity.data_subject_requests SET attempt_started_at = now() - interval '1 hour' WHERE id = $1`,
      [row.id],
    );
    const { requestErasure } = await ok(REQUEST_ERASURE, {}, user.accessToken);
    expect(requestErasure.id).toBe(row.id);
    expect((await settled(row.id, admin)).status).toBe('COMPLETED');
  });

  it('keeps the addresses erased accounts get out of reach of registration', async () => {
    const victim = await registerUser(t);
    const res = await t.gql(`mutation($input: RegisterInput!) { register(input: $input) { accessToken } }`, {
      input: {
        email: `erased-${victim.id}@erased.invalid`,
        password: STRONG_PASSWORD,
        displayName: 'Squatter',
        roles: ['BUYER'],
      },
    });
    expectError(res, 'BAD_USER_INPUT', 'email');
  });

  it('lets only an ADMIN erase someone else, and NOT_FOUND for an unknown user', async () => {
    const victim = await registerUser(t);
    const other = await registerUser(t);
    expectError(await t.gql(REQUEST_ERASURE, { userId: victim.id }, { token: other.accessToken }), 'FORBIDDEN');
    expectError(await t.gql(REQUEST_ERASURE, { userId: victim.id }), 'UNAUTHENTICATED');
    expectError(await t.gql(REQUEST_ERASURE, { userId: randomUUID() }, { token: admin }), 'NOT_FOUND');
    const [count] = await sql(`SELECT count(*)::int AS n FROM identity.data_subject_requests WHERE subject_id = $1`, [
      victim.id,
    ]);
    expect(count.n).toBe(0);
  });
});

describe('dataSubjectRequest', () => {
  it('shows a request to its subject and ADMIN only; anyone else gets null, anonymous callers UNAUTHENTICATED', async () => {
    const owner = await registerUser(t);
    const other = await registerUser(t);
    const { requestDataExport } = await ok(REQUEST_EXPORT, {}, owner.accessToken);
    await settled(requestDataExport.id, owner.accessToken);
    const foreign = await t.gql(GET_REQUEST, { id: requestDataExport.id }, { token: other.accessToken });
    expect(foreign.body.errors).toBeUndefined();
    expect(foreign.body.data.dataSubjectRequest).toBeNull();
    expect((await ok(GET_REQUEST, { id: requestDataExport.id }, admin)).dataSubjectRequest.export.subjectId).toBe(
      owner.id,
    );
    expectError(await t.gql(GET_REQUEST, { id: requestDataExport.id }), 'UNAUTHENTICATED');
    expect((await ok(GET_REQUEST, { id: 'not-a-uuid' }, owner.accessToken)).dataSubjectRequest).toBeNull();
  });

  it('keeps the request private when reached through _entities', async () => {
    const owner = await registerUser(t);
    const other = await registerUser(t);
    const { requestDataExport } = await ok(REQUEST_EXPORT, {}, owner.accessToken);
    const call = async (token: string) => {
      const res = await signedSubgraphPost(
        t.config.GATEWAY_SECRET,
        t.stack.subgraphs['identity-consent'].url,
        {
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on DataSubjectRequest { id subjectId status } } }`,
          variables: { r: [{ __typename: 'DataSubjectRequest', id: requestDataExport.id }] },
        },
        { authorization: `Bearer ${token}` },
      );
      return res.body as any;
    };
    expect((await call(owner.accessToken)).data._entities[0].subjectId).toBe(owner.id);
    // like dataSubjectRequest(id): someone else's request is answered like an unknown id
    const foreign = await call(other.accessToken);
    expect(foreign.errors).toBeUndefined();
    expect(foreign.data._entities).toEqual([null]);
  });

  it('loads many requests, with their reports, in two statements', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const user = await registerUser(t);
      const { requestErasure } = await ok(REQUEST_ERASURE, {}, user.accessToken);
      await settled(requestErasure.id, admin);
      ids.push(requestErasure.id);
    }
    const query = `query { ${ids.map((id, i) => `r${i}: dataSubjectRequest(id: "${id}") { id status report { subgraph erased } }`).join(' ')} }`;
    const before = t.statements('identity-consent');
    const res = await t.gql(query, {}, { token: admin });
    expect(t.statements('identity-consent') - before).toBe(2);
    expect(res.body.errors).toBeUndefined();
    for (let i = 0; i < 3; i++) expect(res.body.data[`r${i}`].report).toHaveLength(4);
  });
});

describe('dataSubjectRequests (ADMIN list for the console)', () => {
  const LIST = `query($first: Int, $after: String, $status: DataSubjectRequestStatus, $type: DataSubjectRequestType) {
    dataSubjectRequests(first: $first, after: $after, status: $status, type: $type) {
      edges { cursor node { id type status subjectId report { subgraph erased } } } pageInfo { hasNextPage endCursor } totalCount } }`;

  it('pages every request newest first with cursors, filters by status and type, and loads a page in at most four statements', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const user = await registerUser(t);
      const { requestErasure } = await ok(REQUEST_ERASURE, {}, user.accessToken);
      await settled(requestErasure.id, admin);
      ids.push(requestErasure.id);
    }
    const all = (await ok(LIST, { first: 100, type: 'ERASURE', status: 'COMPLETED' }, admin)).dataSubjectRequests;
    const seen = all.edges.map((e: { node: { id: string } }) => e.node.id);
    // the three just made are the newest completed erasures, newest first
    expect(seen.slice(0, 3)).toEqual([...ids].reverse());
    expect(all.totalCount).toBe(seen.length);
    expect(
      all.edges.every(
        (e: { node: { type: string; status: string; report: unknown[] } }) =>
          e.node.type === 'ERASURE' && e.node.status === 'COMPLETED' && e.node.report.length === 4,
      ),
    ).toBe(true);

    const walked: string[] = [];
    let after: string | null = null;
    do {
      const before = t.statements('identity-consent');
      const page: any = (await ok(LIST, { first: 2, after, type: 'ERASURE', status: 'COMPLETED' }, admin))
        .dataSubjectRequests;
      // the caller's roles re-read (an ADMIN field), ids and count, then the requests with their parts through the loader
      expect(t.statements('identity-consent') - before).toBeLessThanOrEqual(5);
      walked.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(walked).toEqual(seen);
    expect(
      (await ok(LIST, { first: 100, status: 'PENDING', type: 'ACCESS' }, admin)).dataSubjectRequests.edges.every(
        (e: any) => e.node.status === 'PENDING',
      ),
    ).toBe(true);
  });

  it('is refused to anyone but ADMIN, even to the subject of every request, and rejects bad paging', async () => {
    const subject = await registerUser(t);
    await ok(REQUEST_EXPORT, {}, subject.accessToken);
    const seller = await registerUser(t, { roles: ['SELLER'] });
    const [subjectRes, sellerRes, anonymous] = await Promise.all([
      t.gql(LIST, { first: 5 }, { token: subject.accessToken }),
      t.gql(LIST, { first: 5 }, { token: seller.accessToken }),
      t.gql(LIST, { first: 5 }),
    ]);
    for (const res of [subjectRes, sellerRes]) {
      expectError(res, 'FORBIDDEN');
      expect(res.body.data?.dataSubjectRequests ?? null).toBeNull();
    }
    expectError(anonymous, 'UNAUTHENTICATED');
    expectError(await t.gql(LIST, { first: 101 }, { token: admin }), 'BAD_USER_INPUT');
    expectError(await t.gql(LIST, { first: 5, after: 'bm90LWEtY3Vyc29y' }, { token: admin }), 'BAD_USER_INPUT');
    expectError(
      await t.gql(
        LIST,
        { first: 5, after: Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url') },
        { token: admin },
      ),
      'BAD_USER_INPUT',
    );
  });
});

describe('the internal routes', () => {
  it('refuse calls without a valid signature and answer signed ones', async () => {
    const url = new URL(t.stack.subgraphs['listings-matching'].url).origin;
    const path = `${SUBJECT_EXPORT_PATH}?userId=${randomUUID()}&requestId=${randomUUID()}`;
    expect((await fetch(url + path, { method: 'POST' })).status).toBe(401);
    const forged = signInternalRequest('not-the-secret-0123456789', 'POST', path);
    expect((await fetch(url + path, { method: 'POST', headers: { [INTERNAL_SIGNATURE_HEADER]: forged } })).status).toBe(
      401,
    );
    // A signature for export does not authorise erasure.
    const erasePath = path.replace(SUBJECT_EXPORT_PATH, SUBJECT_ERASE_PATH);
    // The gateway's key does not open internal routes.
    expect(
      (
        await fetch(url + path, {
          method: 'POST',
          headers: { [INTERNAL_SIGNATURE_HEADER]: signInternalRequest(t.config.GATEWAY_SECRET, 'POST', path) },
        })
      ).status,
    ).toBe(401);
    const exportSignature = signInternalRequest(t.config.INTERNAL_SECRET, 'POST', path);
    expect(
      (await fetch(url + erasePath, { method: 'POST', headers: { [INTERNAL_SIGNATURE_HEADER]: exportSignature } }))
        .status,
    ).toBe(401);
    const res = await fetch(url + path, { method: 'POST', headers: { [INTERNAL_SIGNATURE_HEADER]: exportSignature } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      data: { listings: [], orders: [], matchRequests: [], sellerStats: null },
      truncated: [],
    });
    const bad = `${SUBJECT_EXPORT_PATH}?userId=nope&requestId=${randomUUID()}`;
    expect(
      (
        await fetch(url + bad, {
          method: 'POST',
          headers: { [INTERNAL_SIGNATURE_HEADER]: signInternalRequest(t.config.INTERNAL_SECRET, 'POST', bad) },
        })
      ).status,
    ).toBe(400);
  });
});
