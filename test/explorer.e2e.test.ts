import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { Province, Role } from '#platform/infra/schema/shared-types';
import { SANDBOX_SCRIPT_URL } from '../gateway/explorer/landing';
import { hashPassword } from '../subgraphs/identity-consent/modules/auth/password';
import { UserEntity } from '../subgraphs/identity-consent/modules/user/user.entity';
import { insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// A browser, GraphiQL and a password hash per log-in: generous on a busy 2-core machine.
jest.setTimeout(180_000);
const DOCS = path.join(PROJECT_ROOT, 'docs');
/** Screenshots for the README, refreshed by every run. */
/** DOCS_SCREENSHOTS=1 rewrites the committed screenshots in docs/; a plain test run leaves the tree clean. */
const screenshot = async (page: import('playwright-core').Page, name: string) => {
  if (process.env.DOCS_SCREENSHOTS === '1') await page.screenshot({ path: path.join(DOCS, name) });
};

/** The offline explorer in a real browser: no CDN, an admin token, a query that needs it. */
describe('offline explorer in Chromium', () => {
  let t: TestStack;
  let browser: Browser;
  const profile = mkdtempSync(path.join(tmpdir(), 'hemp-chromium-'));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    t = await startTestStack();
    mkdirSync(DOCS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      // playwright gives every launch a fresh profile; the folder is passed for Chromium's own crash files
      env: { ...process.env, HOME: profile },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    rmSync(profile, { recursive: true, force: true });
  });

  it('loads from the gateway alone, runs a query with an admin token and shows the data', async () => {
    const [admin] = await insertUsers(t.stack, 3);
    const token = await t.tokenFor(admin.id, [Role.ADMIN]);
    const page = await browser.newPage();
    const outside: string[] = [];
    const gatewayOrigin = new URL(t.gatewayUrl).origin;
    page.on('request', (req) => {
      if (!req.url().startsWith(gatewayOrigin) && !req.url().startsWith('data:')) outside.push(req.url());
    });
    const query = '{ users(first: 2) { totalCount } }';
    await page.goto(`${gatewayOrigin}/explorer?query=${encodeURIComponent(query)}`);
    await page.fill('#token', token);
    await page.click('#use-token');
    await page.waitForSelector('.graphiql-execute-button', { timeout: 60_000 });
    await page.click('.graphiql-execute-button');
    await page.locator('.result-window', { hasText: 'totalCount' }).waitFor({ timeout: 60_000 });
    const result = await page.textContent('.result-window');
    expect(result).toMatch(/"totalCount":\s*3/);
    expect(outside).toEqual([]);
  });

  it('shows the refusal when no token is given', async () => {
    const page = await browser.newPage();
    await page.goto(
      `${new URL(t.gatewayUrl).origin}/explorer?query=${encodeURIComponent('{ users(first: 1) { totalCount } }')}`,
    );
    // a new page is a new browser context: nothing is remembered from the admin's session
    await page.fill('#token', '');
    await page.click('#use-token');
    await page.waitForSelector('.graphiql-execute-button', { timeout: 60_000 });
    await page.click('.graphiql-execute-button');
    await page.locator('.result-window', { hasText: 'UNAUTHENTICATED' }).waitFor({ timeout: 60_000 });
  });

  /** An account that logs in with a password, as a person would through the form. */
  async function accountWithPassword(roles: Role[], password: string): Promise<{ email: string; password: string }> {
    const users = t.stack.subgraphs['identity-consent'].deps.db.dataSource.getRepository(UserEntity);
    const email = `explorer-${roles.join('-').toLowerCase()}-${Date.now().toString(36)}@example.co.za`;
    await users.save(
      users.create({
        email,
        displayName: `Explorer ${roles.join(' ')}`,
        roles,
        province: Province.GAUTENG,
        passwordHash: await hashPassword(password),
      }),
    );
    return { email, password };
  }

  it('logs in with the form, which fills the token, and runs an admin query with it', async () => {
    const admin = await accountWithPassword([Role.ADMIN], 'explorer-admin-password-1');
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on(
      'response',
      (r) => r.url().endsWith('/graphql') && r.status() !== 200 && problems.push(`${r.status()} ${r.url()}`),
    );
    const origin = new URL(t.gatewayUrl).origin;
    await page.goto(`${origin}/explorer?query=${encodeURIComponent('{ users(first: 1) { totalCount } }')}`);
    await page.fill('#login-email', admin.email);
    await page.fill('#login-password', 'wrong password');
    await page.click('#login');
    await page
      .locator('#login-status', { hasText: 'Login failed' })
      .waitFor({ timeout: 60_000 })
      .catch(async (err) => {
        throw new Error(
          `${err.message}; status: ${await page.textContent('#login-status')}; page problems: ${problems.join(' | ')}`,
        );
      });
    expect(await page.inputValue('#token')).toBe('');
    await page.fill('#login-password', admin.password);
    await page.click('#login');
    await page
      .locator('#login-status', { hasText: 'Logged in as Explorer ADMIN (ADMIN)' })
      .waitFor({ timeout: 60_000 });
    expect((await page.inputValue('#token')).split('.')).toHaveLength(3); // a JWT, filled in for the user
    expect(await page.inputValue('#login-password')).toBe('');
    await page.waitForSelector('.graphiql-execute-button', { timeout: 60_000 });
    await page.click('.graphiql-execute-button');
    await page.locator('.result-window', { hasText: 'totalCount' }).waitFor({ timeout: 60_000 });
    expect(await page.textContent('.result-window')).toMatch(/"totalCount":\s*\d+/);
    await screenshot(page, 'explorer-login.png');
    // logging out clears the token: the same query is refused again
    await page.click('#logout');
    expect(await page.inputValue('#token')).toBe('');
    await page.waitForSelector('.graphiql-execute-button', { timeout: 60_000 });
    await page.click('.graphiql-execute-button');
    await page.locator('.result-window', { hasText: 'UNAUTHENTICATED' }).waitFor({ timeout: 60_000 });
  });

  it('accepts a trailing slash, keeping the query', async () => {
    const page = await browser.newPage();
    const origin = new URL(t.gatewayUrl).origin;
    const res = await fetch(`${origin}/explorer/?query=%7B__typename%7D`, { redirect: 'manual' });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('/explorer?query=%7B__typename%7D');
    await page.goto(`${origin}/explorer/`);
    expect(new URL(page.url()).pathname).toBe('/explorer');
    await page.waitForSelector('.graphiql-execute-button', { timeout: 60_000 });
  });

  it.each(['/', '/graphql'])('offline, %s says Sandbox cannot be loaded and links to /explorer', async (route) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const outside: string[] = [];
    // no internet here anyway; aborting makes the test independent of the machine's network
    await page.route('https://**/*', (r) => {
      outside.push(r.request().url());
      return r.abort('internetdisconnected');
    });
    const origin = new URL(t.gatewayUrl).origin;
    await page.goto(`${origin}${route}`);
    await page
      .locator('#offline', { hasText: 'Apollo Sandbox cannot be loaded' })
      .waitFor({ state: 'visible', timeout: 60_000 });
    expect(outside).toEqual([SANDBOX_SCRIPT_URL]);
    const link = page.locator('#offline a.go');
    expect(await link.getAttribute('href')).toBe('/explorer');
    if (route === '/') await screenshot(page, 'landing-offline.png');
    await link.click();
    await page.waitForSelector('.graphiql-execute-button', { timeout: 60_000 });
    expect(new URL(page.url()).pathname).toBe('/explorer');
  });

  it('online, embeds Apollo Sandbox on this endpoint, and re-embeds it with the token after logging in', async () => {
    const seller = await accountWithPassword([Role.SELLER], 'explorer-seller-password-1');
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    // Apollo's CDN, stood in for by a script with the same global: it records what the page asks for
    await page.route(SANDBOX_SCRIPT_URL, (r) =>
      r.fulfill({
        contentType: 'text/javascript',
        body: `window.__sandboxes = [];
          window.EmbeddedSandbox = function (options) {
            window.__sandboxes.push(JSON.parse(JSON.stringify(options)));
            var frame = document.createElement('iframe');
            frame.title = 'Apollo Sandbox';
            document.querySelector(options.target).appendChild(frame);
            this.dispose = function () { frame.remove(); };
          };`,
      }),
    );
    const origin = new URL(t.gatewayUrl).origin;
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (globalThis as any).__sandboxes?.length === 1, undefined, { timeout: 60_000 });
    const [first] = await page.evaluate(() => (globalThis as any).__sandboxes);
    expect(first).toMatchObject({
      target: '#sandbox',
      initialEndpoint: `${origin}/graphql`,
      endpointIsEditable: false,
      initialState: { sharedHeaders: {} },
    });
    expect(await page.isVisible('#offline')).toBe(false);
    await page.fill('#login-email', seller.email);
    await page.fill('#login-password', seller.password);
    await page.click('#login');
    await page.waitForFunction(() => (globalThis as any).__sandboxes?.length === 2, undefined, { timeout: 60_000 });
    const second = (await page.evaluate(() => (globalThis as any).__sandboxes))[1];
    expect(second.initialState.sharedHeaders.Authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(await page.locator('#sandbox iframe').count()).toBe(1);
  });
});
