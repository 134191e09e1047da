import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { loadDemoData } from '../scripts/demo-data';
import { startTestStack, type TestStack } from './helpers/stack';
import { waitFor } from './helpers/wait';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN = { email: 'console-admin@example.test', password: 'Console-admin-pass-2026!' };
const BUYER = { email: 'console-buyer@example.test', password: 'Console-buyer-pass-2026!' };
const SOURCES = 3;
// ADMIN_SCREENSHOTS=1 refreshes the committed screenshots in docs/admin/; otherwise they go to a temporary folder
const SHOTS =
  process.env.ADMIN_SCREENSHOTS === '1'
    ? path.join(PROJECT_ROOT, 'docs', 'admin')
    : mkdtempSync(path.join(tmpdir(), 'hemp-admin-shots-'));

/** Every page with the charts it must draw and how many series each holds. */
const PAGES: Array<{ id: string; charts: Record<string, number> }> = [
  { id: 'overview', charts: { 'chart-health': 1, 'chart-latency': 3 } },
  { id: 'funnel', charts: { 'chart-funnel': 1, 'chart-interactions': 6 } },
  { id: 'market', charts: { 'chart-market-provinces': 4, 'chart-market-types': 4 } },
  { id: 'sources', charts: { 'chart-crawl-records': SOURCES + 1, 'chart-crawl-duration': SOURCES } },
  { id: 'privacy', charts: { 'chart-consents': 2 } },
  { id: 'audit', charts: {} },
];

