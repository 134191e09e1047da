import { Query, Resolver } from 'type-graphql';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { performanceMetrics } from './performance.service';
import { PerformanceReport } from './performance.type';

@Resolver(() => PerformanceReport)
export class PerformanceResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => PerformanceReport, {
    description: 'ADMIN. Per operation: count, error rate and latency percentiles as measured at the gateway',
  })
  performanceMetrics(): Promise<PerformanceReport> {
    return performanceMetrics(this.deps.config);
  }
}
