import { statSync } from 'node:fs';
import path from 'node:path';
import { DEMO_ADMIN_EMAIL, loadDemoData } from '../scripts/demo-data';
import { startTestStack, type TestStack } from './helpers/stack';

/**
 * `npm start` on the embedded database makes an ADMIN for the console, so it works with no setup;
 * its password is random per data directory (a published admin password would be a way in).
 */
describe('demo admin', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack();
  });
  afterAll(async () => t?.stop());

  const LOGIN = `mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`;

  it('signs in as ADMIN with the password kept in the data directory, the same on every start', async () => {
    const first = await loadDemoData(t.stack);
    const again = await loadDemoData(t.stack);
    expect(first.admin).toEqual({ email: DEMO_ADMIN_EMAIL, password: again.admin.password });
    expect(first.admin.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const file = path.join(t.config.DATA_DIR, 'demo-admin-password');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const login = await t.gql(LOGIN, { e: DEMO_ADMIN_EMAIL, p: first.admin.password });
    const token = login.body.data.login.accessToken as string;
    const me = await t.gql(`{ me { roles } }`, {}, { token });
    expect(me.body.data.me.roles).toEqual(['ADMIN']);
  });

  it('refuses the demo admin with any other password', async () => {
    await loadDemoData(t.stack);
    const login = await t.gql(LOGIN, { e: DEMO_ADMIN_EMAIL, p: 'demo-admin-password' });
    expect(login.body.data).toBeNull();
    expect(login.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
