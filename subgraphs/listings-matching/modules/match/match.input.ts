import { Field, Float, InputType } from 'type-graphql';
import { ProductType, Province } from '#platform/infra/schema/shared-types';

@InputType({
  description: 'Replace default weights one by one (0 to 1000 each, not all zero); they are normalised to sum to 1',
})
export class MatchWeights {
  @Field(() => Float, { nullable: true, description: 'Default 0.35' })
  price?: number | null;

  @Field(() => Float, { nullable: true, description: 'Default 0.15' })
  distance?: number | null;

  @Field(() => Float, { nullable: true, description: 'Default 0.20' })
  quantity?: number | null;

  @Field(() => Float, { nullable: true, description: 'Default 0.15' })
  quality?: number | null;

  @Field(() => Float, { nullable: true, description: 'Default 0.15' })
  socialImpact?: number | null;
}

@InputType()
export class MatchInput {
  @Field(() => ProductType)
  productType: ProductType;

  @Field(() => Float, { description: 'Above zero, at most 1,000,000 kg' })
  quantityKg: number;

  @Field(() => String, {
    nullable: true,
    description: 'Decimal string; listings above it are not matched, and price is scored against it',
  })
  maxPricePerKg?: string | null;

  @Field(() => Province, {
    nullable: true,
    description: 'Where the buyer is; without it distance scores 0.5 everywhere',
  })
  province?: Province | null;

  @Field({ nullable: true, defaultValue: false })
  includeExternal?: boolean;

  @Field(() => MatchWeights, { nullable: true })
  weights?: MatchWeights | null;
}
