import { randomUUID } from 'node:crypto';
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
import { startTestStack, type TestStack, sqlOf } from './helpers/stack';
import { waitFor } from './helpers/wait';
import { pseudonymise } from '../subgraphs/analytics/modules/interaction/pseudonym';
import { dataSubjectCalls, GET_REQUEST, REQUEST_ERASURE, REQUEST_EXPORT } from './helpers/data-subject';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({
    env: {
      RATE_LIMIT_REGISTER_PER_IP: '1000',
      RATE_LIMIT_CONSENT_PER_USER: '1000',
      RATE_LIMIT_LOGIN_PER_IP: '1000',
    },
  });
});

afterAll(async () => {
  await t?.stop();
});

const sql = sqlOf(() => t, 'identity-consent');

const CREATE_LISTING = `mutation($input: CreateListingInput!) { createListing(input: $input) { id } }`;
const SET_STATUS = `mutation($id: ID!, $status: ListingStatus!) { setListingStatus(id: $id, status: $status) { id status } }`;
const PLACE = `mutation($listingId: ID!, $q: Float!, $key: String!) { placeOrder(listingId: $listingId, quantityKg: $q, idempotencyKey: $key) { id status } }`;
const CANCEL = `mutation($id: ID!) { cancelOrder(id: $id) { id status } }`;
const MATCH = `mutation($input: MatchInput!) { requestMatches(input: $input) { id } }`;
const GRANT = `mutation($input: GrantConsentInput!) { grantConsent(input: $input) { id } }`;
const WITHDRAW = `mutation($id: ID!) { withdrawConsent(dataSourceId: $id) { id } }`;
const STORE_CREDENTIAL = `mutation($id: ID!, $credential: String!) { storeDataSourceCredential(dataSourceId: $id, credential: $credential) }`;
const LOG = `mutation($input: LogInteractionInput!) { logInteraction(input: $input) }`;

const { ok, settled } = dataSubjectCalls(() => t);

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
async function subjectWithData(
  otherSeller: Session,
  otherBuyer: Session,
  options: { consentWithdrawn?: boolean } = {},
): Promise<Subject> {
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
  // An erasure withdraws active consents, and analytics may or may not see that event before its
  // own part runs: an erasure test withdraws it first, so its count is one known number.
  if (options.consentWithdrawn) await ok(WITHDRAW, { id: SOURCES.suppliers }, token);
  await analyticsHasEverything(session.id, options.consentWithdrawn ? 7 : 6);
  return { session, displayName, ownListingId, credential };
}

/**
 * Waits until analytics has built all of the subject's data from the events the setup raised, so
 * what an export or an erasure finds there is one known set, not whatever had arrived by then:
 * the interactions (consent granted, 2 orders placed, a match request, the 2 logged directly, and
 * the withdrawal if any), 2 orders as buyer (one cancelled), 1 order as seller, 1 listing.
 */
async function analyticsHasEverything(userId: string, interactions: number): Promise<void> {
  const key = pseudonymise(t.config.PSEUDONYM_SECRET, userId);
  const expected = { interactions, bought: 2, cancelled: 1, sold: 1, listings: 1 };
  const db = t.stack.subgraphs.analytics.deps.db.dataSource;
  let seen: unknown;
  await waitFor(
    async () => {
      const [counts] = await db.query(
        `SELECT (SELECT count(*)::int FROM analytics.interactions WHERE user_key = $1) AS interactions,
                (SELECT count(*)::int FROM analytics.orders WHERE buyer_key = $1) AS bought,
                (SELECT count(*)::int FROM analytics.orders WHERE buyer_key = $1 AND cancelled_at IS NOT NULL) AS cancelled,
                (SELECT count(*)::int FROM analytics.orders WHERE seller_key = $1) AS sold,
                (SELECT count(*)::int FROM analytics.listings WHERE seller_key = $1) AS listings`,
        [key],
      );
      seen = counts;
      return JSON.stringify(counts) === JSON.stringify(expected);
    },
    { what: `analytics to hold ${JSON.stringify(expected)} for the subject` },
  ).catch(async (err: Error) => {
    const types = await db.query(`SELECT type FROM analytics.interactions WHERE user_key = $1`, [key]);
    throw new Error(`${err.message}; it holds ${JSON.stringify(seen)}: ${types.map((r: any) => r.type).join(', ')}`);
  });
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
    expect(analytics.interactions.map((i: any) => i.type).sort()).toEqual([
      'CONSENT_GRANTED',
      'LISTING_VIEW',
      'MATCH_REQUEST',
      'ORDER',
      'ORDER',
      'SEARCH',
    ]);
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
    const s = await subjectWithData(otherSeller, otherBuyer, { consentWithdrawn: true });
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
    // 7 interactions and 2 orders as buyer erased; the listing and the order the user sold stay in
    // the market read model with the seller pseudonym removed
    expect(report.analytics).toEqual({
      subgraph: 'analytics',
      erased: 9,
      retained: 2,
      reason: expect.stringMatching(/seller pseudonym removed/),
    });

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
    const s = await subjectWithData(otherSeller, otherBuyer, { consentWithdrawn: true });
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
    expect(done.report.find((r: any) => r.subgraph === 'analytics')).toMatchObject({ erased: 9, retained: 2 });
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
