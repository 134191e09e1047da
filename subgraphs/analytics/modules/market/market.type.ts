import { Field, Int, ObjectType } from 'type-graphql';
import { Money, ProductType, Province } from '#platform/infra/schema/shared-types';

@ObjectType({
  description:
    'Price per kg over ACTIVE listings and current external offers (seen in their source’s latest crawl, fetched in the last 30 days). ' +
    'With no data the amounts are "0.00" and sampleSize is 0 (never NOT_FOUND): check sampleSize before using the amounts.',
})
export class PricePoint {
  @Field(() => ProductType)
  productType: ProductType;

  @Field(() => Province, { nullable: true, description: 'The province asked for; null: the whole country' })
  province: Province | null;

  @Field(() => Money, { description: 'Median (continuous percentile) price per kg' })
  medianPricePerKg: Money;

  @Field(() => Money, { description: '25th percentile price per kg' })
  p25: Money;

  @Field(() => Money, { description: '75th percentile price per kg' })
  p75: Money;

  @Field(() => Int, { description: 'Listings plus external offers the percentiles are computed over' })
  sampleSize: number;
}
