import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { generatePrivateJwk, loadSigningKeys, type SigningKeys } from '#platform/infra/auth/keys';
import { signAccessToken, type RoleName } from '#platform/infra/auth/viewer';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { seedListings, seedSellers } from '../scripts/seed-data';
import { DEMO_CREDENTIALS } from '../subgraphs/external-sources/simulators/demo-credentials';
import { processTree, cpuProbe, type CpuProbe } from './cpu';
import { BENCH_METRICS_TOKEN } from './metrics';
import { startProcess, waitForReady } from './processes';

/**
 * The production layout for the load benchmarks: the four subgraphs in one process, our gateway in
 * another, Hive Gateway (optional) in a third, real PostgreSQL. The database is created fresh, or
 * with `reuse` kept between runs under a fixed name: seeding 1M listings is then paid once (a reused
 * catalogue larger than asked for is dropped and seeded again, since a catalogue only grows).
 */

export interface BenchStackOptions {
  basePort: number;
  hive: boolean;
  /** Keep the database under this name between runs (BENCH_REUSE_DB); else a fresh one, dropped at the end. */
  reuse?: string;
  /** Extra environment for our services (both processes). */
  env?: NodeJS.ProcessEnv;
  sellers: number;
  buyers: number;
  /** The smallest catalogue the run measures: a reused database holding more is seeded again. */
  firstScale: number;
  /** Also a second gateway of ours without priority (GATEWAY_PRIORITY_OTHERS=0), on the same subgraphs. */
  withoutPriority?: boolean;
  /**
   * Also a gateway of ours without the entity cache (ENTITY_CACHE_TTL_MS=0) for the peer comparison:
   * Hive Gateway has no entity cache, so ours is compared with the same subgraph calls as Hive's.
   */
  peerWithoutEntityCache?: boolean;
  /** More gateways of ours on the same subgraphs, each with its own settings (bench/ab.ts). */
  variants?: Record<string, NodeJS.ProcessEnv>;
}

export interface BenchStack {
  dbName: string;
  db: DataSource;
  ours: string;
  hive: string | null;
  sellerIds: string[];
  buyerIds: string[];
  /** Our gateway, the subgraphs process and the bench database's PostgreSQL backends. */
  probeOurs: CpuProbe;
  /** The same with Hive's process tree as the gateway. */
  probeHive: CpuProbe | null;
  /** The gateway without priority (options.withoutPriority), and its probe. */
  withoutPriority: { url: string; probe: CpuProbe } | null;
  /** The gateway for the peer comparison (options.peerWithoutEntityCache), and its probe. */
  peer: { url: string; probe: CpuProbe } | null;
  /** The gateways of options.variants by name, and their probes. */
  variants: Record<string, { url: string; probe: CpuProbe }>;
  pids: { gateway: number; subgraphs: number; hive: number | null };
  /** Grows the catalogue to `count` listings (nothing when it already has them). */
  seedTo(count: number): Promise<{ seconds: number; listings: number }>;
  token(userId: string, roles: RoleName[]): Promise<string>;
  /** Waits (at most `seconds`) until no statement of the bench database is running: the last run's stragglers must not count against the next. */
  quiesce(seconds?: number): Promise<void>;
  stop(): Promise<void>;
}

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The gateway secret of the bench services (a bench signs its own calls straight to a subgraph with it). */
export const BENCH_SECRET = 'bench-scale-secret-0123456789abcdef';

/** The runtime image's NODE_OPTIONS (Dockerfile), kept in step by test/deploy.test.ts. */
export const IMAGE_NODE_OPTIONS = '--max-semi-space-size=32';

/**
 * The one-host layout's priority setting (docker-compose.yml's default, kept in step by
 * test/deploy.test.ts): the bench runs every service on one machine, as that file does.
 */
export const ONE_HOST_PRIORITY_OTHERS = '8';

