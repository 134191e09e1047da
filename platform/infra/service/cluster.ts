import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '#platform/infra/observability/logger';
import { routeGathers } from '#platform/infra/service/cluster-ipc';

export interface SupervisorOptions {
  workers: number;
  log: Logger;
  /** Each worker's own drain limit (SHUTDOWN_GRACE_MS); the primary waits a little longer. */
  graceMs: number;
  /** First restart delay after a crash; doubled per crash in a row, up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A worker that served this long before it crashed restarts after the first delay again. */
  stableMs?: number;
  exit?: (code: number) => void;
}

interface Slot {
  worker: Worker | null;
  startedAt: number;
  crashes: number;
  restart: NodeJS.Timeout | null;
}

/**
 * The primary of a service run as several node:cluster workers sharing one port (the workers run
 * the service itself; the primary serves nothing). It keeps `workers` of them running: a worker
 * that dies is replaced after a backoff that grows while it keeps dying. SIGTERM and SIGINT are
 * passed to every worker, which drains as a single process would; the primary exits once they all
 * have (0 when every one stopped cleanly). A worker that dies before any worker ever listened is a
 * start failure (a taken port, say): the primary stops the others and exits 1, as one process would.
 */
export function superviseWorkers(options: SupervisorOptions): void {
  const { log } = options;
  const backoffMs = options.backoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const stableMs = options.stableMs ?? 30_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const slots: Slot[] = Array.from({ length: options.workers }, () => ({
    worker: null,
    startedAt: 0,
    crashes: 0,
    restart: null,
  }));
  let served = false;
  let stopping = false;
  let exitCode = 0;

  routeGathers();

  function fork(slot: Slot) {
    slot.restart = null;
    slot.startedAt = Date.now();
    slot.worker = cluster.fork();
  }
  const slotOf = (worker: Worker) => slots.find((s) => s.worker === worker);
  const alive = () => slots.filter((s) => s.worker !== null);

  function stop(signal: NodeJS.Signals, code = 0) {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    for (const slot of slots) if (slot.restart) clearTimeout(slot.restart);
    log.info({ signal, workers: alive().length }, 'stopping: draining every worker');
    if (alive().length === 0) return exit(exitCode);
    for (const slot of alive()) slot.worker?.process.kill(signal);
    const force = setTimeout(() => {
      log.error({ workers: alive().map((s) => s.worker?.process.pid) }, 'workers still running past the grace; killed');
      for (const slot of alive()) slot.worker?.process.kill('SIGKILL');
      exit(1);
    }, options.graceMs + 10_000);
    force.unref();
  }

  cluster.on('listening', (worker) => {
    served = true;
    log.info({ workerPid: worker.process.pid }, 'worker listening');
  });

  cluster.on('exit', (worker, code, signal) => {
    const slot = slotOf(worker);
    if (!slot) return;
    slot.worker = null;
    if (stopping) {
      if (code !== 0) exitCode = 1;
      if (alive().length === 0) {
        log.info({ exitCode }, 'every worker stopped');
        exit(exitCode);
      }
      return;
    }
    if (!served) {
      log.error({ workerPid: worker.process.pid, code, signal }, 'a worker failed to start; stopping');
      stop('SIGTERM', 1);
      return;
    }
    const ranFor = Date.now() - slot.startedAt;
    slot.crashes = ranFor >= stableMs ? 0 : slot.crashes + 1;
    const delay = Math.min(maxBackoffMs, backoffMs * 2 ** Math.max(0, slot.crashes - 1));
    log.error(
      { workerPid: worker.process.pid, code, signal, ranForMs: ranFor, restartInMs: delay },
      'worker exited; replacing it',
    );
    slot.restart = setTimeout(() => fork(slot), delay);
  });

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (const slot of slots) fork(slot);
  log.info({ workers: options.workers }, 'primary started its workers');
}
