import { INTERNAL_SIGNATURE_HEADER, signInternalRequest } from '#platform/infra/auth/gateway-signature';
import { signedSubgraphPost } from './helpers/signed';
import { ACTIVE_CONSENTS_PATH, createConsentClient } from '#platform/contracts/consent-client';
import { Role } from '#platform/infra/schema/shared-types';
import { expectError, registerUser, SOURCES, type Session } from './helpers/identity';
import { startTestStack, type TestStack, sqlOf } from './helpers/stack';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ env: { RATE_LIMIT_REGISTER_PER_IP: '1000', RATE_LIMIT_CONSENT_PER_USER: '1000' } });
});

afterAll(async () => {
  await t?.stop();
});

const sql = sqlOf(() => t, 'identity-consent');

const CONSENT_FIELDS =
  'id status accessLevel purpose consentVersion grantedAt withdrawnAt expiresAt ipAddress userAgent dataSource { id } user { id }';
const GRANT = `mutation($input: GrantConsentInput!) { grantConsent(input: $input) { ${CONSENT_FIELDS} } }`;
const WITHDRAW = `mutation($id: ID!) { withdrawConsent(dataSourceId: $id) { ${CONSENT_FIELDS} } }`;
const MY = `{ myConsents { ${CONSENT_FIELDS} } }`;

function grantInput(dataSourceId: string, extra: Record<string, unknown> = {}) {
  return {
    dataSourceId,
    accessLevel: 'ADVANCED',
    purpose: 'Show me offers from this exchange when I request matches',
    consentVersion: '2024-11-01',
    ...extra,
  };
}

async function grant(user: Session, dataSourceId: string, extra: Record<string, unknown> = {}) {
  const res = await t.gql(
    GRANT,
    { input: grantInput(dataSourceId, extra) },
    { token: user.accessToken, headers: { 'user-agent': 'HempApp/2.3 (Android)' } },
  );
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data.grantConsent;
}

describe('grantConsent', () => {
  it('records purpose, version, level, expiry and the client as the gateway saw it', async () => {
    const user = await registerUser(t);
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const consent = await grant(user, SOURCES.exchange, { expiresAt });
    expect(consent).toMatchObject({
      status: 'ACTIVE',
      accessLevel: 'ADVANCED',
      consentVersion: '2024-11-01',
      withdrawnAt: null,
      expiresAt,
      userAgent: 'HempApp/2.3 (Android)',
      dataSource: { id: SOURCES.exchange },
      user: { id: user.id },
    });
    expect(consent.ipAddress).toMatch(/127\.0\.0\.1/);
    const [event] = await sql(
      `SELECT actor_id, details FROM identity.audit_events WHERE action = 'consent.granted' AND subject_id = $1`,
      [user.id],
    );
    expect(event.actor_id).toBe(user.id);
    expect(event.details).toMatchObject({
      consentId: consent.id,
      dataSourceId: SOURCES.exchange,
      accessLevel: 'ADVANCED',
    });
  });

  it('ignores client-ip and user-agent headers a client tries to forge past the gateway', async () => {
    const user = await registerUser(t);
    const res = await t.gql(
      GRANT,
      { input: grantInput(SOURCES.suppliers) },
      {
        token: user.accessToken,
        headers: { 'x-client-ip': '6.6.6.6', 'x-client-user-agent': 'forged', 'user-agent': 'RealAgent/1' },
      },
    );
    expect(res.body.data.grantConsent.ipAddress).not.toBe('6.6.6.6');
    expect(res.body.data.grantConsent.userAgent).toBe('RealAgent/1');
  });

  it('resolves Consent.dataSource in external-sources through the gateway', async () => {
    const user = await registerUser(t);
    await grant(user, SOURCES.registry);
    const res = await t.gql(
      `{ myConsents { dataSource { id slug requiredAccessLevel } } }`,
      {},
      { token: user.accessToken },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.myConsents).toEqual([
      { dataSource: { id: SOURCES.registry, slug: 'regulatory-registry', requiredAccessLevel: 'FULL' } },
    ]);
  });

  it('refuses a second grant while one is active (CONFLICT) and keeps one ACTIVE row', async () => {
    const user = await registerUser(t);
    await grant(user, SOURCES.exchange);
    expectError(await t.gql(GRANT, { input: grantInput(SOURCES.exchange) }, { token: user.accessToken }), 'CONFLICT');
    const racing = await Promise.all(
      [SOURCES.suppliers, SOURCES.suppliers, SOURCES.suppliers].map((id) =>
        t.gql(GRANT, { input: grantInput(id) }, { token: user.accessToken }),
      ),
    );
    expect(racing.map((r) => r.body.errors?.[0]?.extensions?.code ?? 'OK').sort()).toEqual([
      'CONFLICT',
      'CONFLICT',
      'OK',
    ]);
    const rows = await sql(
      `SELECT data_source_id FROM identity.consents WHERE user_id = $1 AND status = 'ACTIVE' ORDER BY 1`,
      [user.id],
    );
    expect(rows.map((r: { data_source_id: string }) => r.data_source_id)).toEqual([
      SOURCES.suppliers,
      SOURCES.exchange,
    ]);
  });

  it.each([
    ['a dataSourceId that is not a UUID', { dataSourceId: 'hemp-suppliers-network' }, 'dataSourceId'],
    ['a purpose under 3 characters', { purpose: ' x ' }, 'purpose'],
    ['a purpose over 500 characters', { purpose: 'p'.repeat(501) }, 'purpose'],
    ['an empty consent version', { consentVersion: '' }, 'consentVersion'],
    ['a consent version with spaces', { consentVersion: 'v 1' }, 'consentVersion'],
    ['an expiry in the past', { expiresAt: new Date(Date.now() - 60_000).toISOString() }, 'expiresAt'],
  ])('refuses %s with BAD_USER_INPUT', async (_name, override, field) => {
    const user = await registerUser(t);
    const res = await t.gql(
      GRANT,
      { input: { ...grantInput(SOURCES.exchange), ...override } },
      { token: user.accessToken },
    );
    expectError(res, 'BAD_USER_INPUT', field);
  });

  it('refuses anonymous callers', async () => {
    expectError(await t.gql(GRANT, { input: grantInput(SOURCES.exchange) }), 'UNAUTHENTICATED');
    expectError(await t.gql(WITHDRAW, { id: SOURCES.exchange }), 'UNAUTHENTICATED');
    expectError(await t.gql(MY), 'UNAUTHENTICATED');
  });
});

