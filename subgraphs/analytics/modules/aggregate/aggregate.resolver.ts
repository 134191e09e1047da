import { Arg, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import {
  interactionCounts,
  socialImpactOrderShare,
  topSearchedProductTypes,
  type InteractionCounts,
} from './aggregate.service';
import { Granularity, InteractionAnalytics, ProductTypeCount } from './aggregate.type';

/**
 * interactionAnalytics answers its series, totals and funnel in one statement over the rollups;
 * the product types and the social-impact share cost a statement each, run only when selected.
 */
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
  ): Promise<InteractionCounts> {
    return interactionCounts(this.deps.db.dataSource, from, to, granularity ?? Granularity.DAY);
  }

  @FieldResolver()
  topSearchedProductTypes(@Root() root: InteractionCounts): Promise<ProductTypeCount[]> {
    return topSearchedProductTypes(this.deps.db.dataSource, root.range.from, root.range.to);
  }

  @FieldResolver()
  socialImpactOrderShare(@Root() root: InteractionCounts): Promise<number> {
    return socialImpactOrderShare(this.deps.db.dataSource, root.range.from, root.range.to);
  }
}
