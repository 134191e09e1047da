import { generatePrivateJwk, loadSigningKeys } from '#platform/infra/auth/keys';
import { signAccessToken } from '#platform/infra/auth/viewer';
import { Role } from '#platform/infra/schema/shared-types';
import {
  decodeJwt,
  expectError,
  LOGIN,
  REFRESH,
  REGISTER,
  registerUser,
  STRONG_PASSWORD,
  uniqueEmail,
} from './helpers/identity';
import { startTestStack, type TestStack, sqlOf } from './helpers/stack';

const ADMIN_EMAIL = 'Root.Admin@Example.co.za';
const ADMIN_PASSWORD = 'Bootstrap-admin-2024';

let t: TestStack;
let currentKey: Awaited<ReturnType<typeof generatePrivateJwk>>;
let previousKey: Awaited<ReturnType<typeof generatePrivateJwk>>;

beforeAll(async () => {
  currentKey = await generatePrivateJwk();
  previousKey = await generatePrivateJwk();
  t = await startTestStack({
    env: {
      JWT_PRIVATE_KEYS: JSON.stringify([currentKey, previousKey]),
      BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
      RATE_LIMIT_LOGIN_PER_EMAIL: '1000',
      RATE_LIMIT_LOGIN_PER_IP: '1000',
      RATE_LIMIT_REGISTER_PER_IP: '1000',
      RATE_LIMIT_REFRESH_PER_IP: '1000',
    },
  });
});

afterAll(async () => {
  await t?.stop();
});

const sql = sqlOf(() => t, 'identity-consent');

async function auditActions(subjectId: string): Promise<string[]> {
  const rows = await sql('SELECT action FROM identity.audit_events WHERE subject_id = $1 ORDER BY sequence', [
    subjectId,
  ]);
  return rows.map((r: { action: string }) => r.action);
}

describe('register', () => {
  it('creates the account, signs it in and shows the new user their own email', async () => {
    const email = uniqueEmail('reg');
    const res = await t.gql(REGISTER, {
      input: {
        email: `  ${email.toUpperCase()} `,
        password: STRONG_PASSWORD,
        displayName: '  Sipho   Dlamini ',
        roles: ['SELLER', 'BUYER', 'SELLER'],
        province: 'LIMPOPO',
      },
    });
    expect(res.body.errors).toBeUndefined();
    const payload = res.body.data.register;
    expect(payload.user).toMatchObject({
      email,
      displayName: 'Sipho Dlamini',
      roles: ['SELLER', 'BUYER'],
      province: 'LIMPOPO',
    });
    expect(payload.refreshToken).toMatch(/^hmr_[A-Za-z0-9_-]{43}$/);
    const expiresIn = new Date(payload.expiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);

    const jwt = decodeJwt(payload.accessToken);
    expect(jwt.header.kid).toBe(currentKey.kid);
    expect(jwt.payload).toMatchObject({ sub: payload.user.id, roles: ['SELLER', 'BUYER'] });
    expect(typeof jwt.payload.jti).toBe('string');

    const me = await t.gql(`{ me { id email } }`, {}, { token: payload.accessToken });
    expect(me.body.data.me).toEqual({ id: payload.user.id, email });

    const [stored] = await sql('SELECT password_hash FROM identity.users WHERE id = $1', [payload.user.id]);
    expect(stored.password_hash).toMatch(/^scrypt\$/);
    expect(stored.password_hash).not.toContain(STRONG_PASSWORD);
    expect(await auditActions(payload.user.id)).toEqual(['user.registered']);
  });

  it.each([
    ['an email without a domain', { email: 'thandi@' }, 'email'],
    ['an email with spaces', { email: 'tha ndi@example.co.za' }, 'email'],
    ['a password under 10 characters', { password: 'Short-1' }, 'password'],
    ['a password of one character class', { password: 'abcdefghijklmnop' }, 'password'],
    ['a digits-only password', { password: '12345678901234' }, 'password'],
    ['a one-character display name', { displayName: ' A ' }, 'displayName'],
    ['an 81-character display name', { displayName: 'x'.repeat(81) }, 'displayName'],
    ['the ADMIN role', { roles: ['BUYER', 'ADMIN'] }, 'roles'],
    ['no role', { roles: [] }, 'roles'],
  ])('refuses %s with BAD_USER_INPUT naming the field', async (_name, override, field) => {
    const res = await t.gql(REGISTER, {
      input: { email: uniqueEmail(), password: STRONG_PASSWORD, displayName: 'Thandi', roles: ['BUYER'], ...override },
    });
    expectError(res, 'BAD_USER_INPUT', field);
  });

  it('refuses an email already registered, whatever its case, with CONFLICT', async () => {
    const first = await registerUser(t);
    const res = await t.gql(REGISTER, {
      input: { email: first.email.toUpperCase(), password: STRONG_PASSWORD, displayName: 'Copy Cat', roles: ['BUYER'] },
    });
    expectError(res, 'CONFLICT');
    const [{ count }] = await sql('SELECT count(*)::int AS count FROM identity.users WHERE email = $1', [first.email]);
    expect(count).toBe(1);
  });

  it('lets exactly one of two simultaneous registrations of one email through', async () => {
    const email = uniqueEmail('race');
    const input = { email, password: STRONG_PASSWORD, displayName: 'Racer', roles: ['BUYER'] };
    const results = await Promise.all([t.gql(REGISTER, { input }), t.gql(REGISTER, { input })]);
    const codes = results.map((r) => r.body.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'OK']);
  });
});