describe('withdrawConsent and history', () => {
  it('withdraws, refuses a second withdrawal, and keeps every grant in the history', async () => {
    const user = await registerUser(t);
    const first = await grant(user, SOURCES.exchange);
    const res = await t.gql(WITHDRAW, { id: SOURCES.exchange }, { token: user.accessToken });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.withdrawConsent).toMatchObject({
      id: first.id,
      status: 'WITHDRAWN',
      grantedAt: first.grantedAt,
    });
    expect(res.body.data.withdrawConsent.withdrawnAt).not.toBeNull();
    expectError(await t.gql(WITHDRAW, { id: SOURCES.exchange }, { token: user.accessToken }), 'NOT_FOUND');
    expectError(await t.gql(WITHDRAW, { id: SOURCES.registry }, { token: user.accessToken }), 'NOT_FOUND');
    expectError(await t.gql(WITHDRAW, { id: 'nope' }, { token: user.accessToken }), 'BAD_USER_INPUT', 'dataSourceId');

    const second = await grant(user, SOURCES.exchange, { consentVersion: '2025-01-15', accessLevel: 'FULL' });
    const history = (await t.gql(MY, {}, { token: user.accessToken })).body.data.myConsents;
    expect(history.map((c: any) => [c.id, c.status, c.consentVersion])).toEqual([
      [second.id, 'ACTIVE', '2025-01-15'],
      [first.id, 'WITHDRAWN', '2024-11-01'],
    ]);
    const actions = await sql(
      `SELECT action FROM identity.audit_events WHERE subject_id = $1 AND action LIKE 'consent.%' ORDER BY sequence`,
      [user.id],
    );
    expect(actions.map((a: { action: string }) => a.action)).toEqual([
      'consent.granted',
      'consent.withdrawn',
      'consent.granted',
    ]);
  });

  it('reads a consent past its expiry as EXPIRED, never active, and lets the user grant afresh', async () => {
    const user = await registerUser(t);
    const lapsed = await grant(user, SOURCES.suppliers, { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    await grant(user, SOURCES.exchange);
    // time passes: the stored row still says ACTIVE, the reads must not
    await sql(`UPDATE identity.consents SET expires_at = now() - interval '1 second' WHERE id = $1`, [lapsed.id]);

    const byStatus = async (status: string) =>
      (
        await t.gql(
          `query($s: ConsentStatus) { me { consents(status: $s) { id status } } }`,
          { s: status },
          { token: user.accessToken },
        )
      ).body.data.me.consents;
    expect(await byStatus('EXPIRED')).toEqual([{ id: lapsed.id, status: 'EXPIRED' }]);
    expect((await byStatus('ACTIVE')).map((c: any) => c.id)).not.toContain(lapsed.id);
    expect(await byStatus('WITHDRAWN')).toEqual([]);
    expectError(await t.gql(WITHDRAW, { id: SOURCES.suppliers }, { token: user.accessToken }), 'NOT_FOUND');

    const client = createConsentClient(t.stack.config);
    expect((await client.activeConsents(user.id, 'test')).map((c) => c.dataSourceId)).toEqual([SOURCES.exchange]);

    const renewed = await grant(user, SOURCES.suppliers);
    expect(renewed.status).toBe('ACTIVE');
    const rows = await sql(
      `SELECT id, status FROM identity.consents WHERE user_id = $1 AND data_source_id = $2 ORDER BY granted_at`,
      [user.id, SOURCES.suppliers],
    );
    expect(rows).toEqual([
      { id: lapsed.id, status: 'EXPIRED' },
      { id: renewed.id, status: 'ACTIVE' },
    ]);
  });
});

describe('the fresh-consent route other subgraphs call', () => {
  const route = () => t.stack.subgraphs['identity-consent'].url.replace('/graphql', '');

  it('sees a grant at once and a withdrawal on the very next call', async () => {
    const user = await registerUser(t);
    const client = createConsentClient(t.stack.config);
    expect(await client.activeConsents(user.id, 'r1')).toEqual([]);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    await grant(user, SOURCES.exchange, { expiresAt });
    expect(await client.activeConsents(user.id, 'r2')).toEqual([
      { dataSourceId: SOURCES.exchange, accessLevel: 'ADVANCED', consentVersion: '2024-11-01', expiresAt },
    ]);
    await t.gql(WITHDRAW, { id: SOURCES.exchange }, { token: user.accessToken });
    expect(await client.activeConsents(user.id, 'r3')).toEqual([]);
  });

  it('answers 401 without a valid signature and 400 for a user id that is not a UUID', async () => {
    const user = await registerUser(t);
    const path = `${ACTIVE_CONSENTS_PATH}?userId=${user.id}`;
    expect((await fetch(route() + path)).status).toBe(401);
    const wrongSecret = signInternalRequest('some-other-secret-0123456789', 'GET', path);
    // the gateway's key does not open internal routes
    const gatewayKey = signInternalRequest(t.config.GATEWAY_SECRET, 'GET', path);
    expect((await fetch(route() + path, { headers: { [INTERNAL_SIGNATURE_HEADER]: gatewayKey } })).status).toBe(401);
    expect((await fetch(route() + path, { headers: { [INTERNAL_SIGNATURE_HEADER]: wrongSecret } })).status).toBe(401);
    // a signature for one user does not open another user's consents
    const forOther = signInternalRequest(
      t.config.INTERNAL_SECRET,
      'GET',
      `${ACTIVE_CONSENTS_PATH}?userId=00000000-0000-4000-8000-000000000000`,
    );
    expect((await fetch(route() + path, { headers: { [INTERNAL_SIGNATURE_HEADER]: forOther } })).status).toBe(401);
    const badPath = `${ACTIVE_CONSENTS_PATH}?userId=nope`;
    const bad = await fetch(route() + badPath, {
      headers: { [INTERNAL_SIGNATURE_HEADER]: signInternalRequest(t.config.INTERNAL_SECRET, 'GET', badPath) },
    });
    expect(bad.status).toBe(400);
  });
});

describe('Consent as an entity', () => {
  async function entities(ids: string[], token?: string) {
    const res = await signedSubgraphPost(
      t.config.GATEWAY_SECRET,
      t.stack.subgraphs['identity-consent'].url,
      {
        query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Consent { id status purpose } } }`,
        variables: { r: ids.map((id) => ({ __typename: 'Consent', id })) },
      },
      token ? { authorization: `Bearer ${token}` } : {},
    );
    return res.body as any;
  }

  it('resolves many references in one statement and keeps them private to the owner and ADMIN', async () => {
    const user = await registerUser(t);
    const ids = [
      (await grant(user, SOURCES.suppliers)).id,
      (await grant(user, SOURCES.exchange)).id,
      (await grant(user, SOURCES.registry)).id,
    ];
    const before = t.statements('identity-consent');
    const own = await entities(ids, user.accessToken);
    expect(t.statements('identity-consent') - before).toBe(1);
    expect(own.errors).toBeUndefined();
    expect(own.data._entities.map((c: any) => c.id)).toEqual(ids);

    const admin = await entities(ids, await t.tokenFor((await registerUser(t)).id, [Role.ADMIN]));
    expect(admin.errors).toBeUndefined();

    const other = await registerUser(t);
    // like myConsents: another user (or nobody) does not even learn that the consents exist
    const foreign = await entities(ids, other.accessToken);
    expect(foreign.errors).toBeUndefined();
    expect(foreign.data._entities).toEqual([null, null, null]);
    const anonymous = await entities(ids);
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data._entities).toEqual([null, null, null]);
  });

  it('loads User.consents for many users in one statement', async () => {
    const users = await Promise.all([registerUser(t), registerUser(t), registerUser(t)]);
    for (const u of users) await grant(u, SOURCES.suppliers);
    const admin = await t.tokenFor(users[0].id, [Role.ADMIN]);
    const before = t.statements('identity-consent');
    const res = await t.gql(`{ users(first: 100) { edges { node { id consents { id } } } } }`, {}, { token: admin });
    expect(res.body.errors).toBeUndefined();
    // the caller's roles re-read (an ADMIN field, docs/revocation.md), the page, its count, and one batched consent query
    expect(t.statements('identity-consent') - before).toBe(4);
    const byId = new Map(res.body.data.users.edges.map((e: any) => [e.node.id, e.node.consents.length]));
    for (const u of users) expect(byId.get(u.id)).toBe(1);
  });
});
