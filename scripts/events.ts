import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '#platform/infra/config';
import { createLogger } from '#platform/infra/observability/logger';
import { createMetrics } from '#platform/infra/observability/metrics';
import { openDatabase } from '#platform/infra/db/data-source';
import { closeEmbeddedDatabase } from '#platform/infra/db/pglite-pool';
import { ConsumerProcessor } from '#platform/infra/events/consumer';
import { schemaName, withRunner } from '#platform/infra/events/db';
import { Outbox } from '#platform/infra/events/outbox';
import { replayConsumer } from '#platform/infra/events/replay';
import { createTransport } from '#platform/infra/events/runtime';
import type { SubgraphDeps, SubgraphModule } from '#platform/infra/service/subgraph';
import { detachedRevocationView } from '#platform/infra/auth/revocation';
import { SUBGRAPHS } from '../subgraphs';
import path from 'node:path';
import { createMemoryReplayCache } from '#platform/infra/auth/replay-cache';

const USAGE = `Usage: npm run events -- <command> --consumer <name> [options]

Commands:
  replay --consumer <name> --since <ISO time>   run the consumer's handlers again over the events since then
  dead-letters --consumer <name>                list its dead-lettered events (newest first, at most 100)
  requeue-dead-letters --consumer <name>        give its dead-lettered events a fresh set of attempts

Works against DATABASE_URL (and REDIS_URL for the Redis transport), like the services.
Consumers: ${
  SUBGRAPHS.flatMap((m) => (m as SubgraphModule<unknown>).consumers ?? [])
    .map((c) => c.name)
    .join(', ') || '(none)'
}`;

class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/** The `events` command; returns the exit code. Exported so tests run it in process. */
export async function runEventsCli(argv: string[], env: NodeJS.ProcessEnv, io: CliOutput): Promise<number> {
  try {
    await run(argv, env, io);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    io.err(`events: ${(err as Error).stack ?? err}\n`);
    return 1;
  }
}

async function run(argv: string[], env: NodeJS.ProcessEnv, io: CliOutput): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { consumer: { type: 'string' }, since: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(`${USAGE}\n`);
    return;
  }
  const command = positionals[0];
  if (!['replay', 'dead-letters', 'requeue-dead-letters'].includes(command))
    fail(command ? `unknown command ${command}` : 'a command is required');
  if (!values.consumer) fail('--consumer is required');
  const owner = (SUBGRAPHS as unknown as SubgraphModule<unknown>[]).find((m) =>
    m.consumers?.some((c) => c.name === values.consumer),
  );
  const definition = owner?.consumers?.find((c) => c.name === values.consumer);
  if (!owner || !definition) fail(`no consumer named ${values.consumer}`);
  let since: Date | undefined;
  if (command === 'replay') {
    since = values.since ? new Date(values.since) : undefined;
    if (!since || Number.isNaN(since.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(values.since ?? ''))
      fail('--since must be an ISO 8601 time, e.g. 2026-11-21T00:00:00Z');
  }

  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const log = createLogger(`events-cli`, config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const metrics = createMetrics(owner.name);
  const db = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    schema: owner.dbSchema,
    entities: owner.entities,
    migrations: owner.migrations,
    poolSize: 2,
    log,
    metrics,
  });
  const s = schemaName(owner.dbSchema);
  try {
    if (command === 'dead-letters') {
      const rows = await withRunner(db.dataSource, (r) =>
        r.query(
          `SELECT event_id, type, attempts, error, failed_at FROM ${s}.dead_letters WHERE consumer = $1 ORDER BY failed_at DESC LIMIT 100`,
          [definition.name],
        ),
      );
      io.out(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (command === 'requeue-dead-letters') {
      const moved = await withRunner(db.dataSource, (r) =>
        r.query(
          `WITH gone AS (DELETE FROM ${s}.dead_letters WHERE consumer = $1 RETURNING consumer, event_id, event, error)
           INSERT INTO ${s}.event_retries (consumer, event_id, event, attempts, last_error, next_attempt_at)
           SELECT consumer, event_id, event, 0, error, now() FROM gone ON CONFLICT DO NOTHING RETURNING event_id`,
          [definition.name],
        ),
      );
      io.out(`${JSON.stringify({ consumer: definition.name, requeued: moved.length })}\n`);
      return;
    }
    const transport = createTransport(config, db.dataSource, log, `${owner.name}-replay`);
    await transport.init();
    try {
      const deps: SubgraphDeps = {
        name: owner.name,
        config,
        db,
        log,
        metrics,
        outbox: new Outbox({ source: owner.name, schema: owner.dbSchema, dataSource: db.dataSource, enabled: false }),
        revocations: detachedRevocationView(log),
        // a replay serves no signed routes
        replay: createMemoryReplayCache({ maxAgeSeconds: config.GATEWAY_SIGNATURE_MAX_AGE_SECONDS, maxEntries: 1000 }),
      };
      const processor = new ConsumerProcessor(definition, {
        dataSource: db.dataSource,
        schema: owner.dbSchema,
        deps,
        log,
        retry: {
          maxAttempts: config.EVENTS_MAX_ATTEMPTS,
          baseMs: config.EVENTS_RETRY_BASE_MS,
          maxMs: config.EVENTS_RETRY_MAX_MS,
        },
      });
      const result = await replayConsumer({
        dataSource: db.dataSource,
        schema: owner.dbSchema,
        transport,
        processor,
        since: since as Date,
        log,
      });
      io.out(`${JSON.stringify(result)}\n`);
    } finally {
      await transport.close();
    }
  } finally {
    await db.close();
    if (!config.DATABASE_URL)
      await closeEmbeddedDatabase(
        config.DATA_DIR === 'memory://' ? 'memory://' : path.resolve(config.DATA_DIR, 'pglite'),
      );
  }
}

if (require.main === module) {
  runEventsCli(process.argv.slice(2), process.env, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
