import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { PROJECT_ROOT } from '#platform/infra/paths';

/**
 * Page load times of the admin console against a running gateway (`npm start`, demo data or the
 * 100k seed): the cold load of /admin, sign-in to a drawn Overview, then each page ROUNDS times,
 * from the navigation click until its data is fetched and its charts drawn (`body[data-ready]`).
 *
 *   ADMIN_URL=http://localhost:5800 ADMIN_EMAIL=… ADMIN_PASSWORD=… [ROUNDS=5] [LABEL=demo] npm run bench:admin
 */
const PAGES = ['overview', 'funnel', 'market', 'sources', 'privacy', 'audit'] as const;

async function main() {
  const base = process.env.ADMIN_URL ?? 'http://localhost:4000';
  const email = process.env.ADMIN_EMAIL;
  const password = process.env.ADMIN_PASSWORD;
  const rounds = Number(process.env.ROUNDS ?? '5');
  const label = process.env.LABEL ?? 'run';
  if (!email || !password)
    throw new Error('set ADMIN_EMAIL and ADMIN_PASSWORD (an ADMIN account, e.g. BOOTSTRAP_ADMIN_EMAIL)');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    let t0 = performance.now();
    await page.goto(`${base}/admin`);
    await page.waitForSelector('#email');
    const coldLoad = performance.now() - t0;
    await page.fill('#email', email);
    await page.fill('#password', password);
    t0 = performance.now();
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-ready="overview"]', { timeout: 30_000 });
    const signIn = performance.now() - t0;
    const samples: Record<string, number[]> = Object.fromEntries(PAGES.map((p) => [p, []]));
    for (let round = 0; round < rounds; round++) {
      for (const id of PAGES) {
        // leave the page first, so the click below always navigates
        if (id === 'overview') {
          await page.click('header nav a[data-page="audit"]');
          await page.waitForSelector('body[data-ready="audit"]', { timeout: 30_000 });
        }
        const start = performance.now();
        await page.click(`header nav a[data-page="${id}"]`);
        await page.waitForSelector(`body[data-ready="${id}"]`, { timeout: 30_000 });
        samples[id].push(performance.now() - start);
      }
    }
    const stats = Object.fromEntries(
      PAGES.map((id) => {
        const s = [...samples[id]].sort((a, b) => a - b);
        return [id, { medianMs: Math.round(s[Math.floor(s.length / 2)]), maxMs: Math.round(s[s.length - 1]) }];
      }),
    );
    const result = {
      label,
      base,
      rounds,
      coldLoadMs: Math.round(coldLoad),
      signInToOverviewMs: Math.round(signIn),
      pages: stats,
      at: new Date().toISOString(),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(
      path.join(PROJECT_ROOT, 'bench', 'results', `admin-console-${label.replace(/[^a-z0-9-]/gi, '')}.json`),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    const slow = Object.entries(stats).filter(([, v]) => v.maxMs >= 1000);
    if (slow.length) {
      process.stderr.write(`slower than 1 s: ${slow.map(([k, v]) => `${k} ${v.maxMs} ms`).join(', ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
