import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { adminOperations } from '../gateway/admin/admin';

/**
 * Page load times of the admin console against a running gateway (`npm start`, demo data or the
 * 100k seed): the cold load of /admin (empty browser cache) and a warm one, sign-in to a drawn
 * Overview, then each page ROUNDS times, from the navigation click until its data is fetched and
 * its charts drawn (`body[data-ready]`). For each page it also says where the time went, as the page
 * measured it: its GraphQL requests (`data-data-ms`, click to data) and the rest (building the DOM,
 * drawing the charts).
 *
 *   ADMIN_URL=http://localhost:4000 ADMIN_EMAIL=… ADMIN_PASSWORD=… [ROUNDS=5] [LABEL=demo] npm run bench:admin
 */
const PAGES = ['overview', 'funnel', 'market', 'sources', 'privacy', 'audit'] as const;
/** The Funnel over a year of day buckets, the heaviest range the picker offers. */
const FUNNEL_YEAR = 'funnel-365-days';
const BUDGET_MS = 1000;

interface Sample {
  wallMs: number;
  pageMs: number;
  dataMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs: number[]) => Math.max(...xs);

async function readyAfter(page: Page, id: string, act: () => Promise<void>): Promise<Sample> {
  const start = performance.now();
  await act();
  await page.waitForSelector(`body[data-ready="${id}"]`, { timeout: 30_000 });
  const wallMs = performance.now() - start;
  // (strings: this file is compiled without the DOM types)
  const [pageMs, dataMs] = (await page.evaluate(
    '[Number(document.body.dataset.loadMs), Number(document.body.dataset.dataMs)]',
  )) as [number, number];
  return { wallMs, pageMs, dataMs };
}

/** What the browser fetched for the page so far: bytes over the wire and time per asset. */
function resources(page: Page) {
  return page.evaluate(`performance.getEntriesByType('resource').map((r) => ({
    url: new URL(r.name).pathname,
    transferBytes: r.transferSize,
    bodyBytes: r.decodedBodySize,
    ms: Math.round(r.duration),
  }))`) as Promise<Array<{ url: string; transferBytes: number; bodyBytes: number; ms: number }>>;
}

const DAY_MS = 86_400_000;
/** A range as the console's picker sends it: ending at the end of the current bucket. */
function range(days: number, granularity: 'HOUR' | 'DAY') {
  const unit = granularity === 'HOUR' ? DAY_MS / 24 : DAY_MS;
  const to = Math.ceil((Date.now() + 1) / unit) * unit;
  return { from: new Date(to - days * DAY_MS).toISOString(), to: new Date(to).toISOString(), granularity };
}

/**
 * The API's share of a page: each console operation as the console sends it, timed from this
 * process (gateway, subgraph and SQL; no browser), ROUNDS times after a first untimed call.
 */
async function operationTimes(base: string, email: string, password: string, rounds: number) {
  const texts = adminOperations();
  const post = async (name: string, variables: Record<string, unknown>, token?: string) => {
    const started = performance.now();
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ operationName: name, query: texts[name], variables }),
    });
    const text = await res.text();
    const body = JSON.parse(text) as { data?: any; errors?: unknown[] };
    if (body.errors) throw new Error(`${name}: ${JSON.stringify(body.errors).slice(0, 300)}`);
    return { ms: performance.now() - started, bytes: text.length, data: body.data };
  };
  const login = await post('AdminLogin', { email, password });
  const token = login.data.login.accessToken as string;
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['AdminOverview', '', {}],
    ['AdminFunnel', '30 days, days', range(30, 'DAY')],
    ['AdminFunnel', '7 days, hours', range(7, 'HOUR')],
    ['AdminFunnel', '365 days, days', range(365, 'DAY')],
    ['AdminMarketByProvince', 'CBD_OIL', { productType: 'CBD_OIL' }],
    ['AdminMarketByProductType', 'national', { province: null }],
    ['AdminSources', '', { first: 20 }],
    ['AdminConsentTrend', '30 days, days', range(30, 'DAY')],
    ['AdminDataSubjectRequests', '', { first: 20 }],
    ['AdminAuditLog', '', { first: 50 }],
    ['AdminVerifyAuditLog', '', {}],
  ];
  const out: Record<string, { medianMs: number; maxMs: number; responseBytes: number }> = {
    AdminLogin: { medianMs: Math.round(login.ms), maxMs: Math.round(login.ms), responseBytes: login.bytes },
  };
  for (const [name, variant, variables] of cases) {
    await post(name, variables, token);
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < rounds; i++) {
      const r = await post(name, variables, token);
      times.push(r.ms);
      bytes = r.bytes;
    }
    out[variant ? `${name} (${variant})` : name] = {
      medianMs: Math.round(median(times)),
      maxMs: Math.round(max(times)),
      responseBytes: bytes,
    };
  }
  return out;
}