export function serviceEnv(basePort: number, dbUrl: string, jwk: unknown): NodeJS.ProcessEnv {
  const ports = {
    identity: basePort + 1,
    listings: basePort + 2,
    external: basePort + 3,
    analytics: basePort + 4,
  };
  return {
    // as deployed (Dockerfile, docker-compose.yml, deploy/k8s): production mode, with its secrets,
    // and the image's V8 young generation (Hive Gateway is started with the same)
    NODE_ENV: 'production',
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${IMAGE_NODE_OPTIONS}`.trim(),
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl,
    REDIS_URL: '',
    GATEWAY_SECRET: BENCH_SECRET,
    INTERNAL_SECRET: randomBytes(32).toString('base64url'),
    PSEUDONYM_SECRET: randomBytes(32).toString('base64url'),
    METRICS_TOKEN: BENCH_METRICS_TOKEN,
    VAULT_KEYS: JSON.stringify({ 'vault-bench': randomBytes(32).toString('base64') }),
    VAULT_ACTIVE_KID: 'vault-bench',
    SOURCE_CREDENTIALS: JSON.stringify(DEMO_CREDENTIALS),
    JWT_PRIVATE_KEYS: JSON.stringify([jwk]),
    JWKS_URL: `http://127.0.0.1:${ports.identity}/.well-known/jwks.json`,
    GATEWAY_PORT: String(basePort),
    IDENTITY_CONSENT_PORT: String(ports.identity),
    LISTINGS_MATCHING_PORT: String(ports.listings),
    EXTERNAL_SOURCES_PORT: String(ports.external),
    ANALYTICS_PORT: String(ports.analytics),
    IDENTITY_CONSENT_URL: `http://127.0.0.1:${ports.identity}/graphql`,
    LISTINGS_MATCHING_URL: `http://127.0.0.1:${ports.listings}/graphql`,
    EXTERNAL_SOURCES_URL: `http://127.0.0.1:${ports.external}/graphql`,
    ANALYTICS_URL: `http://127.0.0.1:${ports.analytics}/graphql`,
    SIMULATORS_ENABLED: 'false',
    CRAWL_INTERVAL_SECONDS: '0',
    // The benches measure cost per operation, not the abuse defences.
    THREAT_BOT_REQUESTS: '100000000',
    // Searches, match requests and orders first when the machine is busy, as docker-compose.yml sets it.
    GATEWAY_PRIORITY_OTHERS: ONE_HOST_PRIORITY_OTHERS,
  };
}