describe('login', () => {
  it('signs in with the email in any case and audits the success', async () => {
    const user = await registerUser(t);
    const res = await t.gql(LOGIN, { email: user.email.toUpperCase(), password: STRONG_PASSWORD });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.login.user).toEqual({ id: user.id, email: user.email, roles: ['BUYER'] });
    expect(await auditActions(user.id)).toEqual(['user.registered', 'auth.login_succeeded']);
  });

  it('answers a wrong password and an unknown email with the same UNAUTHENTICATED message, and audits both', async () => {
    const user = await registerUser(t);
    const wrong = await t.gql(LOGIN, { email: user.email, password: 'Not-the-password-1' });
    const unknown = await t.gql(LOGIN, { email: uniqueEmail('nobody'), password: STRONG_PASSWORD });
    expectError(wrong, 'UNAUTHENTICATED');
    expectError(unknown, 'UNAUTHENTICATED');
    expect(wrong.body.errors![0].message).toBe(unknown.body.errors![0].message);
    expect(wrong.body.data).toBeNull();
    expect(await auditActions(user.id)).toEqual(['user.registered', 'auth.login_failed']);
    const failures = await sql(
      `SELECT details FROM identity.audit_events WHERE action = 'auth.login_failed' AND subject_id IS NULL ORDER BY sequence DESC LIMIT 1`,
    );
    expect(failures[0].details).toMatchObject({ reason: 'unknown_email' });
    expect(JSON.stringify(failures[0].details)).not.toContain('@');
  });

  it('gives the bootstrap admin a working login with the ADMIN role', async () => {
    const res = await t.gql(LOGIN, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.login.user.roles).toContain('ADMIN');
    const users = await t.gql(`{ users(first: 1) { totalCount } }`, {}, { token: res.body.data.login.accessToken });
    expect(users.body.errors).toBeUndefined();
    expect(users.body.data.users.totalCount).toBeGreaterThan(0);
  });

  it('refuses a disabled or erased account with the same message', async () => {
    for (const column of ['disabled_at', 'erased_at']) {
      const user = await registerUser(t);
      await sql(`UPDATE identity.users SET ${column} = now() WHERE id = $1`, [user.id]);
      const res = await t.gql(LOGIN, { email: user.email, password: STRONG_PASSWORD });
      expectError(res, 'UNAUTHENTICATED');
      expect(res.body.errors![0].message).toBe('Wrong email or password');
    }
  });
});

