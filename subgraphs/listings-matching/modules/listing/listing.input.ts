import { Field, Float, ID, InputType } from 'type-graphql';
import { ProductType, Province } from '../../../../platform/schema/shared-types';
import { ListingStatus } from './listing-status';

@InputType({ description: 'Every field narrows the result; all are optional' })
export class ListingFilter {
  @Field(() => ProductType, { nullable: true })
  productType?: ProductType;

  @Field(() => Province, { nullable: true })
  province?: Province;

  @Field({ nullable: true, description: 'Decimal string, ZAR per kg' })
  minPricePerKg?: string;

  @Field({ nullable: true, description: 'Decimal string, ZAR per kg' })
  maxPricePerKg?: string;

  @Field(() => Float, { nullable: true })
  minAvailableKg?: number;

  @Field({ nullable: true, description: 'Only listings with a social impact score above zero' })
  socialImpactOnly?: boolean;

  @Field(() => ID, { nullable: true })
  sellerId?: string;

  @Field(() => ListingStatus, { nullable: true, description: 'Other statuses than ACTIVE: the seller or ADMIN only' })
  status?: ListingStatus;
}
