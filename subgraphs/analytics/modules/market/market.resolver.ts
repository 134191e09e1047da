import { Arg, Query, Resolver } from 'type-graphql';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { ProductType, Province } from '#platform/infra/schema/shared-types';
import { marketPriceIndex } from './market.service';
import { PricePoint } from './market.type';

@Resolver(() => PricePoint)
export class MarketResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => PricePoint, {
    description:
      'Public (and partners). Price per kg percentiles; sampleSize 0 and amounts "0.00" when there is no data',
  })
  marketPriceIndex(
    @Arg('productType', () => ProductType) productType: ProductType,
    @Arg('province', () => Province, { nullable: true }) province?: Province,
  ): Promise<PricePoint> {
    return marketPriceIndex(this.deps.db.dataSource, productType, province ?? null);
  }
}
