import { internalFetch, OPERATION_STATS_PATH } from '#platform/infra/http/internal-http';
import type { AppConfig } from '#platform/infra/config';
import type { PerformanceReport } from './performance.type';

const TIMEOUT_MS = 2000;

interface GatewaySnapshot {
  since: string;
  operations: PerformanceReport['operations'];
}

/** Reads the gateway's per-operation statistics over its signed internal route. */
export async function performanceMetrics(config: AppConfig): Promise<PerformanceReport> {
  const res = await internalFetch(config, {
    origin: new URL(config.GATEWAY_INTERNAL_URL).origin,
    method: 'GET',
    pathWithQuery: OPERATION_STATS_PATH,
    timeoutMs: TIMEOUT_MS,
  });
  if (!res.ok) throw new Error(`the gateway answered ${res.status} for its operation statistics`);
  const body = (await res.json()) as GatewaySnapshot;
  return { since: new Date(body.since), operations: body.operations };
}
