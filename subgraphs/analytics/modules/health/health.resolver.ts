import { Query, Resolver } from 'type-graphql';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { createHealthService } from './health.service';
import { SystemHealth } from './health.type';

@Resolver(() => SystemHealth)
export class HealthResolver {
  private readonly health: ReturnType<typeof createHealthService>;

  constructor(deps: SubgraphDeps) {
    this.health = createHealthService(deps);
  }

  @Query(() => SystemHealth, { description: 'Public: every subgraph and the database, with latency' })
  systemHealth(): Promise<SystemHealth> {
    return this.health.systemHealth();
  }
}
