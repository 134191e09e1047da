import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { Role } from '#platform/infra/schema/shared-types';
import { PARTNER_MANIFEST_PATH } from '../gateway/partners/manifest';
import { ensureBuilt } from './helpers/build';
import { insertUsers } from './helpers/fixtures';
import { registerUser } from './helpers/identity';
import { deleteRedisKeys, startTestStack, type TestStack } from './helpers/stack';
import { waitFor } from './helpers/wait';

/**
 * The compiled gateway run as an operator runs it with GATEWAY_WORKERS=2, in front of the test
 * stack's subgraphs: two worker processes on one port, sharing limits through Redis. Which worker
 * answered a request is read from its log line (workers log their pid), nothing else is exposed.
 * Connections are what node:cluster hands out round-robin, so every request here goes on a
 * connection of its own unless it must share one.
 */
const REDIS_URL = process.env.REDIS_URL_FOR_TESTS ?? 'redis://127.0.0.1:6379/12';
// Its own prefix: the gateway's counts start from zero, whatever the stack's gateway was sent.
const PREFIX = `test-workers-${randomBytes(4).toString('hex')}:`;
const BOT_REQUESTS = 6;
const FREE_LIMIT = 3;

let t: TestStack;
let gateway: ChildProcess;
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let base: string;
let stdout = '';
let stderr = '';

interface Answer {
  status: number;
  json: any;
  requestId: string;
}

/** Requests on one keep-alive connection (so on one worker); `close` ends it. */
function connection() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const requestId = `wk-${randomBytes(6).toString('hex')}`;
      const req = http.request(`${base}${path}`, {
        method,
        agent,
        headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let json: unknown = text;
          try {
            json = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, json, requestId });
        });
      });
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  return {
    post: (body: unknown, headers?: Record<string, string>) => request('POST', '/graphql', body, headers),
    get: (path: string, headers?: Record<string, string>) => request('GET', path, undefined, headers),
    close: () => agent.destroy(),
  };
}

/** One request on a connection of its own. */
async function once(body: unknown, headers?: Record<string, string>): Promise<Answer> {
  const c = connection();
  try {
    return await c.post(body, headers);
  } finally {
    c.close();
  }
}

const logLines = () =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));

/** The pid of the worker that logged the operation of `requestId` (LOG_LEVEL=debug logs each one). */
const pidOf = (requestId: string) =>
  waitFor(() => logLines().find((e) => e.requestId === requestId && e.msg === 'graphql operation')?.pid as number, {
    what: `the log line of ${requestId}`,
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A client address never used before (the gateway trusts 127.0.0.1 as a proxy here), so counts start at zero. */
let clients = 0;
const client = () => ({ 'x-forwarded-for': `203.0.113.${++clients}` });

beforeAll(async () => {
  await ensureBuilt();
  t = await startTestStack({ env: { REDIS_URL, RATE_LIMIT_REGISTER_PER_IP: '1000' } });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    GATEWAY_WORKERS: '2',
    REDIS_URL,
    REDIS_KEY_PREFIX: PREFIX,
    GATEWAY_SECRET: t.config.GATEWAY_SECRET,
    INTERNAL_SECRET: t.config.INTERNAL_SECRET,
    JWKS_URL: t.config.JWKS_URL,
    IDENTITY_CONSENT_URL: t.config.subgraphUrls['identity-consent'],
    LISTINGS_MATCHING_URL: t.config.subgraphUrls['listings-matching'],
    EXTERNAL_SOURCES_URL: t.config.subgraphUrls['external-sources'],
    ANALYTICS_URL: t.config.subgraphUrls.analytics,
    // Another prefix than the stack's, so revocations reach the workers through their poll of the log.
    REVOCATION_POLL_MS: '250',
    TRUSTED_PROXIES: '127.0.0.1',
    THREAT_MODE: 'block',
    THREAT_BOT_REQUESTS: String(BOT_REQUESTS),
    THREAT_BOT_WINDOW_SECONDS: '3600',
    PARTNER_LIMIT_FREE: String(FREE_LIMIT),
    PARTNER_LIMIT_WINDOW_SECONDS: '3600',
    SHUTDOWN_GRACE_MS: '5000',
  };
  gateway = spawn(process.execPath, ['dist/gateway/index.js'], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gateway.stdout!.on('data', (c) => (stdout += c));
  gateway.stderr!.on('data', (c) => (stderr += c));
  exited = new Promise((resolve) => gateway.on('exit', (code, signal) => resolve({ code, signal })));
  // Each worker logs its URL once it listens; both must, before the port is theirs together.
  const urls = await waitFor(
    () => {
      const ready = logLines().filter((e) => e.msg === 'gateway ready');
      return ready.length >= 2 && (ready.map((e) => e.url) as string[]);
    },
    { timeoutMs: 60_000, what: `two workers ready (stderr: ${stderr.slice(-500)})` },
  );
  expect(new Set(urls).size).toBe(1);
  base = new URL(urls[0]).origin;
}, 300_000);

afterAll(async () => {
  if (gateway && gateway.exitCode === null && gateway.signalCode === null) {
    gateway.kill('SIGKILL');
    await exited;
  }
  await t?.stop();
  await deleteRedisKeys(REDIS_URL, PREFIX);
});

it('refuses GATEWAY_WORKERS above 1 without REDIS_URL, saying why', async () => {
  const { code, stderr: err } = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      ['dist/gateway/index.js'],
      { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH, GATEWAY_WORKERS: '2', GATEWAY_PORT: '0' }, timeout: 20_000 },
      (error, _out, stderrText) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr: stderrText }),
    ),
  );
  expect(code).toBe(1);
  expect(err).toMatch(/GATEWAY_WORKERS: 2 workers need REDIS_URL/);
});

