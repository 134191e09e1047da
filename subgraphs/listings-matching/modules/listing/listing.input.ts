import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { ProductType, Province } from '#platform/infra/schema/shared-types';
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

  @Field({
    nullable: true,
    description: 'Words to find in the title or description (full-text, English stemming); at most 200 characters',
  })
  text?: string;

  @Field({ nullable: true, description: 'Only listings with a social impact score above zero' })
  socialImpactOnly?: boolean;

  @Field(() => ID, { nullable: true })
  sellerId?: string;

  @Field(() => ListingStatus, { nullable: true, description: 'Other statuses than ACTIVE: the seller or ADMIN only' })
  status?: ListingStatus;
}

@InputType()
export class SocialImpactInput {
  @Field()
  smallScaleFarmer: boolean;

  @Field()
  womenOwned: boolean;

  @Field()
  youthOwned: boolean;

  @Field()
  communityOwned: boolean;

  @Field(() => Int, { nullable: true, description: 'B-BBEE level 1..8 when given' })
  beeLevel?: number | null;
}

@InputType()
export class CreateListingInput {
  @Field({ description: '3 to 120 characters' })
  title: string;

  @Field(() => String, { nullable: true, description: 'At most 5000 characters' })
  description?: string | null;

  @Field(() => ProductType)
  productType: ProductType;

  @Field(() => Float, { description: 'Above zero, at most 1,000,000 kg, at most three decimal places' })
  quantityKg: number;

  @Field({ description: 'Decimal string, ZAR per kg: at least "0.01", at most two decimal places' })
  pricePerKg: string;

  @Field(() => Province)
  province: Province;

  @Field(() => [String], { description: 'At most 10, each 1 to 60 characters; duplicates are dropped' })
  certifications: string[];

  @Field(() => SocialImpactInput)
  socialImpact: SocialImpactInput;

  @Field(() => ListingStatus, {
    nullable: true,
    defaultValue: ListingStatus.ACTIVE,
    description: 'DRAFT or ACTIVE (the default)',
  })
  status?: ListingStatus;
}

@InputType({ description: 'Fields left out keep their value' })
export class UpdateListingInput {
  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'Send an empty string to clear it' })
  description?: string | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'The new total; availableKg moves by the same amount and may not fall below zero (what is already ordered)',
  })
  quantityKg?: number | null;

  @Field(() => String, { nullable: true, description: 'Applies to new orders; placed orders keep their price' })
  pricePerKg?: string | null;

  @Field(() => Province, { nullable: true })
  province?: Province | null;

  @Field(() => [String], { nullable: true })
  certifications?: string[] | null;

  @Field(() => SocialImpactInput, { nullable: true })
  socialImpact?: SocialImpactInput | null;
}
