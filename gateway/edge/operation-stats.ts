import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { OPERATION_STATS_PATH, signedRoute } from '#platform/infra/http/internal-http';

/** Distinct operation names tracked; later names share one "other" entry, so memory stays bounded. */
export const MAX_TRACKED_OPERATIONS = 200;
/** Durations kept per operation (a sliding window of the most recent ones) for the percentiles. */
export const RESERVOIR_SIZE = 1024;
export const OTHER_OPERATIONS = 'other';

interface Entry {
  count: number;
  errors: number;
  samples: Float64Array;
  next: number;
  filled: number;
}

export interface OperationStatsSnapshot {
  since: string;
  operations: Array<{
    operationName: string;
    count: number;
    errorRate: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
  }>;
}

/** One process's share of the statistics (plain JSON, so it crosses node:cluster's IPC). */
export interface OperationStatsPart {
  since: string;
  operations: Array<{ operationName: string; count: number; errors: number; samples: number[] }>;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Per-operation counts, error counts and the most recent durations as the gateway measured them
 * (from request start to response), in memory: a process restart starts a new window (`since`).
 */
export class OperationStats {
  readonly since = new Date();
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxOperations = MAX_TRACKED_OPERATIONS,
    private readonly reservoirSize = RESERVOIR_SIZE,
  ) {}

  record(operationName: string | null | undefined, ms: number, failed: boolean): void {
    let name = (operationName || 'anonymous').slice(0, 64);
    let entry = this.entries.get(name);
    if (!entry) {
      if (this.entries.size >= this.maxOperations) name = OTHER_OPERATIONS;
      entry = this.entries.get(name);
      if (!entry) {
        entry = { count: 0, errors: 0, samples: new Float64Array(this.reservoirSize), next: 0, filled: 0 };
        this.entries.set(name, entry);
      }
    }
    entry.count += 1;
    if (failed) entry.errors += 1;
    entry.samples[entry.next] = ms;
    entry.next = (entry.next + 1) % this.reservoirSize;
    entry.filled = Math.min(this.reservoirSize, entry.filled + 1);
  }

  snapshot(): OperationStatsSnapshot {
    return OperationStats.merged([this.part()]);
  }

  /** This process's counts and recent durations, for a worker handing them to the one answering. */
  part(): OperationStatsPart {
    return {
      since: this.since.toISOString(),
      operations: [...this.entries.entries()].map(([operationName, e]) => ({
        operationName,
        count: e.count,
        errors: e.errors,
        samples: Array.from(e.samples.subarray(0, e.filled)),
      })),
    };
  }

  /**
   * Several workers' parts as one snapshot (GATEWAY_WORKERS): counts add up, percentiles are taken
   * over every worker's recent durations together, and the window starts at the earliest worker's.
   */
  static merged(parts: OperationStatsPart[]): OperationStatsSnapshot {
    const byName = new Map<string, { count: number; errors: number; samples: number[] }>();
    for (const part of parts)
      for (const op of part.operations) {
        const into = byName.get(op.operationName) ?? { count: 0, errors: 0, samples: [] };
        into.count += op.count;
        into.errors += op.errors;
        into.samples.push(...op.samples);
        byName.set(op.operationName, into);
      }
    const r = (n: number) => Math.round(n * 100) / 100;
    const operations = [...byName.entries()].map(([operationName, e]) => {
      const sorted = Float64Array.from(e.samples).sort();
      return {
        operationName,
        count: e.count,
        errorRate: e.count ? e.errors / e.count : 0,
        p50Ms: r(percentile(sorted, 50)),
        p95Ms: r(percentile(sorted, 95)),
        p99Ms: r(percentile(sorted, 99)),
      };
    });
    operations.sort((a, b) => b.count - a.count || a.operationName.localeCompare(b.operationName));
    const since = parts.map((p) => p.since).sort()[0] ?? new Date().toISOString();
    return { since, operations };
  }
}

/** Feeds every operation the gateway answers into the stats, with the outcome metricsPlugin uses. */
export function operationStatsPlugin<T extends BaseContext>(stats: OperationStats): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(ctx) {
          const body = ctx.response.body;
          const failed =
            (ctx.errors?.length ?? 0) > 0 || (body.kind === 'single' && (body.singleResult.errors?.length ?? 0) > 0);
          stats.record(ctx.operationName ?? ctx.request.operationName, performance.now() - started, failed);
        },
      };
    },
  };
}

/** GET /internal/operation-stats, for analytics only: signed like every service-to-service call. */
export function operationStatsRoutes(
  stats: OperationStats,
  deps: Parameters<typeof signedRoute>[0],
  /** Every worker's snapshot together, when the gateway runs several (GATEWAY_WORKERS). */
  snapshot: () => Promise<OperationStatsSnapshot> = async () => stats.snapshot(),
) {
  return { [OPERATION_STATS_PATH]: signedRoute(deps, snapshot) };
}