it('answers from two worker processes, neither of them the primary', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await once({ query: '{ __typename }' }, client());
    expect(res.status).toBe(200);
    ids.push(res.requestId);
  }
  const pids = new Set(await Promise.all(ids.map(pidOf)));
  expect(pids.size).toBe(2);
  expect(pids.has(gateway.pid!)).toBe(false);
});

it('counts an anonymous client across workers: the bot limit holds at its total, not once per worker', async () => {
  const headers = client();
  const answers: Answer[] = [];
  for (let i = 0; i < BOT_REQUESTS + 2; i++) answers.push(await once({ query: '{ __typename }' }, headers));
  expect(answers.map((a) => a.status)).toEqual([...Array(BOT_REQUESTS).fill(200), 403, 403]);
  expect(answers[BOT_REQUESTS].json.errors[0].extensions).toMatchObject({
    code: 'FORBIDDEN',
    reason: 'THREAT_DETECTED',
  });
  // The accepted ones were spread over both workers, so neither worker's own count could have refused.
  expect(new Set(await Promise.all(answers.slice(0, BOT_REQUESTS).map((a) => pidOf(a.requestId)))).size).toBe(2);
});

it("holds a partner's tier limit across workers at the same total", async () => {
  const [admin] = await insertUsers(t.stack, 1);
  const adminToken = await t.tokenFor(admin.id, [Role.ADMIN]);
  const created = await t.gql(
    'mutation { createPartnerClient(name: "Two-Worker Partner", tier: FREE) { apiKey } }',
    {},
    { token: adminToken },
  );
  const apiKey = created.body.data.createPartnerClient.apiKey as string;
  const manifest = JSON.parse(readFileSync(PARTNER_MANIFEST_PATH, 'utf8'));
  const sha256Hash = manifest.operations.find((o: any) => o.name === 'PartnerActiveListings').id;
  const body = { variables: { first: 1 }, extensions: { persistedQuery: { version: 1, sha256Hash } } };
  const answers: Answer[] = [];
  for (let i = 0; i < FREE_LIMIT * 2; i++) answers.push(await once(body, { 'x-api-key': apiKey, ...client() }));
  expect(answers.map((a) => a.status)).toEqual([...Array(FREE_LIMIT).fill(200), ...Array(FREE_LIMIT).fill(429)]);
  expect(new Set(await Promise.all(answers.slice(0, FREE_LIMIT).map((a) => pidOf(a.requestId)))).size).toBe(2);
});

