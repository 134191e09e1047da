import { registerUser, SOURCES } from './helpers/identity';
import { startTestStack, type TestStack, sqlOf } from './helpers/stack';
import { waitFor } from './helpers/wait';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ env: { RATE_LIMIT_REGISTER_PER_IP: '1000', RATE_LIMIT_CONSENT_PER_USER: '1000' } });
});

afterAll(async () => {
  await t?.stop();
});

const sql = sqlOf(() => t, 'identity-consent');

const GRANT = `mutation($input: GrantConsentInput!) { grantConsent(input: $input) { id expiresAt } }`;
const WITHDRAW = `mutation($id: ID!) { withdrawConsent(dataSourceId: $id) { id status } }`;

function grantInput(dataSourceId: string, extra: Record<string, unknown> = {}) {
  return {
    dataSourceId,
    accessLevel: 'ADVANCED',
    purpose: 'Show exchange offers in my matches',
    consentVersion: '2024-11-01',
    ...extra,
  };
}

describe('consent domain events (transactional outbox)', () => {
  it('writes consent.granted and consent.withdrawn with the state change, ids only, and the relay publishes them', async () => {
    const user = await registerUser(t);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const granted = await t.gql(
      GRANT,
      { input: grantInput(SOURCES.exchange, { expiresAt }) },
      { token: user.accessToken },
    );
    expect(granted.body.errors).toBeUndefined();
    const consentId = granted.body.data.grantConsent.id;
    const withdrawn = await t.gql(WITHDRAW, { id: SOURCES.exchange }, { token: user.accessToken });
    expect(withdrawn.body.errors).toBeUndefined();

    const rows = await sql(
      `SELECT type, version, aggregate_type, aggregate_id, payload FROM identity.outbox WHERE payload->>'userId' = $1 ORDER BY id`,
      [user.id],
    );
    expect(rows).toEqual([
      {
        type: 'consent.granted',
        version: 1,
        aggregate_type: 'consent',
        aggregate_id: consentId,
        payload: {
          consentId,
          userId: user.id,
          dataSourceId: SOURCES.exchange,
          accessLevel: 'ADVANCED',
          consentVersion: '2024-11-01',
          expiresAt,
        },
      },
      {
        type: 'consent.withdrawn',
        version: 1,
        aggregate_type: 'consent',
        aggregate_id: consentId,
        payload: { consentId, userId: user.id, dataSourceId: SOURCES.exchange },
      },
    ]);
    expect(JSON.stringify(rows)).not.toContain(user.email);
    await waitFor(
      async () => {
        const [row] = await sql(
          `SELECT count(*)::int AS n FROM events.bus WHERE type LIKE 'consent.%' AND payload->>'userId' = $1`,
          [user.id],
        );
        return row.n === 2;
      },
      { what: 'both consent events on the bus' },
    );
  });

  it('emits nothing when the grant rolls back', async () => {
    const user = await registerUser(t);
    // Make the audit append, the last write of the grant's transaction, fail for this user only.
    await sql(`
      CREATE FUNCTION identity.test_refuse_grant() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.action = 'consent.granted' AND NEW.subject_id = '${user.id}' THEN RAISE EXCEPTION 'refused by the test'; END IF;
        RETURN NEW;
      END $$`);
    await sql(
      `CREATE TRIGGER test_refuse_grant BEFORE INSERT ON identity.audit_events FOR EACH ROW EXECUTE FUNCTION identity.test_refuse_grant()`,
    );
    try {
      const res = await t.gql(GRANT, { input: grantInput(SOURCES.suppliers) }, { token: user.accessToken });
      expect(res.body.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(res.body)).not.toContain('refused by the test');
    } finally {
      await sql(`DROP TRIGGER test_refuse_grant ON identity.audit_events`);
      await sql(`DROP FUNCTION identity.test_refuse_grant()`);
    }
    expect(await sql(`SELECT 1 FROM identity.outbox WHERE payload->>'userId' = $1`, [user.id])).toEqual([]);
    expect(await sql(`SELECT 1 FROM identity.consents WHERE user_id = $1`, [user.id])).toEqual([]);

    // The same grant without the fault commits, with its event.
    const again = await t.gql(GRANT, { input: grantInput(SOURCES.suppliers) }, { token: user.accessToken });
    expect(again.body.errors).toBeUndefined();
    const [row] = await sql(
      `SELECT count(*)::int AS n FROM identity.outbox WHERE type = 'consent.granted' AND payload->>'userId' = $1`,
      [user.id],
    );
    expect(row.n).toBe(1);
  });
});
