import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../platform/paths';
import { generatePrivateJwk } from '../platform/auth/keys';
import { createTestDatabase, type TestDatabase } from './helpers/database';

/** The compiled services as an operator runs them: config checks at start, SIGTERM drains. */
describe('process lifecycle', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: PROJECT_ROOT, stdio: 'pipe' });
  });

  it('refuses to start in production with development secrets, naming what is wrong', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, ['dist/gateway/index.js'], { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH, NODE_ENV: 'production' }, stdio: 'pipe', timeout: 20_000 });
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = String((err as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(1);
    expect(stderr).toMatch(/GATEWAY_SECRET/);
    expect(stderr).toMatch(/DATABASE_URL/);
    expect(stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  describe('SIGTERM under load', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => db?.drop());

    it('finishes the requests it accepted, then exits 0', async () => {
      const base = 5600 + Math.floor(Math.random() * 300);
      const env = {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url,
        JWT_PRIVATE_KEYS: JSON.stringify([await generatePrivateJwk()]),
        GATEWAY_PORT: String(base),
        IDENTITY_CONSENT_PORT: String(base + 1),
        LISTINGS_MATCHING_PORT: String(base + 2),
        EXTERNAL_SOURCES_PORT: String(base + 3),
        ANALYTICS_PORT: String(base + 4),
        IDENTITY_CONSENT_URL: `http://127.0.0.1:${base + 1}/graphql`,
        LISTINGS_MATCHING_URL: `http://127.0.0.1:${base + 2}/graphql`,
        EXTERNAL_SOURCES_URL: `http://127.0.0.1:${base + 3}/graphql`,
        ANALYTICS_URL: `http://127.0.0.1:${base + 4}/graphql`,
        JWKS_URL: `http://127.0.0.1:${base + 1}/.well-known/jwks.json`,
        SIMULATORS_ENABLED: 'false',
        SHUTDOWN_GRACE_MS: '5000',
      };
      const child = spawn(process.execPath, ['dist/scripts/start.js'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const gateway = `http://127.0.0.1:${base}`;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const ready = await fetch(`${gateway}/ready`).then((r) => r.ok, () => false);
        if (ready) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const query = JSON.stringify({ query: '{ listings(first: 5) { totalCount } dataSources { slug } }' });
      const inFlight = Array.from({ length: 40 }, () =>
        fetch(`${gateway}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: query }).then(
          (r) => r.status,
          () => 'refused',
        ),
      );
      await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGTERM');
      const statuses = await Promise.all(inFlight);
      const code = await exited;
      expect(code).toBe(0);
      expect(stderr).toMatch(/SIGTERM received, draining/);
      // every request either completed or was never accepted; none failed half-way
      expect(statuses.every((s) => s === 200 || s === 'refused')).toBe(true);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    });
  });
});
