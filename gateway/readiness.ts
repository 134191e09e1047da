import { Gauge } from 'prom-client';
import type { AppConfig, SubgraphName } from '#platform/infra/config';
import type { Readiness } from '#platform/infra/http/http-server';
import type { ServiceMetrics } from '#platform/infra/observability/metrics';

/**
 * Readiness of a gateway means "this gateway can serve": it has its supergraph and is not draining
 * (the HTTP layer answers 503 while draining). A subgraph that is down degrades the answers — the
 * breakers answer its part with a coded error naming it — but must not take the gateway out of the
 * load balancer: one subgraph outage would otherwise remove every gateway replica at once. Each
 * subgraph's state is in `/ready`'s body (`degraded`, `subgraphs`) and in `gateway_subgraph_up`.
 */
export function readinessChecker(config: AppConfig, metrics: ServiceMetrics) {
  const up = new Gauge({
    name: 'gateway_subgraph_up',
    help: "1 when the subgraph's /ready answered the gateway's last readiness check, 0 when it did not",
    labelNames: ['subgraph'] as const,
    registers: [metrics.registry],
    // Several workers (GATEWAY_WORKERS): 0 when any worker's last check failed.
    aggregator: 'min',
    // A scrape runs (or reuses) the check, so the gauge is current even when nothing probes /ready.
    async collect() {
      await readiness();
    },
  });
  let cached: { at: number; value: Promise<Readiness> } | null = null;
  async function check(): Promise<Readiness> {
    const entries = await Promise.all(
      (Object.entries(config.subgraphUrls) as [SubgraphName, string][]).map(async ([name, url]) => {
        let ok: boolean;
        try {
          const res = await fetch(url.replace(/\/graphql$/, '/ready'), { signal: AbortSignal.timeout(2000) });
          ok = res.ok;
        } catch {
          ok = false;
        }
        up.set({ subgraph: name }, ok ? 1 : 0);
        return [name, { ok }] as const;
      }),
    );
    const down = entries.filter(([, v]) => !v.ok).map(([name]) => name);
    return {
      ok: true,
      checks: { degraded: down.length > 0, subgraphsDown: down, subgraphs: Object.fromEntries(entries) },
    };
  }
  function readiness(): Promise<Readiness> {
    if (!cached || Date.now() - cached.at > 1000) cached = { at: Date.now(), value: check() };
    return cached.value;
  }
  return readiness;
}
