import { signInternalRequest, INTERNAL_SIGNATURE_HEADER } from '../../../../platform/auth/gateway-signature';
import type { AppConfig } from '../../../../platform/config';
import type { PerformanceReport } from './performance.type';

const PATH = '/internal/operation-stats';
const TIMEOUT_MS = 2000;

interface GatewaySnapshot {
  since: string;
  operations: PerformanceReport['operations'];
}

/** Reads the gateway's per-operation statistics over its signed internal route. */
export async function performanceMetrics(config: AppConfig): Promise<PerformanceReport> {
  const base = config.GATEWAY_INTERNAL_URL.replace(/\/+$/, '');
  const res = await fetch(`${base}${PATH}`, {
    headers: { [INTERNAL_SIGNATURE_HEADER]: signInternalRequest(config.GATEWAY_SECRET, 'GET', PATH) },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`the gateway answered ${res.status} for its operation statistics`);
  const body = (await res.json()) as GatewaySnapshot;
  return { since: new Date(body.since), operations: body.operations };
}
