import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { PROJECT_ROOT } from '#platform/infra/paths';
import type { TestStack } from './stack';
import { waitFor } from './wait';

/** For the admin console's browser tests (test/admin.e2e.test.ts): accounts, Chromium, some traffic. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ADMIN = { email: 'console-admin@example.test', password: 'Console-admin-pass-2026!' };
export const BUYER = { email: 'console-buyer@example.test', password: 'Console-buyer-pass-2026!' };
/**
 * How long the browser tests wait for something they can observe (a page marked ready, a message):
 * generous for a loaded CI machine, where a page the console draws in 0.3 s can take several, yet
 * bounded, so a console that never gets there fails with the selector it was waiting for.
 */
export const UI_TIMEOUT_MS = Number(process.env.ADMIN_E2E_TIMEOUT_MS ?? 45_000);

/** The console's browser modules are compiled apart from the Node code (npm run build does the same). */
export function buildConsole(): void {
  execFileSync(
    process.execPath,
    [path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'gateway/admin/client/tsconfig.json'],
    { cwd: PROJECT_ROOT, stdio: 'pipe' },
  );
}

/** Debian's Chromium, headless, with the explorer test's flags and a throwaway profile. */
export async function launchChromium(profile: string): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: UI_TIMEOUT_MS,
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
}

/** Some traffic, so the charts have something to draw: searches, views, matches, orders, consents, requests. */
export async function consoleActivity(t: TestStack): Promise<void> {
  async function gqlOk(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<any> {
    const res = await t.gql(query, variables, { token });
    if (res.body.errors?.length || !res.body.data) throw new Error(JSON.stringify(res.body.errors));
    return res.body.data;
  }
  const admin = (
    await gqlOk(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`, {
      e: ADMIN.email,
      p: ADMIN.password,
    })
  ).login.accessToken;
  const register = `mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }`;
  const buyer = (
    await gqlOk(register, { i: { ...BUYER, displayName: 'Console Buyer', roles: ['BUYER'], province: 'GAUTENG' } })
  ).register;
  const other = (
    await gqlOk(register, {
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
    { timeoutMs: UI_TIMEOUT_MS, intervalMs: 100, what: 'the activity to reach analytics' },
  );
}