describe('refresh tokens', () => {
  it('rotates: the new pair works and the old refresh token stops working', async () => {
    const user = await registerUser(t);
    const first = await t.gql(REFRESH, { token: user.refreshToken });
    expect(first.body.errors).toBeUndefined();
    const next = first.body.data.refreshToken;
    expect(next.refreshToken).not.toBe(user.refreshToken);
    expect(next.user.email).toBe(user.email);
    const me = await t.gql(`{ me { id } }`, {}, { token: next.accessToken });
    expect(me.body.data.me.id).toBe(user.id);

    const second = await t.gql(REFRESH, { token: next.refreshToken });
    expect(second.body.errors).toBeUndefined();
    const stored = await sql('SELECT token_hash FROM identity.refresh_tokens WHERE user_id = $1', [user.id]);
    for (const row of stored) expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.map((r: { token_hash: string }) => r.token_hash)).not.toContain(user.refreshToken);
  });

  it('revokes the whole family when a rotated token is presented again, and audits the reuse', async () => {
    const user = await registerUser(t);
    const rotated = (await t.gql(REFRESH, { token: user.refreshToken })).body.data.refreshToken;

    const replay = await t.gql(REFRESH, { token: user.refreshToken });
    expectError(replay, 'UNAUTHENTICATED');
    // the legitimate holder's newer token is dead too: the thief and the victim both sign in again
    const victim = await t.gql(REFRESH, { token: rotated.refreshToken });
    expectError(victim, 'UNAUTHENTICATED');
    expect(await auditActions(user.id)).toContain('auth.refresh_token_reused');
    const live = await sql(
      'SELECT count(*)::int AS n FROM identity.refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL',
      [user.id],
    );
    expect(live[0].n).toBe(0);

    // another session of the same user is untouched
    const other = (await t.gql(LOGIN, { email: user.email, password: STRONG_PASSWORD })).body.data.login;
    expect((await t.gql(REFRESH, { token: other.refreshToken })).body.errors).toBeUndefined();
  });

  it('refuses malformed and unknown tokens', async () => {
    expectError(await t.gql(REFRESH, { token: 'not-a-token' }), 'UNAUTHENTICATED');
    expectError(await t.gql(REFRESH, { token: `hmr_${'A'.repeat(43)}` }), 'UNAUTHENTICATED');
  });

  it('refuses to refresh for a disabled or erased user and ends the session', async () => {
    for (const column of ['disabled_at', 'erased_at']) {
      const user = await registerUser(t);
      await sql(`UPDATE identity.users SET ${column} = now() WHERE id = $1`, [user.id]);
      expectError(await t.gql(REFRESH, { token: user.refreshToken }), 'UNAUTHENTICATED');
      await sql(`UPDATE identity.users SET ${column} = NULL WHERE id = $1`, [user.id]);
      expectError(await t.gql(REFRESH, { token: user.refreshToken }), 'UNAUTHENTICATED');
    }
  });

  it('logout revokes the session; the token cannot refresh or log out again', async () => {
    const user = await registerUser(t);
    const res = await t.gql(`mutation($t: String!) { logout(refreshToken: $t) }`, { t: user.refreshToken });
    expect(res.body).toEqual({ data: { logout: true } });
    expectError(await t.gql(REFRESH, { token: user.refreshToken }), 'UNAUTHENTICATED');
    expectError(
      await t.gql(`mutation($t: String!) { logout(refreshToken: $t) }`, { t: user.refreshToken }),
      'UNAUTHENTICATED',
    );
    expectError(await t.gql(`mutation { logout(refreshToken: "garbage") }`), 'UNAUTHENTICATED');
    expect(await auditActions(user.id)).toEqual(['user.registered', 'auth.logout']);
  });
});

