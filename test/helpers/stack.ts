import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Redis from 'ioredis';
import { loadConfig, type AppConfig, type SubgraphName } from '#platform/infra/config';
import { generatePrivateJwk, loadSigningKeys, type SigningKeys } from '#platform/infra/auth/keys';
import { signAccessToken, type RoleName } from '#platform/infra/auth/viewer';
import { startStack, type RunningStack } from '../../scripts/stack';
import { startSubgraph, type SubgraphModule } from '#platform/infra/service/subgraph';
import { SUBGRAPHS } from '../../subgraphs';
import { createTestDatabase, type TestDatabase } from './database';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, any> }> };
}

export interface TestStack {
  stack: RunningStack;
  config: AppConfig;
  gatewayUrl: string;
  logs: string[];
  /** POST a GraphQL request to the gateway. */
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { token?: string; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<T>>;
  /**
   * A valid access token, as identity-consent would issue it: the user's roles in the database are
   * set to the same roles (privileged fields re-read them there), without ending the user's other tokens.
   */
  tokenFor(userId: string, roles: RoleName[]): Promise<string>;
  /** SQL statements run so far by the named subgraphs. */
  statements(...names: SubgraphName[]): number;
  /** Stops one subgraph (its port stays reserved in the gateway's view). */
  stopSubgraph(name: SubgraphName): Promise<void>;
  /** Starts a stopped subgraph again on the same port. */
  startSubgraphAgain(name: SubgraphName): Promise<void>;
  stop(): Promise<void>;
}

export interface TestStackOptions {
  /** Run on the embedded database instead of a fresh PostgreSQL database. */
  embedded?: boolean;
  /** Reuse a data directory (embedded database and keys); it is then left in place on stop. */
  dataDir?: string;
  env?: Record<string, string>;
}

/**
 * The whole federated stack in this process on free ports: a fresh database (or an embedded one),
 * fresh signing keys, logs captured in memory so tests can search them.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'hemp-test-'));
  let database: TestDatabase | undefined;
  if (!options.embedded) database = await createTestDatabase();
  const privateJwk = options.env?.JWT_PRIVATE_KEYS
    ? JSON.parse(options.env.JWT_PRIVATE_KEYS)[0]
    : await generatePrivateJwk();
  // Two suites may share one Redis database (REDIS_URL_FOR_TESTS): every stack writes under its own
  // prefix, so one run never reads another's cached answers, rate-limit counters, revocations or events.
  const redisPrefix = `test-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}:`;
  const config = loadConfig({
    NODE_ENV: 'test',
    REDIS_KEY_PREFIX: redisPrefix,
    EVENTS_REDIS_PREFIX: `${redisPrefix}events:`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info',
    DATA_DIR: dataDir,
    DATABASE_URL: database?.url,
    JWT_PRIVATE_KEYS: JSON.stringify([privateJwk]),
    GATEWAY_SECRET: 'test-gateway-secret-0123456789abcdef',
    INTERNAL_SECRET: 'test-internal-secret-0123456789abcdef',
    ...options.env,
  });
  const keys: SigningKeys = await loadSigningKeys(config.JWT_PRIVATE_KEYS, dataDir);
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  let stack: RunningStack;
  try {
    stack = await startStack(config, { ephemeralPorts: true, logDestination: logDestination as never });
  } catch (err) {
    await database?.drop();
    throw err;
  }
  return {
    stack,
    config: stack.config,
    gatewayUrl: stack.gateway.url,
    logs,
    async gql(query, variables, opts = {}) {
      const res = await fetch(stack.gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...opts.headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as GraphQLResponse['body'] };
    },
    tokenFor: async (userId, roles) => {
      await stack.subgraphs['identity-consent'].deps.db.dataSource.query(
        `UPDATE identity.users SET roles = $2::text[] WHERE id = $1`,
        [userId, roles],
      );
      return (
        await signAccessToken(keys, { userId, roles }, { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE })
      ).token;
    },
    statements: (...names) => names.reduce((sum, n) => sum + stack.subgraphs[n].deps.db.statements.count, 0),
    async stopSubgraph(name) {
      await stack.subgraphs[name].stop();
    },
    async startSubgraphAgain(name) {
      const previous = stack.subgraphs[name];
      const module = SUBGRAPHS.find((m) => m.name === name) as SubgraphModule<unknown>;
      stack.subgraphs[name] = await startSubgraph(module, previous.deps.config, {
        port: Number(new URL(previous.url).port),
        logDestination: logDestination as never,
      });
    },
    async stop() {
      await stack.stop();
      await database?.drop();
      if (config.REDIS_URL && config.REDIS_KEY_PREFIX === redisPrefix)
        await deleteRedisKeys(config.REDIS_URL, redisPrefix);
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Deletes every key under `prefix` (SCAN, not KEYS or FLUSHDB: another suite may be using the same database). */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * SQL on one subgraph's own database connection, for a test's setup and checks. `stack` is read at
 * call time, so a file can define its `sql` before `beforeAll` starts the stack.
 */
export function sqlOf(stack: () => TestStack, name: SubgraphName) {
  return <T = any>(text: string, params: unknown[] = []): Promise<T> =>
    stack().stack.subgraphs[name].deps.db.dataSource.query(text, params);
}
