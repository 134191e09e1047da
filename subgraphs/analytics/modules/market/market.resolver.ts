import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { AnalyticsContext } from '../../context.type';
import { ProductType, Province } from '#platform/infra/schema/shared-types';
import { PricePoint } from './market.type';

@Resolver(() => PricePoint)
export class MarketResolver {
  @Query(() => PricePoint, {
    description:
      'Public (and partners). Price per kg percentiles; sampleSize 0 and amounts "0.00" when there is no data',
  })
  marketPriceIndex(
    @Arg('productType', () => ProductType) productType: ProductType,
    @Arg('province', () => Province, { nullable: true }) province: Province | undefined,
    @Ctx() ctx: AnalyticsContext,
  ): Promise<PricePoint> {
    // every lookup of the request in one statement (a dashboard asks for many places at once)
    return ctx.loaders.priceIndex.load({ productType, province: province ?? null });
  }
}