async function main() {
  const base = process.env.ADMIN_URL ?? 'http://localhost:4000';
  const email = process.env.ADMIN_EMAIL;
  const password = process.env.ADMIN_PASSWORD;
  const rounds = Number(process.env.ROUNDS ?? '5');
  const label = process.env.LABEL ?? 'run';
  if (!email || !password)
    throw new Error('set ADMIN_EMAIL and ADMIN_PASSWORD (an ADMIN account, e.g. BOOTSTRAP_ADMIN_EMAIL)');
  const loadBefore = loadavg()[0];
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
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // the browser's first page of the run: its own start-up costs land here, not on the console
    // (closed again: a page in the background gets animation frames about once a second)
    const first = await context.newPage();
    await first.goto('about:blank');
    await first.close();
    const page = await context.newPage();
    let t0 = performance.now();
    // until the form is there to type in, not until every download (ECharts) is done
    await page.goto(`${base}/admin`, { waitUntil: 'commit' });
    await page.waitForSelector('#email');
    const coldLoadMs = performance.now() - t0;
    const formMark = `Math.round(performance.getEntriesByName('sign-in-form')[0]?.startTime ?? -1)`;
    const coldFormMs = (await page.evaluate(formMark)) as number;
    // ECharts downloads while the form shows; wait for it so the warm load below is a warm one
    // (a function, not a string: the page's CSP forbids eval, which a string predicate needs)
    await page.waitForFunction(() => 'echarts' in globalThis, undefined, { timeout: 30_000 });
    const coldResources = await resources(page);
    t0 = performance.now();
    await page.reload({ waitUntil: 'commit' });
    await page.waitForSelector('#email');
    const warmLoadMs = performance.now() - t0;
    const warmFormMs = (await page.evaluate(formMark)) as number;
    const warmResources = await resources(page);
    await page.fill('#email', email);
    await page.fill('#password', password);
    const signIn = await readyAfter(page, 'overview', () => page.keyboard.press('Enter'));

    const samples: Record<string, Sample[]> = Object.fromEntries([...PAGES, FUNNEL_YEAR].map((p) => [p, []]));
    for (let round = 0; round < rounds; round++) {
      for (const id of PAGES) {
        // leave the page first, so the click below always navigates
        if (id === 'overview') await readyAfter(page, 'audit', () => page.click('header nav a[data-page="audit"]'));
        samples[id].push(await readyAfter(page, id, () => page.click(`header nav a[data-page="${id}"]`)));
        if (id === 'funnel') {
          samples[FUNNEL_YEAR].push(
            await readyAfter(page, 'funnel', async () => void (await page.selectOption('#funnel-days', '365'))),
          );
          await readyAfter(page, 'funnel', async () => void (await page.selectOption('#funnel-days', '30')));
        }
      }
    }
    const stats = Object.fromEntries(
      Object.entries(samples).map(([id, s]) => [
        id,
        {
          medianMs: Math.round(median(s.map((x) => x.wallMs))),
          maxMs: Math.round(max(s.map((x) => x.wallMs))),
          inPage: {
            medianMs: Math.round(median(s.map((x) => x.pageMs))),
            maxMs: Math.round(max(s.map((x) => x.pageMs))),
            requestsMedianMs: Math.round(median(s.map((x) => x.dataMs))),
            drawMedianMs: Math.round(median(s.map((x) => x.pageMs - x.dataMs))),
          },
        },
      ]),
    );
    const operations = await operationTimes(base, email, password, rounds);
    const result = {
      label,
      base,
      rounds,
      loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
      coldLoadMs: Math.round(coldLoadMs),
      warmLoadMs: Math.round(warmLoadMs),
      // the same as the page measured it: navigation start to the sign-in form in the document
      inPageColdLoadMs: coldFormMs,
      inPageWarmLoadMs: warmFormMs,
      signInToOverviewMs: Math.round(signIn.wallMs),
      signInRequestsMs: signIn.dataMs,
      pages: stats,
      operations,
      coldResources,
      warmResources,
      at: new Date().toISOString(),
    };
    process.stdout.write(
      `${JSON.stringify({ ...result, coldResources: undefined, warmResources: undefined }, null, 2)}\n`,
    );
    writeFileSync(
      path.join(PROJECT_ROOT, 'bench', 'results', `admin-console-${label.replace(/[^a-z0-9-]/gi, '')}.json`),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    const slow = Object.entries(stats).filter(([, v]) => v.maxMs >= BUDGET_MS);
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