/** The admin console at /admin in a real browser, on the gateway alone: no CDN, admins only. */
describe('admin console in Chromium', () => {
  let t: TestStack;
  let browser: Browser;
  const profile = mkdtempSync(path.join(tmpdir(), 'hemp-chromium-'));

  async function gqlOk<T = any>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
    const res = await t.gql<T>(query, variables, { token });
    if (res.body.errors?.length || !res.body.data) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data;
  }

  /** Some traffic, so the charts have something to draw: searches, views, matches, orders, consents, requests. */
  async function activity(): Promise<void> {
    const admin = (
      await gqlOk(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`, {
        e: ADMIN.email,
        p: ADMIN.password,
      })
    ).login.accessToken;
    const buyer = (
      await gqlOk(`mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }`, {
        i: { ...BUYER, displayName: 'Console Buyer', roles: ['BUYER'], province: 'GAUTENG' },
      })
    ).register;
    const other = (
      await gqlOk(`mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }`, {
        i: { email: 'leaver@example.test', password: 'Leaver-pass-2026!!', displayName: 'Leaver', roles: ['BUYER'] },
      })
    ).register;
    const listings = (await gqlOk(`{ listings(first: 3) { edges { node { id } } } }`)).listings.edges.map(
      (e: { node: { id: string } }) => e.node.id,
    );
    for (let i = 0; i < 6; i += 1)
      await gqlOk(`mutation { logInteraction(input: { type: SEARCH }) }`, {}, buyer.accessToken);
    for (const id of listings)
      await gqlOk(
        `mutation($id: ID!) { logInteraction(input: { type: LISTING_VIEW, listingId: $id }) }`,
        { id },
        buyer.accessToken,
      );
    await gqlOk(
      `mutation { requestMatches(input: { productType: CBD_OIL, quantityKg: 1 }) { id } }`,
      {},
      buyer.accessToken,
    );
    await gqlOk(
      `mutation($id: ID!) { placeOrder(listingId: $id, quantityKg: 1, idempotencyKey: "console-e2e-1") { id } }`,
      { id: listings[0] },
      buyer.accessToken,
    );
    const sources = (await gqlOk(`{ dataSources { id slug } }`)).dataSources as Array<{ id: string }>;
    for (const s of sources.slice(0, 2)) {
      await gqlOk(
        `mutation($id: ID!) { grantConsent(input: { dataSourceId: $id, accessLevel: FULL, purpose: "matching", consentVersion: "v1" }) { id } }`,
        { id: s.id },
        buyer.accessToken,
      );
    }
    await gqlOk(
      `mutation($id: ID!) { withdrawConsent(dataSourceId: $id) { id } }`,
      { id: sources[0].id },
      buyer.accessToken,
    );
    await gqlOk(`mutation { requestDataExport { id } }`, {}, buyer.accessToken);
    await gqlOk(`mutation($id: ID!) { requestErasure(userId: $id) { id } }`, { id: other.user.id }, admin);
    // interactions reach analytics through the event bus
    await waitFor(
      async () => {
        const now = Date.now();
        const a = await gqlOk(
          `query($f: DateTime!, $t: DateTime!) { interactionAnalytics(from: $f, to: $t) { funnel { orders } totals { type count } } }`,
          { f: new Date(now - 86_400_000).toISOString(), t: new Date(now + 60_000).toISOString() },
          admin,
        );
        return (
          a.interactionAnalytics.funnel.orders > 0 &&
          a.interactionAnalytics.totals.some(
            (x: { type: string; count: number }) => x.type === 'CONSENT_WITHDRAWN' && x.count > 0,
          )
        );
      },
      { timeoutMs: 20_000 },
    );
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    // the console's browser modules are compiled apart from the Node code (npm run build does the same)
    execFileSync(
      process.execPath,
      [path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'gateway/admin/client/tsconfig.json'],
      { cwd: PROJECT_ROOT, stdio: 'pipe' },
    );
    mkdirSync(SHOTS, { recursive: true });
    t = await startTestStack({
      env: {
        SUBGRAPH_TIMEOUT_MS: '30000',
        BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
        BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
        RATE_LIMIT_LOGIN_PER_EMAIL: '100',
        RATE_LIMIT_LOGIN_PER_IP: '1000',
        RATE_LIMIT_REGISTER_PER_IP: '100',
      },
    });
    await loadDemoData(t.stack);
    await activity();
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
      env: { ...process.env, HOME: profile },
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    rmSync(profile, { recursive: true, force: true });
    if (process.env.ADMIN_SCREENSHOTS !== '1') rmSync(SHOTS, { recursive: true, force: true });
  });

  const origin = () => new URL(t.gatewayUrl).origin;

  async function openConsole(user: {
    email: string;
    password: string;
  }): Promise<{ page: Page; outside: string[]; operations: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const outside: string[] = [];
    const operations: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(origin()) && !req.url().startsWith('data:')) outside.push(req.url());
      if (req.url().endsWith('/graphql') && req.method() === 'POST')
        operations.push(JSON.parse(req.postData() ?? '{}').operationName);
    });
    await page.goto(`${origin()}/admin`);
    await page.fill('#email', user.email);
    await page.fill('#password', user.password);
    await page.keyboard.press('Enter');
    return { page, outside, operations };
  }

  async function seriesCounts(page: Page, charts: Record<string, number>): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const id of Object.keys(charts)) out[id] = Number(await page.getAttribute(`#${id}`, 'data-series-count'));
    return out;
  }

  it('signs an admin in and draws every page, with the expected series, from the gateway alone', async () => {
    const { page, outside, operations } = await openConsole(ADMIN);
    await page.waitForSelector('body[data-ready="overview"]', { timeout: 20_000 });
    for (const p of PAGES) {
      await page.click(`header nav a[data-page="${p.id}"]`);
      await page.waitForSelector(`body[data-ready="${p.id}"]`, { timeout: 20_000 });
      expect(await page.textContent('main h2')).toMatch(new RegExp(p.id, 'i'));
      expect(await page.locator('#page-error').count()).toBe(0);
      expect(await seriesCounts(page, p.charts)).toEqual(p.charts);
      // every chart carries a text alternative: a label and a data table
      for (const id of Object.keys(p.charts)) {
        expect((await page.getAttribute(`#${id}`, 'aria-label'))?.length).toBeGreaterThan(20); // ECharts' generated description
        expect(Number(await page.getAttribute(`#${id}`, 'data-width'))).toBeGreaterThan(300); // drawn at its laid-out size
        expect(await page.locator(`#${id} canvas`).count()).toBe(1);
        expect((await page.textContent(`#${id}-summary`))?.length).toBeGreaterThan(20);
        expect(await page.getAttribute(`#${id}`, 'aria-describedby')).toBe(`${id}-summary`);
        expect(await page.locator(`figure:has(#${id}) details table`).count()).toBe(1);
      }
      await page.screenshot({ path: path.join(SHOTS, `${p.id}.png`), fullPage: true });
    }
    // the page data behind the charts: what the activity above produced
    await page.click('header nav a[data-page="privacy"]');
    await page.waitForSelector('body[data-ready="privacy"]');
    expect(await page.locator('#dsr-table > table > tbody > tr').count()).toBe(2);
    await page.click('header nav a[data-page="audit"]');
    await page.waitForSelector('#audit-verify[data-valid="true"]', { timeout: 20_000 });
    expect(await page.locator('#audit-table tbody tr').count()).toBeGreaterThan(3);
    expect(outside).toEqual([]);
    expect(new Set(operations)).toEqual(
      new Set([
        'AdminLogin',
        'AdminOverview',
        'AdminFunnel',
        'AdminMarketByProvince',
        'AdminMarketByProductType',
        'AdminSources',
        'AdminConsentTrend',
        'AdminDataSubjectRequests',
        'AdminAuditLog',
        'AdminVerifyAuditLog',
      ]),
    );
    await page.close();
  }, 120_000);

  it('is usable from the keyboard: sign in, move between pages, change the funnel range', async () => {
    const page = await browser.newPage();
    await page.goto(`${origin()}/admin`);
    // the email field has focus on arrival
    await page.keyboard.type(ADMIN.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-ready="overview"]', { timeout: 20_000 });
    await page.focus('header nav a[data-page="funnel"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-ready="funnel"]', { timeout: 20_000 });
    expect(await page.getAttribute('header nav a[data-page="funnel"]', 'aria-current')).toBe('page');
    await page.focus('#funnel-days');
    await page.selectOption('#funnel-days', '7');
    await page.waitForSelector('body[data-ready="funnel"]');
    await page.locator('input[name="funnel-granularity"][value="HOUR"]').check();
    await page.waitForSelector('body[data-ready="funnel"] input[name="funnel-granularity"][value="HOUR"]:checked');
    // 7 days of hours: 168 buckets in the aria summary
    expect(await page.textContent('#chart-interactions-summary')).toMatch(/in 168 hourly buckets/);
    // a year allows day buckets only
    await page.selectOption('#funnel-days', '365');
    await page.waitForSelector('body[data-ready="funnel"] input[name="funnel-granularity"][value="HOUR"]:disabled');
    expect(await page.textContent('#chart-interactions-summary')).toMatch(/in 365 daily buckets/);
    await page.close();
  }, 60_000);

  it('starts a crawl and follows it live until it ends', async () => {
    const { page } = await openConsole(ADMIN);
    await page.waitForSelector('body[data-ready="overview"]', { timeout: 20_000 });
    await page.click('header nav a[data-page="sources"]');
    await page.waitForSelector('body[data-ready="sources"]');
    const runsBefore = (
      await gqlOk(
        `{ crawlRuns(first: 1) { totalCount } }`,
        {},
        await t.tokenFor('00000000-0000-4000-8000-000000000001', ['ADMIN']),
      )
    ).crawlRuns.totalCount;
    await page.click('#crawl-now');
    await page.waitForSelector('#crawl-progress[data-status="RUNNING"]', { timeout: 10_000 });
    await page.waitForSelector('#crawl-progress:not([data-status="RUNNING"])', { timeout: 60_000 });
    const status = await page.getAttribute('#crawl-progress', 'data-status');
    expect(['SUCCEEDED', 'PARTIAL']).toContain(status);
    await page.waitForSelector('body[data-ready="sources"]');
    expect(await page.locator('#crawl-progress tbody tr').count()).toBe(SOURCES);
    // the timeline now shows the new run
    expect(await page.textContent('#chart-crawl-records-summary')).toMatch(new RegExp(`^${runsBefore + 1} crawl runs`));
    await page.screenshot({ path: path.join(SHOTS, 'sources-crawl.png'), fullPage: true });
    await page.close();
  }, 90_000);

  it('refuses a buyer with a clear message, shows no admin page and revokes the fresh session', async () => {
    const { page, operations } = await openConsole(BUYER);
    await page.waitForSelector('#login-error:has-text("administrators only")', { timeout: 20_000 });
    expect(await page.textContent('#login-error')).toMatch(/Console Buyer is signed in as BUYER, not ADMIN/);
    expect(await page.locator('header nav').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'refused.png') });
    // the console signed the buyer out again and never asked for admin data
    expect(operations).toEqual(['AdminLogin', 'AdminLogout']);
    await page.close();
  }, 60_000);

  it('refreshes the access token before it expires and keeps working with the new one', async () => {
    const page = await browser.newPage();
    await page.clock.install();
    const refreshed: number[] = [];
    page.on('response', async (res) => {
      if (
        res.url().endsWith('/graphql') &&
        JSON.parse(res.request().postData() ?? '{}').operationName === 'AdminRefresh'
      )
        refreshed.push(res.status());
    });
    await page.goto(`${origin()}/admin`);
    await page.fill('#email', ADMIN.email);
    await page.fill('#password', ADMIN.password);
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-ready="overview"]', { timeout: 20_000 });
    // the access token lives 900 s; the console refreshes 30 s before that
    await page.clock.fastForward('15:00');
    await waitFor(async () => refreshed.length > 0, { timeoutMs: 10_000 });
    expect(refreshed).toEqual([200]);
    await page.click('header nav a[data-page="audit"]');
    await page.waitForSelector('body[data-ready="audit"]', { timeout: 20_000 });
    expect(await page.locator('#page-error').count()).toBe(0);
    await page.close();
  }, 60_000);
});