/** Hive Gateway on the committed supergraph, one worker, as deploy/hive runs it. */
export function startHive(port: number, env: NodeJS.ProcessEnv): ChildProcess {
  const bin = path.join(PROJECT_ROOT, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');
  const args = [bin, 'supergraph', 'schema/supergraph.graphql', '-c', 'deploy/hive/gateway.config.ts'];
  return startProcess('hive', [...args, '--port', String(port), '--fork', '1'], { ...env, NODE_ENV: 'production' });
}

const urlOf = (dbName: string) => Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();

/** Listings in a reused database (0 when it has no catalogue yet). */
async function listingsIn(dbName: string): Promise<number> {
  const client = new Client({ connectionString: urlOf(dbName) });
  await client.connect();
  try {
    const res = await client.query(`SELECT count(*)::int AS n FROM listings.listings`).catch(() => null);
    return res?.rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

async function openDatabase(reuse: string | undefined, firstScale: number): Promise<{ dbName: string; url: string }> {
  const dbName = reuse ?? `hemp_scale_${Date.now().toString(36)}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(dbName)) throw new Error(`BENCH_REUSE_DB must be a plain name: ${dbName}`);
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    let exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [dbName])).rowCount === 1;
    if (exists && (await listingsIn(dbName)) > firstScale) {
      await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
      exists = false;
    }
    if (!exists) await admin.query(`CREATE DATABASE ${dbName}`);
    return { dbName, url: urlOf(dbName) };
  } finally {
    await admin.end();
  }
}

async function dropDatabase(dbName: string): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const opened = await openDatabase(options.reuse, options.firstScale);
  const jwk = await generatePrivateJwk();
  const keys: SigningKeys = await loadSigningKeys(JSON.stringify([jwk]), os.tmpdir());
  const env = { ...serviceEnv(options.basePort, opened.url, jwk), ...options.env };
  const children: ChildProcess[] = [];
  let db: DataSource | null = null;
  const stopAll = async () => {
    await db?.destroy().catch(() => undefined);
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    if (!options.reuse) await dropDatabase(opened.dbName);
  };
  try {
    const subgraphs = startProcess('subgraphs', ['dist/bench/bench/subgraphs.js'], env);
    children.push(subgraphs);
    await waitForReady(`${env.ANALYTICS_URL!.replace(/\/graphql$/, '')}/ready`, 120);
    // BENCH_GATEWAY_WORKERS=N runs our gateway as N node:cluster workers (GATEWAY_WORKERS), which
    // needs Redis for the state they share; the rest of the stack stays as it is.
    const workers = Number(process.env.BENCH_GATEWAY_WORKERS ?? 1);
    const gatewayEnv =
      workers > 1
        ? {
            ...env,
            GATEWAY_WORKERS: String(workers),
            REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9',
            REDIS_KEY_PREFIX: `bench-${Date.now().toString(36)}:`,
          }
        : env;
    const gateway = startProcess('gateway', ['dist/bench/gateway/index.js'], gatewayEnv);
    children.push(gateway);
    const hive = options.hive ? startHive(options.basePort + 10, env) : null;
    if (hive) children.push(hive);
    /** Another gateway of ours on the same subgraphs, differing from the main one by `differs`. */
    const variant = async (name: string, port: number, differs: NodeJS.ProcessEnv) => {
      const child = startProcess(name, ['dist/bench/gateway/index.js'], {
        ...gatewayEnv,
        ...differs,
        GATEWAY_PORT: String(port),
      });
      children.push(child);
      return { url: `http://127.0.0.1:${port}/graphql`, pid: child.pid! };
    };
    await waitForReady(`http://127.0.0.1:${options.basePort}/ready`, 90);
    const plain = options.withoutPriority
      ? await variant('gateway-without-priority', options.basePort + 20, { GATEWAY_PRIORITY_OTHERS: '0' })
      : null;
    const peer = options.peerWithoutEntityCache
      ? await variant('gateway-peer', options.basePort + 30, { ENTITY_CACHE_TTL_MS: '0' })
      : null;
    const variants: Record<string, { url: string; pid: number }> = {};
    for (const [i, [name, differs]] of Object.entries(options.variants ?? {}).entries())
      variants[name] = await variant(`gateway-${i}`, options.basePort + 40 + i, differs);
    for (const g of [plain, peer, ...Object.values(variants)])
      if (g) await waitForReady(g.url.replace(/graphql$/, 'ready'), 90);
    if (hive) await waitForReady(`http://127.0.0.1:${options.basePort + 10}/healthcheck`, 90);
    db = new DataSource({ type: 'postgres', url: opened.url });
    await db.initialize();
    const database = db;
    const { sellerIds, buyerIds } = await users(database, options.sellers, options.buyers);
    // The backends serving the bench database; autovacuum's workers on it are reported apart (the
    // seeding and the write operations leave it work that no read request caused).
    const pgBackends = async () => {
      const rows: Array<{ pid: number; backend_type: string }> = await database.query(
        `SELECT pid, backend_type FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [opened.dbName],
      );
      const autovacuum = (r: { backend_type: string }) => r.backend_type.startsWith('autovacuum');
      return {
        postgres: rows.filter((r) => !autovacuum(r)).map((r) => r.pid),
        autovacuum: rows.filter(autovacuum).map((r) => r.pid),
      };
    };
    const group = (gatewayPid: number) =>
      cpuProbe(async () => ({
        gateway: processTree(gatewayPid),
        subgraphs: [subgraphs.pid!],
        ...(await pgBackends()),
      }));
    return {
      dbName: opened.dbName,
      db: database,
      ours: `http://127.0.0.1:${options.basePort}/graphql`,
      hive: hive ? `http://127.0.0.1:${options.basePort + 10}/graphql` : null,
      sellerIds,
      buyerIds,
      probeOurs: group(gateway.pid!),
      probeHive: hive ? group(hive.pid!) : null,
      withoutPriority: plain ? { url: plain.url, probe: group(plain.pid) } : null,
      peer: peer ? { url: peer.url, probe: group(peer.pid) } : null,
      variants: Object.fromEntries(
        Object.entries(variants).map(([name, g]) => [name, { url: g.url, probe: group(g.pid) }]),
      ),
      pids: { gateway: gateway.pid!, subgraphs: subgraphs.pid!, hive: hive?.pid ?? null },
      async seedTo(count) {
        const started = Date.now();
        const [{ n }] = await database.query(`SELECT count(*)::int AS n FROM listings.listings`);
        if (n < count) {
          await seedListings(database, { count: count - n, from: n + 1, sellerIds, inactiveShare: 0.05 });
          // as autovacuum would leave a table that has settled: statistics and the visibility map
          await database.query('VACUUM ANALYZE listings.listings');
          // and with the load's dirty pages written: otherwise the checkpoint that follows a bulk
          // load (gigabytes at 1M) runs during the first measurements and slows every process
          await database.query('CHECKPOINT').catch(() => undefined);
        }
        return { seconds: Math.round((Date.now() - started) / 100) / 10, listings: Math.max(n, count) };
      },
      token: async (userId, roles) =>
        (
          await signAccessToken(
            keys,
            { userId, roles },
            { issuer: 'hemp-marketplace', audience: 'hemp-marketplace-api' },
          )
        ).token,
      async quiesce(seconds = 30) {
        const deadline = Date.now() + seconds * 1000;
        while (Date.now() < deadline) {
          const [{ n }] = await database.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid() AND now() - query_start > interval '50 ms'`,
            [opened.dbName],
          );
          if (n === 0) return;
          await new Promise((r) => setTimeout(r, 200));
        }
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The bench's sellers and buyers: seeded once, read back from a reused database. */
async function users(db: DataSource, sellers: number, buyers: number) {
  const existing: Array<{ id: string; roles: string[] }> = await db.query(
    `SELECT id, roles FROM identity.users WHERE email LIKE 'bench-seller-%' ORDER BY created_at, id`,
  );
  let sellerIds = existing.filter((u) => !u.roles.includes('BUYER')).map((u) => u.id);
  let buyerIds = existing.filter((u) => u.roles.includes('BUYER')).map((u) => u.id);
  if (sellerIds.length < sellers) sellerIds = [...sellerIds, ...(await seedSellers(db, sellers - sellerIds.length))];
  if (buyerIds.length < buyers) {
    const added = await seedSellers(db, buyers - buyerIds.length);
    await db.query(`UPDATE identity.users SET roles = ARRAY['BUYER'] WHERE id = ANY($1::uuid[])`, [added]);
    buyerIds = [...buyerIds, ...added];
  }
  return { sellerIds: sellerIds.slice(0, sellers), buyerIds: buyerIds.slice(0, buyers) };
}
