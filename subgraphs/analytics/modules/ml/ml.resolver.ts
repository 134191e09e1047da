import { Arg, Int, Query, Resolver } from 'type-graphql';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { featureVectors, mlStatus } from './ml.service';
import { FeatureVectorConnection, MlStatus } from './ml.type';

@Resolver(() => MlStatus)
export class MlResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => MlStatus, { description: 'ADMIN. How far the interaction log is from a trainable matching model' })
  mlStatus(): Promise<MlStatus> {
    return mlStatus(this.deps.db.dataSource);
  }

  @Query(() => FeatureVectorConnection, {
    description:
      'ADMIN. Pseudonymous training rows, one per (buyer, listing) interacted with, ordered by (userKey, listingId); first is capped at 100',
  })
  featureVectors(
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return featureVectors(this.deps.db.dataSource, first, after);
  }
}
