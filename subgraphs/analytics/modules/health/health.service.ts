import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { SERVICE_NAMES } from '#platform/infra/config';
import { SourceHealth, type ServiceHealth, type SystemHealth } from './health.type';

const TIMEOUT_MS = 1500;
const CACHE_MS = 2000;

async function probe(name: string, check: () => Promise<unknown>): Promise<ServiceHealth> {
  const started = performance.now();
  try {
    await check();
    return { name, status: SourceHealth.HEALTHY, latencyMs: Math.round(performance.now() - started) };
  } catch {
    return { name, status: SourceHealth.DOWN, latencyMs: null };
  }
}

async function httpOk(url: string) {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
}

/**
 * Probes the database and every subgraph's /health. Results are kept for two seconds, so a public
 * field cannot be used to make this service flood the others.
 */
export function createHealthService(deps: SubgraphDeps) {
  let cached: { at: number; value: Promise<SystemHealth> } | null = null;

  async function check(): Promise<SystemHealth> {
    const services = await Promise.all([
      probe('database', () => deps.db.ping(TIMEOUT_MS)),
      ...SERVICE_NAMES.filter((n) => n !== deps.name).map((name) =>
        probe(name, () => httpOk(deps.config.subgraphUrls[name].replace(/\/graphql$/, '/health'))),
      ),
      probe(deps.name, async () => undefined),
    ]);
    const down = services.filter((s) => s.status === SourceHealth.DOWN);
    const status =
      services[0].status === SourceHealth.DOWN
        ? SourceHealth.DOWN
        : down.length
          ? SourceHealth.DEGRADED
          : SourceHealth.HEALTHY;
    return { status, services, checkedAt: new Date() };
  }

  return {
    systemHealth(): Promise<SystemHealth> {
      if (!cached || Date.now() - cached.at > CACHE_MS) cached = { at: Date.now(), value: check() };
      return cached.value;
    },
  };
}
