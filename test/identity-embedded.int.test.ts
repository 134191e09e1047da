import { appendAlone } from '../subgraphs/identity-consent/modules/audit/audit.service';
import { LOGIN, REFRESH, registerUser, SOURCES, STRONG_PASSWORD } from './helpers/identity';
import { startTestStack, type TestStack } from './helpers/stack';
import { EMBEDDED_START_TIMEOUT_MS } from './helpers/wait';

/** `npm start` runs on the embedded database: the same migrations, locks and trigger must work there. */
let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ embedded: true });
}, EMBEDDED_START_TIMEOUT_MS);

afterAll(async () => {
  await t?.stop();
});

it('registers, logs in, rotates, grants and withdraws consent, and keeps a valid audit chain on PGlite', async () => {
  const user = await registerUser(t);
  const login = await t.gql(LOGIN, { email: user.email, password: STRONG_PASSWORD });
  expect(login.body.errors).toBeUndefined();
  // a session of its own: reusing the registration's rotated refresh token below ends that session
  const accessToken: string = login.body.data.login.accessToken;
  const rotated = await t.gql(REFRESH, { token: user.refreshToken });
  expect(rotated.body.errors).toBeUndefined();
  expect((await t.gql(REFRESH, { token: user.refreshToken })).body.errors?.[0].extensions?.code).toBe(
    'UNAUTHENTICATED',
  );

  const input = {
    dataSourceId: SOURCES.exchange,
    accessLevel: 'FULL',
    purpose: 'Exchange offers in my matches',
    consentVersion: 'v2',
  };
  const grant = await t.gql(
    `mutation($i: GrantConsentInput!) { grantConsent(input: $i) { status } }`,
    { i: input },
    { token: accessToken },
  );
  expect(grant.body.data.grantConsent.status).toBe('ACTIVE');
  const again = await t.gql(
    `mutation($i: GrantConsentInput!) { grantConsent(input: $i) { status } }`,
    { i: input },
    { token: accessToken },
  );
  expect(again.body.errors?.[0].extensions?.code).toBe('CONFLICT');
  const withdrawn = await t.gql(
    `mutation($id: ID!) { withdrawConsent(dataSourceId: $id) { status } }`,
    { id: SOURCES.exchange },
    { token: accessToken },
  );
  expect(withdrawn.body.data.withdrawConsent.status).toBe('WITHDRAWN');

  const db = t.stack.subgraphs['identity-consent'].deps.db.dataSource;
  await Promise.all(Array.from({ length: 10 }, (_, i) => appendAlone(db, { action: 'test.embedded', details: { i } })));
  await expect(db.query(`DELETE FROM identity.audit_events`)).rejects.toThrow(/append-only/);
  const admin = await t.tokenFor(user.id, ['ADMIN']);
  const verify = await t.gql(`{ verifyAuditLog { valid checked } }`, {}, { token: admin });
  expect(verify.body.data.verifyAuditLog.valid).toBe(true);
  // registered, login, refresh-token reuse, consent granted and withdrawn, and the ten appended here
  expect(verify.body.data.verifyAuditLog.checked).toBe(15);
});
