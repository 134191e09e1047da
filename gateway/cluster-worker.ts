import { aggregateMetrics, metricsAsJson, type ServiceMetrics } from '#platform/infra/observability/metrics';
import { answerGather, gather, isClusterWorker } from '#platform/infra/service/cluster-ipc';
import { OperationStats, type OperationStatsPart, type OperationStatsSnapshot } from './edge/operation-stats';

/**
 * A gateway run as several workers (GATEWAY_WORKERS) keeps its figures in each worker's memory, but
 * a scrape of /metrics or analytics' read of the operation statistics lands on one worker: that
 * worker gathers every worker's figures over the cluster's IPC and answers them as one, so the
 * port reads like one gateway. In a single process nothing changes and this returns null.
 */
export function shareFiguresAcrossWorkers(
  metrics: ServiceMetrics,
  stats: OperationStats,
): { operationStats: () => Promise<OperationStatsSnapshot> } | null {
  if (!isClusterWorker()) return null;
  answerGather('metrics', () => metricsAsJson(metrics));
  answerGather('operation-stats', () => stats.part());
  metrics.render = async () =>
    aggregateMetrics((await gather('metrics')) as Awaited<ReturnType<typeof metricsAsJson>>[]);
  return {
    operationStats: async () => OperationStats.merged((await gather('operation-stats')) as OperationStatsPart[]),
  };
}
