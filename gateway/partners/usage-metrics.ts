import { Counter } from 'prom-client';
import type { ServiceMetrics } from '#platform/infra/observability/metrics';

export type UsageOutcome = 'ok' | 'error' | 'rate_limited' | 'not_in_list' | 'unauthenticated';

export interface PartnerUsage {
  /** `tier` is the partner's tier (FREE, STANDARD, PREMIUM), `none` before a key is known. */
  record(partnerId: string | null, operation: string | null, outcome: UsageOutcome, tier?: string | null): void;
}

/**
 * `partner_requests_total{partner, operation, outcome, tier}`. Labels stay bounded: operations are the
 * manifest's names (or `none`), partners are ids an admin created, and past `maxPartners` distinct
 * ids further ones are counted as `other` so a registry cannot grow without end.
 */
export function createPartnerUsage(
  metrics: ServiceMetrics,
  operationNames: readonly string[],
  maxPartners = 1000,
): PartnerUsage {
  const counter = new Counter({
    name: 'partner_requests_total',
    help: 'Partner requests by partner id, persisted operation, outcome and tier',
    labelNames: ['partner', 'operation', 'outcome', 'tier'] as const,
    registers: [metrics.registry],
  });
  const known = new Set<string>();
  const operations = new Set(operationNames);
  return {
    record(partnerId, operation, outcome, tier) {
      let partner = partnerId ?? 'unknown';
      if (partnerId && !known.has(partnerId)) {
        if (known.size < maxPartners) known.add(partnerId);
        else partner = 'other';
      }
      counter.inc({
        partner,
        operation: operation && operations.has(operation) ? operation : 'none',
        outcome,
        tier: tier ?? 'none',
      });
    },
  };
}
