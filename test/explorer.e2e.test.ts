import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { Role } from '../platform/schema/shared-types';
import { insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The offline explorer in a real browser: no CDN, an admin token, a query that needs it. */
describe('offline explorer in Chromium', () => {
  let t: TestStack;
  let browser: Browser;
  const profile = mkdtempSync(path.join(tmpdir(), 'hemp-chromium-'));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    t = await startTestStack();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
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
    await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });
    await page.click('.graphiql-execute-button');
    await page.locator('.result-window', { hasText: 'totalCount' }).waitFor({ timeout: 20_000 });
    const result = await page.textContent('.result-window');
    expect(result).toMatch(/"totalCount":\s*3/);
    expect(outside).toEqual([]);
  });

  it('shows the refusal when no token is given', async () => {
    const page = await browser.newPage();
    await page.goto(`${new URL(t.gatewayUrl).origin}/explorer?query=${encodeURIComponent('{ users(first: 1) { totalCount } }')}`);
    // a new page is a new browser context: nothing is remembered from the admin's session
    await page.fill('#token', '');
    await page.click('#use-token');
    await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });
    await page.click('.graphiql-execute-button');
    await page.locator('.result-window', { hasText: 'UNAUTHENTICATED' }).waitFor({ timeout: 20_000 });
  });
});
