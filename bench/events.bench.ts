import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { loadConfig } from '#platform/infra/config';
import { createLogger } from '#platform/infra/observability/logger';
import { createMetrics } from '#platform/infra/observability/metrics';
import { openDatabase, type Database } from '#platform/infra/db/data-source';
import {
  createEventMetadataMigration,
  createEventTablesMigration,
  defineConsumer,
  EventRuntime,
  type NewEvent,
} from '#platform/infra/events/index';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { detachedRevocationView } from '#platform/infra/auth/revocation';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { percentile } from './stats';
import { createMemoryReplayCache } from '#platform/infra/auth/replay-cache';

/**
 * Delivery latency (commit of the producing transaction → the consumer's handler has run in its
 * transaction) and throughput (events/s from the first commit to the last event applied) of the
 * event pipeline, on the PostgreSQL bus and on Redis Streams. Producer and consumer are two
 * services in this process, each with its own schema and pool, as in `npm start`.
 *
 *   npm run bench:events     (DATABASE_URL, REDIS_URL: defaults to the local servers)
 */
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 300);
const LATENCY_GAP_MS = Number(process.env.BENCH_LATENCY_GAP_MS ?? 10);
const THROUGHPUT_EVENTS = Number(process.env.BENCH_THROUGHPUT_EVENTS ?? 5000);
const EVENTS_PER_TRANSACTION = 50;

function effectsMigration(): new () => MigrationInterface {
  return class CreateBenchEffects1732400000001 implements MigrationInterface {
    name = 'CreateBenchEffects1732400000001';
    async up(q: QueryRunner) {
      await q.query(`CREATE TABLE bench_consumer.effects (event_id uuid PRIMARY KEY, listing_id uuid NOT NULL)`);
    }
    async down(q: QueryRunner) {
      await q.query(`DROP TABLE bench_consumer.effects`);
    }
  };
}

function viewed(): NewEvent<'listing.viewed'> {
  const id = `${randomBytes(4).toString('hex')}-0000-4000-8000-${randomBytes(6).toString('hex')}`;
  return { type: 'listing.viewed', payload: { listingId: id, sellerId: id, viewerId: null } };
}

const round = (n: number) => Math.round(n * 100) / 100;

