import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { DEMO_PARTNER, loadDemoData } from '../scripts/demo-data';
import { ensureBuilt } from './helpers/build';
import { startTestStack, type TestStack } from './helpers/stack';

const run = promisify(execFile);
const PARTNER_TS = path.join(PROJECT_ROOT, 'examples', 'partner', 'partner.ts');
const PARTNER_SH = path.join(PROJECT_ROOT, 'examples', 'partner', 'partner.sh');
const manifest: { operations: Array<{ id: string; name: string }> } = JSON.parse(
  readFileSync(path.join(PROJECT_ROOT, 'schema', 'operations', 'partner-manifest.json'), 'utf8'),
);

/** The README's TypeScript block in the Partners section. */
function readmePartnerExample(): string {
  const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Partners'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('no ```ts block in the README Partners section');
  return match[1];
}

/**
 * The examples a partner copies run verbatim: the README's block is examples/partner/partner.ts,
 * compiled by `npm run example:partner`'s own command and run against a stack with the demo data
 * and the demo partner key `npm start` prints; the curl script likewise.
 */
describe('partner examples', () => {
  let t: TestStack;

  beforeAll(async () => {
    t = await startTestStack();
    await loadDemoData(t.stack);
    // what `npm run example:partner` compiles, with the repo's own compiler settings (commonjs: no top-level await)
    const script = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts[
      'example:partner'
    ] as string;
    expect(script).toBe('tsc -p examples/tsconfig.json && node dist/examples/partner/partner.js');
    await ensureBuilt('examples/tsconfig.json', ['examples', 'schema']);
  }, 240_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('the README shows the example file exactly', () => {
    expect(readmePartnerExample()).toBe(readFileSync(PARTNER_TS, 'utf8'));
  });

  it('runs as `npm run example:partner` runs it and prints typed listings', async () => {
    const { stdout, stderr } = await run(process.execPath, ['dist/examples/partner/partner.js'], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, HEMP_API_URL: t.gatewayUrl, HEMP_API_KEY: DEMO_PARTNER.apiKey },
    });
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    // "<title> <price per kg>": the demo data's Gauteng hemp oil
    for (const line of lines) expect(line).toMatch(/^Cold-pressed hemp seed oil — .+ \d+\.\d{2}$/);
  });

  it('exits 1 with the coded error when the key is wrong', async () => {
    const failed = await run(process.execPath, ['dist/examples/partner/partner.js'], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, HEMP_API_URL: t.gatewayUrl, HEMP_API_KEY: 'hmp_live_not-a-real-key' },
    }).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/^UNAUTHENTICATED: /);
  });

  it('the curl example names the manifest id of PartnerActiveListings and returns the same listings', async () => {
    const script = readFileSync(PARTNER_SH, 'utf8');
    const id = /OPERATION_ID=([0-9a-f]{64})/.exec(script)?.[1];
    expect(id).toBe(manifest.operations.find((o) => o.name === 'PartnerActiveListings')?.id);
    const { stdout } = await run('bash', [PARTNER_SH], {
      env: { PATH: process.env.PATH, HEMP_API_URL: t.gatewayUrl, HEMP_API_KEY: DEMO_PARTNER.apiKey },
    });
    const body = JSON.parse(stdout);
    expect(body.errors).toBeUndefined();
    expect(body.data.listings.totalCount).toBeGreaterThan(0);
    for (const { node } of body.data.listings.edges)
      expect(node).toMatchObject({ productType: 'HEMP_OIL', province: 'GAUTENG' });
  });

  it('the curl example fails (exit 22) with the coded body when the key is wrong', async () => {
    const failed = await run('bash', [PARTNER_SH], {
      env: { PATH: process.env.PATH, HEMP_API_URL: t.gatewayUrl, HEMP_API_KEY: 'hmp_live_not-a-real-key' },
    }).then(
      () => null,
      (err: { code: number; stdout: string }) => err,
    );
    expect(failed?.code).toBe(22);
    expect(JSON.parse(failed!.stdout).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
