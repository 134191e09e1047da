import { ConfigError, loadConfig, productionSecretProblems, type AppConfig } from '#platform/infra/config';
import cluster from 'node:cluster';
import { stopTracing } from '#platform/infra/observability/tracing';
import { createLogger } from '#platform/infra/observability/logger';
import { superviseWorkers } from '#platform/infra/service/cluster';

interface Stoppable {
  stop(): Promise<void>;
}

export interface MainOptions {
  /** Processes sharing the service's port (node:cluster); 1, the default, runs the service in this process. */
  workers?: (config: AppConfig) => number;
}

/**
 * The body of every `index.ts`: validated config (a readable message and exit 1 when it is wrong),
 * start, and a graceful stop on SIGTERM/SIGINT that drains in-flight requests first.
 */
export function runMain(
  name: string,
  start: (config: AppConfig) => Promise<Stoppable>,
  options: MainOptions = {},
): void {
  let config: AppConfig;
  try {
    config = loadConfig(process.env, name);
    // `stack` (npm start) runs every service in one process, so it needs every service's secrets.
    const problems = productionSecretProblems(
      config,
      name === 'stack' ? ['identity-consent', 'external-sources'] : [name],
    );
    if (problems.length) throw new ConfigError(problems);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const workers = options.workers?.(config) ?? 1;
  if (workers > 1 && cluster.isPrimary) {
    // The primary only supervises; each worker comes back through runMain and starts the service.
    const log = createLogger(name, config.LOG_LEVEL).child({ role: 'primary', pid: process.pid });
    superviseWorkers({ workers, log, graceMs: config.SHUTDOWN_GRACE_MS });
    return;
  }
  start(config).then(
    (running) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`${name}: ${signal} received, draining\n`);
        const force = setTimeout(() => process.exit(1), config.SHUTDOWN_GRACE_MS + 5000);
        force.unref();
        running.stop().then(
          // The last spans (the drain itself) are flushed before the process goes.
          () => stopTracing().finally(() => process.exit(0)),
          (err) => {
            process.stderr.write(`${name}: error while stopping: ${(err as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    },
    (err) => {
      process.stderr.write(`${name}: failed to start: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