it('refuses a revoked token on every worker', async () => {
  const user = await registerUser(t);
  const ME = { query: '{ me { id } }' };
  /** Per connection: which worker it is (an anonymous probe's log line), then the token's answer there. */
  const perWorker = async () => {
    const seen = new Map<number, number>();
    for (let i = 0; i < 4; i++) {
      const c = connection();
      try {
        const probe = await c.post({ query: '{ __typename }' }, client());
        const res = await c.post(ME, { authorization: `Bearer ${user.accessToken}`, ...client() });
        seen.set(await pidOf(probe.requestId), res.status);
      } finally {
        c.close();
      }
    }
    return seen;
  };
  const before = await perWorker();
  expect(before.size).toBe(2);
  expect([...before.values()]).toEqual([200, 200]);

  const logout = await t.gql('mutation($token: String!) { logout(refreshToken: $token) }', {
    token: user.refreshToken,
  });
  expect(logout.body.errors).toBeUndefined();
  // Each worker reads identity's revocation log on its own poll: wait until both refuse, then hold.
  const after = await waitFor(
    async () => {
      const seen = await perWorker();
      return seen.size === 2 && [...seen.values()].every((s) => s === 401) && seen;
    },
    { what: 'both workers refusing the revoked token' },
  );
  expect(after.size).toBe(2);
});

it('sums every worker in /metrics, whichever worker answers the scrape', async () => {
  /**
   * Answered GraphQL POSTs as /metrics counts them, and which worker answered the scrape: a GET
   * probe on the same connection names it (a GET is not among the POSTs counted).
   */
  const scrape = async () => {
    const c = connection();
    try {
      const probe = await c.get('/graphql?query=%7B__typename%7D', { 'apollo-require-preflight': 'true' });
      expect(probe.status).toBe(200);
      const text = (await c.get('/metrics')).json as string;
      const line = text
        .split('\n')
        .find((l) =>
          /^http_request_duration_seconds_count\{(?=.*route="\/graphql")(?=.*method="POST")(?=.*status="200")/.test(l),
        );
      return { pid: await pidOf(probe.requestId), posts: Number(line?.split(' ').pop() ?? 0) };
    } finally {
      c.close();
    }
  };
  const before = await scrape();
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await once({ query: '{ __typename }' }, client())).requestId);
  expect(new Set(await Promise.all(ids.map(pidOf))).size).toBe(2);
  const after = [await scrape(), await scrape()];
  expect(new Set(after.map((a) => a.pid)).size).toBe(2);
  expect(after.map((a) => a.posts - before.posts)).toEqual([6, 6]);
});

it('replaces a worker that dies', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) ids.push((await once({ query: '{ __typename }' }, client())).requestId);
  const [victim, survivor] = await Promise.all(ids.map(pidOf));
  expect(victim).not.toBe(survivor);
  process.kill(victim, 'SIGKILL');
  const replacement = await waitFor(
    () =>
      logLines().find((e) => e.msg === 'worker listening' && e.workerPid !== victim && e.workerPid !== survivor)
        ?.workerPid as number,
    { what: 'a replacement worker listening' },
  );
  // The first crash of a worker is replaced after the first backoff step.
  expect(logLines().find((e) => e.msg === 'worker exited; replacing it' && e.workerPid === victim)).toMatchObject({
    signal: 'SIGKILL',
    restartInMs: 250,
  });
  // The port is served by the survivor and the replacement, never by the dead worker.
  const answered = await waitFor(
    async () => {
      const pids = new Set<number>();
      for (let i = 0; i < 4; i++) pids.add(await pidOf((await once({ query: '{ __typename }' }, client())).requestId));
      return pids.has(replacement) && pids;
    },
    { what: 'a request answered by the replacement' },
  );
  expect([...answered].sort()).toEqual([replacement, survivor].sort());
});

it('stops every worker on SIGTERM, each draining, and exits 0', async () => {
  const workers = [
    ...new Set(
      logLines()
        .filter((e) => e.msg === 'gateway ready')
        .map((e) => e.pid as number),
    ),
  ];
  const running = workers.filter(alive);
  expect(running).toHaveLength(2);
  gateway.kill('SIGTERM');
  expect(await exited).toEqual({ code: 0, signal: null });
  expect(running.filter(alive)).toEqual([]);
  expect(stderr.match(/gateway: SIGTERM received, draining/g)).toHaveLength(2);
  expect(logLines().some((e) => e.msg === 'every worker stopped' && e.exitCode === 0)).toBe(true);
});
