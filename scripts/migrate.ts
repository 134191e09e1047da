import { loadConfig, ConfigError, type AppConfig } from '#platform/infra/config';
import { createLogger, type Logger } from '#platform/infra/observability/logger';
import { openDatabase } from '#platform/infra/db/data-source';
import { SUBGRAPHS } from '../subgraphs';

/**
 * `npm run migrate`: applies every subgraph's pending migrations and exits. Services also migrate
 * at start (under an advisory lock); a deployment runs this first so replicas start fast.
 */
export async function migrateAll(config: AppConfig, log: Logger): Promise<void> {
  for (const module of SUBGRAPHS) {
    const db = await openDatabase({
      url: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
      schema: module.dbSchema,
      entities: module.entities,
      migrations: module.migrations,
      poolSize: 2,
      log: log.child({ subgraph: module.name }),
    });
    await db.close();
  }
}

if (require.main === module) {
  const run = async () => {
    const config = loadConfig(process.env, 'migrate');
    const log = createLogger('migrate', config.LOG_LEVEL);
    await migrateAll(config, log);
    log.info('all migrations applied');
  };
  run().catch((err) => {
    process.stderr.write(
      err instanceof ConfigError ? `${err.message}\n` : `migration failed: ${(err as Error).stack}\n`,
    );
    process.exit(1);
  });
}
