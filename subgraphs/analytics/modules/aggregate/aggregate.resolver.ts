import { Arg, Query, Resolver } from 'type-graphql';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { interactionAnalytics } from './aggregate.service';
import { Granularity, InteractionAnalytics } from './aggregate.type';

@Resolver(() => InteractionAnalytics)
export class AggregateResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => InteractionAnalytics, {
    description:
      'ADMIN. Interactions with from ≤ occurredAt < to; at most 366 days, an HOUR series at most 93 days (BAD_USER_INPUT beyond)',
  })
  interactionAnalytics(
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Arg('granularity', () => Granularity, { nullable: true, defaultValue: Granularity.DAY })
    granularity: Granularity = Granularity.DAY,
  ): Promise<InteractionAnalytics> {
    return interactionAnalytics(this.deps.db.dataSource, from, to, granularity ?? Granularity.DAY);
  }
}
