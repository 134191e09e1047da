import { INTERNAL_SIGNATURE_HEADER, signInternalRequest } from '#platform/infra/auth/gateway-signature';
import { createPartnerResolver, partnerKeyHash, PARTNER_RESOLVE_PATH } from '#platform/contracts/partner-client';
import { Role } from '#platform/infra/schema/shared-types';
import { append, appendAlone } from '../subgraphs/identity-consent/modules/audit/audit.service';
import { expectError, registerUser } from './helpers/identity';
import { sqlOf, startTestStack, type TestStack } from './helpers/stack';

let t: TestStack;
let admin: string;
let adminId: string;

beforeAll(async () => {
  t = await startTestStack({ env: { RATE_LIMIT_REGISTER_PER_IP: '1000' } });
  adminId = (await registerUser(t)).id;
  admin = await t.tokenFor(adminId, [Role.ADMIN]);
});

afterAll(async () => {
  await t?.stop();
});

const db = () => t.stack.subgraphs['identity-consent'].deps.db.dataSource;
const sql = sqlOf(() => t, 'identity-consent');

const VERIFY = `{ verifyAuditLog { valid checked firstBrokenSequence } }`;

describe('the audit log', () => {
  it('keeps the chain valid under 50 concurrent appends', async () => {
    const before = (await t.gql(VERIFY, {}, { token: admin })).body.data.verifyAuditLog;
    expect(before.valid).toBe(true);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        appendAlone(db(), {
          action: 'test.concurrent',
          actorId: adminId,
          details: { i, nested: { b: 2, a: [1, 'x'] } },
        }),
      ),
    );
    const rows = await sql(`SELECT sequence::int AS s FROM identity.audit_events ORDER BY sequence`);
    expect(rows.map((r: { s: number }) => r.s)).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
    const after = (await t.gql(VERIFY, {}, { token: admin })).body.data.verifyAuditLog;
    expect(after).toEqual({ valid: true, checked: before.checked + 50, firstBrokenSequence: null });
  });

  it('refuses to append outside a transaction', async () => {
    await expect(append(db().manager, { action: 'test.loose' })).rejects.toThrow(/inside a transaction/);
  });

  it('refuses UPDATE, DELETE and TRUNCATE at the database', async () => {
    await expect(sql(`UPDATE identity.audit_events SET action = 'x' WHERE sequence = 1`)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql(`DELETE FROM identity.audit_events WHERE sequence = 1`)).rejects.toThrow(/append-only/);
    await expect(sql(`TRUNCATE identity.audit_events`)).rejects.toThrow(/append-only/);
  });

  it('reports the first edited row when someone with the owner role disables the trigger and edits', async () => {
    await appendAlone(db(), { action: 'test.before-tamper', actorId: adminId });
    const [{ s: target }] = await sql(`SELECT max(sequence)::int AS s FROM identity.audit_events`);
    await appendAlone(db(), { action: 'test.after-tamper', actorId: adminId });
    const tamper = async (details: string | null) => {
      await sql(`ALTER TABLE identity.audit_events DISABLE TRIGGER audit_events_append_only`);
      await sql(`UPDATE identity.audit_events SET details = $1::jsonb WHERE sequence = $2`, [details, target]);
      await sql(`ALTER TABLE identity.audit_events ENABLE TRIGGER audit_events_append_only`);
    };
    await tamper('{"edited": true}');
    const broken = (await t.gql(VERIFY, {}, { token: admin })).body.data.verifyAuditLog;
    expect(broken).toEqual({ valid: false, checked: target - 1, firstBrokenSequence: target });
    await tamper(null);
    expect((await t.gql(VERIFY, {}, { token: admin })).body.data.verifyAuditLog.valid).toBe(true);

    // a deleted row is a gap in the sequence
    await sql(`ALTER TABLE identity.audit_events DISABLE TRIGGER audit_events_append_only`);
    const [saved] = await sql(`SELECT * FROM identity.audit_events WHERE sequence = $1`, [target]);
    await sql(`DELETE FROM identity.audit_events WHERE sequence = $1`, [target]);
    const gap = (await t.gql(VERIFY, {}, { token: admin })).body.data.verifyAuditLog;
    expect(gap.firstBrokenSequence).toBe(target);
    await sql(
      `INSERT INTO identity.audit_events (id, sequence, at, actor_id, action, subject_id, details, previous_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [
        saved.id,
        saved.sequence,
        saved.at,
        saved.actor_id,
        saved.action,
        saved.subject_id,
        saved.details,
        saved.previous_hash,
        saved.hash,
      ],
    );
    await sql(`ALTER TABLE identity.audit_events ENABLE TRIGGER audit_events_append_only`);
    expect((await t.gql(VERIFY, {}, { token: admin })).body.data.verifyAuditLog.valid).toBe(true);
  });

  it('pages newest first, filters by action and actor, and caps first at 100', async () => {
    const user = await registerUser(t);
    const q = `query($first: Int, $after: String, $action: String, $actor: ID) {
      auditLog(first: $first, after: $after, action: $action, actorId: $actor) {
        totalCount edges { cursor node { sequence action actorId subjectId details hash previousHash at } } pageInfo { hasNextPage endCursor } } }`;
    const all = (await t.gql(q, { first: 100, action: 'test.concurrent' }, { token: admin })).body.data.auditLog;
    expect(all.totalCount).toBe(50);
    const sequences = all.edges.map((e: any) => e.node.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => b - a));

    const seen: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await t.gql(q, { first: 20, after, action: 'test.concurrent' }, { token: admin })).body.data
        .auditLog;
      seen.push(...page.edges.map((e: any) => e.node.sequence));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(sequences);

    const mine = (await t.gql(q, { actor: user.id }, { token: admin })).body.data.auditLog;
    expect(mine.edges.map((e: any) => e.node.action)).toEqual(['user.registered']);
    expect(mine.edges[0].node.subjectId).toBe(user.id);

    expectError(await t.gql(q, { first: 101 }, { token: admin }), 'BAD_USER_INPUT', 'first');
    expectError(await t.gql(q, { after: 'garbage' }, { token: admin }), 'BAD_USER_INPUT', 'after');
    expectError(await t.gql(q, { actor: 'nope' }, { token: admin }), 'BAD_USER_INPUT', 'actorId');
    expectError(await t.gql(q, {}, { token: user.accessToken }), 'FORBIDDEN');
    expectError(await t.gql(q, {}), 'UNAUTHENTICATED');
    expectError(await t.gql(VERIFY, {}, { token: user.accessToken }), 'FORBIDDEN');
  });
});

describe('partner clients', () => {
  const CREATE = `mutation($name: String!, $tier: PartnerTier!) { createPartnerClient(name: $name, tier: $tier) { apiKey client { id name tier createdAt revokedAt } } }`;
  const REVOKE = `mutation($id: ID!) { revokePartnerClient(id: $id) { id revokedAt } }`;
  const base = () => t.stack.subgraphs['identity-consent'].url.replace('/graphql', '');

  async function create(name: string, tier = 'STANDARD') {
    const res = await t.gql(CREATE, { name, tier }, { token: admin });
    if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data.createPartnerClient as { apiKey: string; client: { id: string; name: string; tier: string } };
  }

  async function resolveRoute(keyHash: string) {
    const path = `${PARTNER_RESOLVE_PATH}?keyHash=${keyHash}`;
    return fetch(base() + path, {
      headers: { [INTERNAL_SIGNATURE_HEADER]: signInternalRequest(t.config.INTERNAL_SECRET, 'GET', path) },
    });
  }

  it('creates a client with a key shown once and stored only as its sha256, lists and revokes it', async () => {
    const created = await create('  Karoo Commodities Exchange ', 'PREMIUM');
    expect(created.apiKey).toMatch(/^hmp_live_[A-Za-z0-9_-]{43}$/);
    expect(created.client).toMatchObject({ name: 'Karoo Commodities Exchange', tier: 'PREMIUM' });
    const [row] = await sql(`SELECT to_jsonb(p) AS j FROM identity.partner_clients p WHERE id = $1`, [
      created.client.id,
    ]);
    expect(JSON.stringify(row.j)).not.toContain(created.apiKey);
    expect(row.j.key_hash).toBe(partnerKeyHash(created.apiKey));

    const list = (await t.gql(`{ partnerClients { id name tier revokedAt } }`, {}, { token: admin })).body.data
      .partnerClients;
    expect(list[0]).toEqual({
      id: created.client.id,
      name: 'Karoo Commodities Exchange',
      tier: 'PREMIUM',
      revokedAt: null,
    });

    const revoked = await t.gql(REVOKE, { id: created.client.id }, { token: admin });
    expect(revoked.body.errors).toBeUndefined();
    expect(revoked.body.data.revokePartnerClient.revokedAt).not.toBeNull();
    expectError(await t.gql(REVOKE, { id: created.client.id }, { token: admin }), 'CONFLICT');
    expectError(await t.gql(REVOKE, { id: '00000000-0000-4000-8000-000000000000' }, { token: admin }), 'NOT_FOUND');

    const actions = await sql(
      `SELECT action, actor_id FROM identity.audit_events WHERE subject_id = $1 ORDER BY sequence`,
      [created.client.id],
    );
    expect(actions).toEqual([
      { action: 'partner.client_created', actor_id: adminId },
      { action: 'partner.client_revoked', actor_id: adminId },
    ]);
  });

  it('refuses bad names, non-admins and the anonymous', async () => {
    expectError(await t.gql(CREATE, { name: ' x ', tier: 'FREE' }, { token: admin }), 'BAD_USER_INPUT', 'name');
    expectError(
      await t.gql(CREATE, { name: 'n'.repeat(101), tier: 'FREE' }, { token: admin }),
      'BAD_USER_INPUT',
      'name',
    );
    const user = await registerUser(t);
    const someId = (await create('Someone')).client.id;
    for (const [query, vars] of [
      [CREATE, { name: 'Sneaky', tier: 'FREE' }],
      [REVOKE, { id: someId }],
      [`{ partnerClients { id } }`, {}],
    ] as const) {
      expectError(await t.gql(query, vars, { token: user.accessToken }), 'FORBIDDEN');
      expectError(await t.gql(query, vars), 'UNAUTHENTICATED');
    }
  });

  it('resolves a key hash on the signed internal route; null once revoked; 401 unsigned; 400 malformed', async () => {
    const created = await create('Route Partner', 'FREE');
    const hash = partnerKeyHash(created.apiKey);
    expect(await (await resolveRoute(hash)).json()).toEqual({
      partner: { id: created.client.id, name: 'Route Partner', tier: 'FREE' },
    });
    expect(await (await resolveRoute(partnerKeyHash('hmp_live_unknown'))).json()).toEqual({ partner: null });
    expect((await fetch(`${base()}${PARTNER_RESOLVE_PATH}?keyHash=${hash}`)).status).toBe(401);
    expect((await resolveRoute('ABC')).status).toBe(400);
    await t.gql(REVOKE, { id: created.client.id }, { token: admin });
    expect(await (await resolveRoute(hash)).json()).toEqual({ partner: null });
  });

  it('platform/contracts/partner-client caches answers for at most 5 s, so a revocation counts within 5 s', async () => {
    let now = 1_000_000;
    const resolver = createPartnerResolver({ ...t.stack.config, PARTNER_CACHE_TTL_MS: 60_000 }, { now: () => now });
    const created = await create('Cached Partner', 'STANDARD');
    const expected = { id: created.client.id, name: 'Cached Partner', tier: 'STANDARD' };

    expect(await resolver.resolve(created.apiKey)).toEqual(expected);
    expect(await resolver.resolve(created.apiKey)).toEqual(expected);
    expect(resolver.lookups).toBe(1);

    await t.gql(REVOKE, { id: created.client.id }, { token: admin });
    now += 4999;
    expect(await resolver.resolve(created.apiKey)).toEqual(expected);
    now += 1; // 5 s after the first lookup, even though 60 s was asked for
    expect(await resolver.resolve(created.apiKey)).toBeNull();
    expect(resolver.lookups).toBe(2);

    expect(await resolver.resolve('hmp_live_never-issued')).toBeNull();
    expect(await resolver.resolve('hmp_live_never-issued')).toBeNull();
    expect(resolver.lookups).toBe(3);
  });

  it('fails closed when identity-consent refuses the lookup', async () => {
    const resolver = createPartnerResolver({ ...t.stack.config, INTERNAL_SECRET: 'not-the-shared-secret-0123456789' });
    await expect(resolver.resolve('hmp_live_anything')).rejects.toThrow(/401/);
    await expect(resolver.resolve('hmp_live_anything')).rejects.toThrow(/401/);
    expect(resolver.lookups).toBe(2);
  });
});