async function runTransport(transport: 'postgres' | 'redis') {
  const name = `hemp_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const prefix = `bench:${randomBytes(4).toString('hex')}:`;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: url.toString(),
    ...(transport === 'redis' ? { REDIS_URL, EVENTS_REDIS_PREFIX: prefix } : {}),
  });
  const log = createLogger('bench', 'warn');
  const committedAt = new Map<string, number>();
  const appliedAt = new Map<string, number>();
  let onApplied: (() => void) | null = null;

  const open = async (schema: string, migrations: Function[]) =>
    openDatabase({ url: url.toString(), dataDir: '.data', schema, entities: [], migrations, poolSize: 10, log });
  const producerDb = await open('bench_producer', [
    createEventTablesMigration('bench_producer', 1732400000000),
    createEventMetadataMigration('bench_producer', 1732610000000),
  ]);
  const consumerDb = await open('bench_consumer', [
    createEventTablesMigration('bench_consumer', 1732400000000),
    createEventMetadataMigration('bench_consumer', 1732610000000),
    effectsMigration(),
  ]);
  const runtime = (
    db: Database,
    schema: string,
    outbox: boolean,
    consumers = [] as ReturnType<typeof defineConsumer>[],
  ) =>
    new EventRuntime({
      source: schema,
      schema,
      dataSource: db.dataSource,
      config,
      log,
      registry: createMetrics(schema).registry,
      outbox,
      consumers,
    });
  const consumer = defineConsumer({
    name: 'bench',
    handlers: {
      'listing.viewed': async (event, ctx) => {
        await ctx.manager.query(
          `INSERT INTO bench_consumer.effects (event_id, listing_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
          [event.id, event.payload.listingId],
        );
        appliedAt.set(event.id, performance.now());
        onApplied?.();
      },
    },
  });
  const producer = runtime(producerDb, 'bench_producer', true);
  const consuming = runtime(consumerDb, 'bench_consumer', false, [consumer]);
  const deps = (db: Database, rt: EventRuntime): SubgraphDeps => ({
    name: 'analytics',
    config,
    db,
    log,
    metrics: createMetrics('bench'),
    outbox: rt.outbox,
    revocations: detachedRevocationView(log),
    replay: createMemoryReplayCache({ maxAgeSeconds: config.GATEWAY_SIGNATURE_MAX_AGE_SECONDS, maxEntries: 1000 }),
  });
  await producer.start(deps(producerDb, producer));
  await consuming.start(deps(consumerDb, consuming));

  const waitApplied = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`only ${appliedAt.size}/${count} applied`)), 120_000);
      const check = () => {
        if (appliedAt.size >= count) {
          clearTimeout(deadline);
          onApplied = null;
          resolve();
        }
      };
      onApplied = check;
      check();
    });

  try {
    // Latency: one event per transaction, spaced out so each is measured alone.
    for (let i = 0; i < LATENCY_EVENTS; i++) {
      const event = await producerDb.dataSource.transaction((m) => producer.outbox.add(m, viewed()));
      committedAt.set(event.id, performance.now());
      await new Promise((r) => setTimeout(r, LATENCY_GAP_MS));
    }
    await waitApplied(LATENCY_EVENTS);
    const latencies = [...committedAt].map(([id, t]) => (appliedAt.get(id) as number) - t).sort((a, b) => a - b);

    // Throughput: write as fast as one writer can, EVENTS_PER_TRANSACTION per transaction.
    appliedAt.clear();
    const started = performance.now();
    for (let i = 0; i < THROUGHPUT_EVENTS; i += EVENTS_PER_TRANSACTION) {
      await producerDb.dataSource.transaction(async (m) => {
        for (let j = 0; j < EVENTS_PER_TRANSACTION; j++) await producer.outbox.add(m, viewed());
      });
    }
    const written = performance.now();
    await waitApplied(THROUGHPUT_EVENTS);
    const finished = performance.now();
    const seconds = (finished - started) / 1000;
    return {
      latencyMs: {
        events: latencies.length,
        p50: round(percentile(latencies, 50)),
        p95: round(percentile(latencies, 95)),
        p99: round(percentile(latencies, 99)),
        max: round(latencies[latencies.length - 1]),
      },
      throughput: {
        events: THROUGHPUT_EVENTS,
        eventsPerTransaction: EVENTS_PER_TRANSACTION,
        writeSeconds: round((written - started) / 1000),
        totalSeconds: round(seconds),
        eventsPerSecond: Math.round(THROUGHPUT_EVENTS / seconds),
      },
    };
  } finally {
    await consuming.stop();
    await producer.stop();
    await consumerDb.close();
    await producerDb.close();
    if (transport === 'redis') {
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function main() {
  const config = loadConfig({});
  const results = {
    measuredAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverageAtStart: os.loadavg().map((l) => round(l)),
    },
    settings: {
      EVENTS_POLL_MS: config.EVENTS_POLL_MS,
      EVENTS_BATCH_SIZE: config.EVENTS_BATCH_SIZE,
      EVENTS_REDIS_PARTITIONS: config.EVENTS_REDIS_PARTITIONS,
      latencyEvents: LATENCY_EVENTS,
      latencyGapMs: LATENCY_GAP_MS,
      note: 'producer and consumer in one process: the relay is woken on commit and PostgreSQL consumers on publication; across processes the PostgreSQL bus adds up to EVENTS_POLL_MS',
    },
    postgres: await runTransport('postgres'),
    redis: await runTransport('redis'),
  };
  const file = path.join(PROJECT_ROOT, 'bench', 'results', 'events.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\nwritten to ${path.relative(process.cwd(), file)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
