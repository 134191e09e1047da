/**
 * identity-consent numbers, through the gateway on real PostgreSQL:
 *   NODE_OPTIONS=--experimental-vm-modules npx jest --roots '<rootDir>/bench' --testMatch '**\/identity.bench.ts' --testTimeout 600000
 * Writes bench/results/identity.json. Not part of the test suite (jest only collects *.test.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { createConsentClient } from '#platform/contracts/consent-client';
import { Role } from '#platform/infra/schema/shared-types';
import { appendAlone } from '../subgraphs/identity-consent/modules/audit/audit.service';
import { LOGIN, registerUser, SOURCES, uniqueEmail } from '../test/helpers/identity';
import { startTestStack, type TestStack } from '../test/helpers/stack';
import { latencyStats } from './stats';

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({
    env: {
      LOG_LEVEL: 'warn',
      RATE_LIMIT_LOGIN_PER_EMAIL: '100000',
      RATE_LIMIT_LOGIN_PER_IP: '100000',
      RATE_LIMIT_REGISTER_PER_IP: '100000',
    },
  });
});

afterAll(async () => {
  await t?.stop();
});

test('identity-consent benchmark', async () => {
  const results: Record<string, unknown> = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
  };

  // 1. Login refusals: a wrong password for a real account vs an unknown email, interleaved.
  const user = await registerUser(t);
  const wrongPassword: number[] = [];
  const unknownEmail: number[] = [];
  const success: number[] = [];
  for (let i = 0; i < 3; i++) await t.gql(LOGIN, { email: user.email, password: 'Warm-up-password-1' });
  for (let i = 0; i < 40; i++) {
    wrongPassword.push(await timed(() => t.gql(LOGIN, { email: user.email, password: `Wrong-password-${i}` })));
    unknownEmail.push(
      await timed(() => t.gql(LOGIN, { email: uniqueEmail('ghost'), password: `Wrong-password-${i}` })),
    );
    if (i % 4 === 0) success.push(await timed(() => t.gql(LOGIN, { email: user.email, password: 'Hemp-field-2024' })));
  }
  results.login = {
    wrongPassword: latencyStats(wrongPassword),
    unknownEmail: latencyStats(unknownEmail),
    success: latencyStats(success),
  };

  // 2. Audit appends, all at once: the advisory lock serialises them.
  const db = t.stack.subgraphs['identity-consent'].deps.db.dataSource;
  const appends = 500;
  const appendMs = await timed(() =>
    Promise.all(Array.from({ length: appends }, (_, i) => appendAlone(db, { action: 'bench.append', details: { i } }))),
  );
  results.auditAppend = {
    concurrent: appends,
    totalMs: Math.round(appendMs),
    perSecond: Math.round((appends / appendMs) * 1000),
  };

  // 3. verifyAuditLog over the whole chain, through the gateway.
  const [{ n: rows }] = await db.query('SELECT count(*)::int AS n FROM identity.audit_events');
  const admin = await t.tokenFor(user.id, [Role.ADMIN]);
  const verifyMs: number[] = [];
  for (let i = 0; i < 5; i++)
    verifyMs.push(await timed(() => t.gql(`{ verifyAuditLog { valid checked } }`, {}, { token: admin })));
  results.verifyAuditLog = { rows, ...latencyStats(verifyMs) };

  // 4. The fresh-consent route other subgraphs call on every consent-gated request.
  await t.gql(
    `mutation($i: GrantConsentInput!) { grantConsent(input: $i) { id } }`,
    { i: { dataSourceId: SOURCES.exchange, accessLevel: 'FULL', purpose: 'Benchmark consent', consentVersion: 'v1' } },
    { token: user.accessToken },
  );
  const client = createConsentClient(t.stack.config);
  const consentMs: number[] = [];
  for (let i = 0; i < 200; i++) consentMs.push(await timed(() => client.activeConsents(user.id, `bench-${i}`)));
  results.activeConsentsRoute = latencyStats(consentMs);

  const out = path.join(__dirname, 'results', 'identity.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
});