describe('signing keys', () => {
  it('publishes every configured key and accepts a token signed by the older one', async () => {
    const jwksUrl = t.stack.subgraphs['identity-consent'].url.replace('/graphql', '/.well-known/jwks.json');
    const jwks = (await (await fetch(jwksUrl)).json()) as { keys: { kid: string; d?: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([currentKey.kid, previousKey.kid]);
    for (const k of jwks.keys) expect(k.d).toBeUndefined();

    const user = await registerUser(t);
    const issuer = { issuer: t.config.JWT_ISSUER, audience: t.config.JWT_AUDIENCE };
    const older = await loadSigningKeys(JSON.stringify([previousKey]), t.config.DATA_DIR);
    const oldToken = (await signAccessToken(older, { userId: user.id, roles: [Role.BUYER] }, issuer)).token;
    expect(decodeJwt(oldToken).header.kid).toBe(previousKey.kid);
    const me = await t.gql(`{ me { id } }`, {}, { token: oldToken });
    expect(me.body.data.me.id).toBe(user.id);

    const stranger = await loadSigningKeys(JSON.stringify([await generatePrivateJwk()]), t.config.DATA_DIR);
    const forged = (await signAccessToken(stranger, { userId: user.id, roles: [Role.ADMIN] }, issuer)).token;
    const refused = await t.gql(`{ me { id } }`, {}, { token: forged });
    expect(refused.status).toBe(401);
    expectError(refused, 'UNAUTHENTICATED');
  });
});

describe('setUserRoles', () => {
  const SET_ROLES = `mutation($id: ID!, $roles: [Role!]!) { setUserRoles(userId: $id, roles: $roles) { id roles } }`;

  it('lets an ADMIN change roles; the next refresh carries them; the change is audited', async () => {
    const admin = await registerUser(t);
    await sql(`UPDATE identity.users SET roles = '{ADMIN}' WHERE id = $1`, [admin.id]);
    const adminToken = await t.tokenFor(admin.id, [Role.ADMIN]);
    const user = await registerUser(t);
    const res = await t.gql(SET_ROLES, { id: user.id, roles: ['SELLER', 'BUYER'] }, { token: adminToken });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.setUserRoles).toEqual({ id: user.id, roles: ['SELLER', 'BUYER'] });
    const refreshed = (await t.gql(REFRESH, { token: user.refreshToken })).body.data.refreshToken;
    expect(decodeJwt(refreshed.accessToken).payload.roles).toEqual(['SELLER', 'BUYER']);
    const [event] = await sql(
      `SELECT actor_id, details FROM identity.audit_events WHERE action = 'user.roles_changed' AND subject_id = $1`,
      [user.id],
    );
    expect(event).toEqual({ actor_id: admin.id, details: { from: ['BUYER'], to: ['SELLER', 'BUYER'] } });
  });

  it('refuses the anonymous, non-admins, unknown users, no roles and an admin dropping their own ADMIN', async () => {
    const user = await registerUser(t);
    const adminId = (await registerUser(t)).id;
    const admin = await t.tokenFor(adminId, [Role.ADMIN]);
    expectError(await t.gql(SET_ROLES, { id: user.id, roles: ['ADMIN'] }), 'UNAUTHENTICATED');
    expectError(await t.gql(SET_ROLES, { id: user.id, roles: ['ADMIN'] }, { token: user.accessToken }), 'FORBIDDEN');
    expectError(
      await t.gql(SET_ROLES, { id: '00000000-0000-4000-8000-000000000000', roles: ['BUYER'] }, { token: admin }),
      'NOT_FOUND',
    );
    expectError(await t.gql(SET_ROLES, { id: 'nope', roles: ['BUYER'] }, { token: admin }), 'NOT_FOUND');
    expectError(await t.gql(SET_ROLES, { id: user.id, roles: [] }, { token: admin }), 'BAD_USER_INPUT', 'roles');
    expectError(await t.gql(SET_ROLES, { id: adminId, roles: ['BUYER'] }, { token: admin }), 'BAD_USER_INPUT', 'roles');
    const [row] = await sql('SELECT roles FROM identity.users WHERE id = $1', [user.id]);
    expect(row.roles).toEqual(['BUYER']);
  });
});
