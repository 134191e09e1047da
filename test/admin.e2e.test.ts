import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { loadDemoData } from '../scripts/demo-data';
import { ADMIN, BUYER, buildConsole, consoleActivity, launchChromium, UI_TIMEOUT_MS } from './helpers/admin-console';
import { startTestStack, type TestStack } from './helpers/stack';
import { waitFor } from './helpers/wait';

const SOURCES = 3;
/** ADMIN_SCREENSHOTS=1 rewrites the committed screenshots in docs/admin/; otherwise none are taken. */
const SHOTS = process.env.ADMIN_SCREENSHOTS === '1' ? path.join(PROJECT_ROOT, 'docs', 'admin') : null;
const screenshot = async (page: Page, name: string, fullPage = true) => {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
};
/** A test's own bound: a few page loads at the UI timeout each, on top of the steps between them. */
const TEST_MS = 4 * UI_TIMEOUT_MS;

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

  beforeAll(async () => {
    buildConsole();
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
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
    await consoleActivity(t);
    browser = await launchChromium(profile);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    rmSync(profile, { recursive: true, force: true });
  });

  const origin = () => new URL(t.gatewayUrl).origin;

  /** A page whose waits (selectors, navigation) all end at the UI timeout rather than Playwright's 30 s. */
  async function newPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    return page;
  }

  /** The page marks itself ready once its data is in and its charts are drawn. */
  const ready = (page: Page, id: string) => page.waitForSelector(`body[data-ready="${id}"]`);

  async function signIn(page: Page, user: { email: string; password: string }): Promise<void> {
    await page.goto(`${origin()}/admin`);
    await page.fill('#email', user.email);
    await page.fill('#password', user.password);
    await page.keyboard.press('Enter');
  }

  async function openConsole(user: { email: string; password: string }) {
    const page = await newPage();
    const outside: string[] = [];
    const operations: string[] = [];
    /** Response headers of the console's scripts, by file name. */
    const scripts = new Map<string, Record<string, string>>();
    page.on('request', (req) => {
      if (!req.url().startsWith(origin()) && !req.url().startsWith('data:')) outside.push(req.url());
      if (req.url().endsWith('/graphql') && req.method() === 'POST')
        operations.push(JSON.parse(req.postData() ?? '{}').operationName);
    });
    page.on('response', (res) => {
      const file = /\/admin\/assets\/([\w.-]+\.js)$/.exec(new URL(res.url()).pathname)?.[1];
      if (file) scripts.set(file.replace(/^echarts-[\w-]+/, 'echarts'), res.headers());
    });
    await signIn(page, user);
    return { page, outside, operations, scripts };
  }

  async function seriesCounts(page: Page, charts: Record<string, number>): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const id of Object.keys(charts)) out[id] = Number(await page.getAttribute(`#${id}`, 'data-series-count'));
    return out;
  }

  it(
    'signs an admin in and draws every page, with the expected series, from the gateway alone',
    async () => {
      const { page, outside, operations, scripts } = await openConsole(ADMIN);
      await ready(page, 'overview');
      for (const p of PAGES) {
        await page.click(`header nav a[data-page="${p.id}"]`);
        await ready(page, p.id);
        expect(await page.textContent('main h2')).toMatch(new RegExp(p.id, 'i'));
        expect(await page.locator('#page-error').count()).toBe(0);
        expect(await seriesCounts(page, p.charts)).toEqual(p.charts);
        // every chart carries a text alternative: a label and a data table
        for (const id of Object.keys(p.charts)) {
          expect((await page.getAttribute(`#${id}`, 'aria-label'))?.length).toBeGreaterThan(20); // ECharts' description
          expect(Number(await page.getAttribute(`#${id}`, 'data-width'))).toBeGreaterThan(300); // drawn at its laid-out size
          expect(await page.locator(`#${id} canvas`).count()).toBe(1);
          expect((await page.textContent(`#${id}-summary`))?.length).toBeGreaterThan(20);
          expect(await page.getAttribute(`#${id}`, 'aria-describedby')).toBe(`${id}-summary`);
          expect(await page.locator(`figure:has(#${id}) details table`).count()).toBe(1);
        }
        await screenshot(page, p.id);
      }
      // the page data behind the charts: what the activity above produced
      await page.click('header nav a[data-page="privacy"]');
      await ready(page, 'privacy');
      expect(await page.locator('#dsr-table > table > tbody > tr').count()).toBe(2);
      await page.click('header nav a[data-page="audit"]');
      await page.waitForSelector('#audit-verify[data-valid="true"]');
      expect(await page.locator('#audit-table tbody tr').count()).toBeGreaterThan(3);
      expect(outside).toEqual([]);
      // every script came compressed (Chromium asks for brotli on a trustworthy origin such as 127.0.0.1);
      // ECharts under its content hash, kept for a year
      expect(scripts.get('echarts.js')?.['cache-control']).toBe('public, max-age=31536000, immutable');
      expect([...scripts.keys()]).toEqual(expect.arrayContaining(['main.js', 'api.js', 'operations.js', 'echarts.js']));
      for (const headers of scripts.values()) expect(['br', 'gzip']).toContain(headers['content-encoding']);
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
    },
    2 * TEST_MS,
  );

  it(
    'is usable from the keyboard: sign in, move between pages, change the funnel range',
    async () => {
      const page = await newPage();
      await page.goto(`${origin()}/admin`);
      // the email field has focus on arrival
      await page.waitForSelector('#email:focus');
      await page.keyboard.type(ADMIN.email);
      await page.keyboard.press('Tab');
      await page.keyboard.type(ADMIN.password);
      await page.keyboard.press('Enter');
      await ready(page, 'overview');
      await page.focus('header nav a[data-page="funnel"]');
      await page.keyboard.press('Enter');
      await ready(page, 'funnel');
      expect(await page.getAttribute('header nav a[data-page="funnel"]', 'aria-current')).toBe('page');
      await page.focus('#funnel-days');
      await page.selectOption('#funnel-days', '7');
      await ready(page, 'funnel');
      await page.locator('input[name="funnel-granularity"][value="HOUR"]').check();
      await page.waitForSelector('body[data-ready="funnel"] input[name="funnel-granularity"][value="HOUR"]:checked');
      // 7 days of hours: 168 buckets in the aria summary
      expect(await page.textContent('#chart-interactions-summary')).toMatch(/in 168 hourly buckets/);
      // a year allows day buckets only
      await page.selectOption('#funnel-days', '365');
      await page.waitForSelector('body[data-ready="funnel"] input[name="funnel-granularity"][value="HOUR"]:disabled');
      expect(await page.textContent('#chart-interactions-summary')).toMatch(/in 365 daily buckets/);
      await page.close();
    },
    TEST_MS,
  );

  it(
    'starts a crawl and follows it live until it ends',
    async () => {
      const { page } = await openConsole(ADMIN);
      await ready(page, 'overview');
      await page.click('header nav a[data-page="sources"]');
      await ready(page, 'sources');
      const admin = await t.tokenFor('00000000-0000-4000-8000-000000000001', ['ADMIN']);
      const runsBefore = (await t.gql(`{ crawlRuns(first: 1) { totalCount } }`, {}, { token: admin })).body.data
        .crawlRuns.totalCount;
      // every status the live region shows, however briefly (a busy machine may not poll in time to see it)
      await page.evaluate(`(() => {
        window.crawlStatuses = [];
        new MutationObserver(() => {
          const s = document.querySelector('#crawl-progress')?.getAttribute('data-status');
          if (s && window.crawlStatuses.at(-1) !== s) window.crawlStatuses.push(s);
        }).observe(document.body, { subtree: true, childList: true, attributes: true });
      })()`);
      await page.click('#crawl-now');
      await page.waitForSelector('#crawl-progress:not([data-status="RUNNING"])', { timeout: 2 * UI_TIMEOUT_MS });
      const statuses = (await page.evaluate('window.crawlStatuses')) as string[];
      expect(statuses[0]).toBe('RUNNING');
      expect(['SUCCEEDED', 'PARTIAL']).toContain(statuses.at(-1));
      await ready(page, 'sources');
      expect(await page.locator('#crawl-progress tbody tr').count()).toBe(SOURCES);
      // the timeline now shows the new run
      expect(await page.textContent('#chart-crawl-records-summary')).toMatch(
        new RegExp(`^${runsBefore + 1} crawl runs`),
      );
      await screenshot(page, 'sources-crawl');
      await page.close();
    },
    TEST_MS,
  );

  it(
    'refuses a buyer with a clear message, shows no admin page and revokes the fresh session',
    async () => {
      const { page, operations } = await openConsole(BUYER);
      await page.waitForSelector('#login-error:has-text("administrators only")');
      expect(await page.textContent('#login-error')).toMatch(/Console Buyer is signed in as BUYER, not ADMIN/);
      expect(await page.locator('header nav').count()).toBe(0);
      await screenshot(page, 'refused', false);
      // the console signed the buyer out again and never asked for admin data
      await waitFor(async () => operations.length >= 2, { timeoutMs: UI_TIMEOUT_MS, what: 'the logout' });
      expect(operations).toEqual(['AdminLogin', 'AdminLogout']);
      await page.close();
    },
    TEST_MS,
  );

  it(
    'refreshes the access token before it expires and keeps working with the new one',
    async () => {
      const page = await newPage();
      await page.clock.install();
      const refreshed: number[] = [];
      page.on('response', (res) => {
        if (
          res.url().endsWith('/graphql') &&
          JSON.parse(res.request().postData() ?? '{}').operationName === 'AdminRefresh'
        )
          refreshed.push(res.status());
      });
      await signIn(page, ADMIN);
      await ready(page, 'overview');
      // the access token lives 900 s; the console refreshes 30 s before that
      await page.clock.fastForward('15:00');
      await waitFor(async () => refreshed.length > 0, { timeoutMs: UI_TIMEOUT_MS, what: 'the refresh' });
      expect(refreshed).toEqual([200]);
      await page.click('header nav a[data-page="audit"]');
      await ready(page, 'audit');
      expect(await page.locator('#page-error').count()).toBe(0);
      await page.close();
    },
    TEST_MS,
  );
});
