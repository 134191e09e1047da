import { loadConfig, ConfigError } from '../platform/config';
import { createLogger } from '../platform/logger';
import { openDatabase } from '../platform/db/data-source';
import { SUBGRAPHS } from '../subgraphs';

/**
 * `npm run migrate`: applies every subgraph's pending migrations and exits. Services also migrate
 * at start (under an advisory lock); a deployment runs this first so replicas start fast.
 */
async function main() {
  const config = loadConfig();
  const log = createLogger('migrate', config.LOG_LEVEL);
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
  log.info('all migrations applied');
}

main().catch((err) => {
  process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `migration failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
