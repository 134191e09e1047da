import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ProductType } from '#platform/infra/schema/shared-types';
import { InteractionType } from '../interaction/interaction-type';

export enum Granularity {
  HOUR = 'HOUR',
  DAY = 'DAY',
}
registerEnumType(Granularity, {
  name: 'Granularity',
  description: 'Width of a time-series bucket; buckets start on whole UTC hours/days',
});

@ObjectType()
export class InteractionCount {
  @Field(() => InteractionType)
  type: InteractionType;

  @Field(() => Int)
  count: number;
}

@ObjectType({ description: 'Interactions of one type in one bucket; a bucket without any is reported with count 0' })
export class SeriesPoint {
  @Field({ description: 'Start of the bucket (UTC)' })
  bucket: Date;

  @Field(() => InteractionType)
  type: InteractionType;

  @Field(() => Int)
  count: number;
}

@ObjectType({ description: 'Interactions along the path from search to order, in the requested range' })
export class Funnel {
  @Field(() => Int)
  searches: number;

  @Field(() => Int)
  matchRequests: number;

  @Field(() => Int)
  listingViews: number;

  @Field(() => Int)
  orders: number;

  @Field(() => Float, {
    description:
      'orders / searches in the range, in [0, ∞) (an order may follow an earlier search); 0 when there were no searches',
  })
  conversionRate: number;
}

@ObjectType()
export class ProductTypeCount {
  @Field(() => ProductType)
  productType: ProductType;

  @Field(() => Int)
  count: number;
}

@ObjectType({ description: 'Aggregates over interactions with from ≤ occurredAt < to' })
export class InteractionAnalytics {
  @Field(() => [InteractionCount], { description: 'Every interaction type, 0 when none' })
  totals: InteractionCount[];

  @Field(() => [SeriesPoint], {
    description: 'One point per bucket and interaction type, oldest first; empty buckets as 0',
  })
  series: SeriesPoint[];

  @Field(() => Funnel)
  funnel: Funnel;

  @Field(() => [ProductTypeCount], {
    description: 'Product types searches and match requests asked for, most asked first (at most 8)',
  })
  topSearchedProductTypes: ProductTypeCount[];

  @Field(() => Float, {
    description:
      'Share in [0,1] of the orders in the range placed on listings with social impact (score > 0 in the listing read model); 0 when no orders',
  })
  socialImpactOrderShare: number;
}
