import { Directive, Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Money, ProductType, Province } from '#platform/infra/schema/shared-types';
import { ConnectionType } from '#platform/infra/schema/connection';
import { User } from '../user/user.type';
import { ListingStatus } from './listing-status';
import type { ListingEntity } from './listing.entity';

@ObjectType({ description: 'Who benefits from a sale; score follows the documented formula, in [0, 1]' })
export class SocialImpact {
  @Field()
  smallScaleFarmer: boolean;

  @Field()
  womenOwned: boolean;

  @Field()
  youthOwned: boolean;

  @Field()
  communityOwned: boolean;

  @Field(() => Int, { nullable: true, description: 'B-BBEE level 1..8 (1 is best)' })
  beeLevel: number | null;

  @Field(() => Float)
  score: number;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'Produce a seller offers on the marketplace' })
export class Listing {
  @Field(() => ID)
  id: string;

  @Field(() => User)
  seller: User;

  @Field()
  title: string;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field(() => ProductType)
  productType: ProductType;

  @Field(() => Float)
  quantityKg: number;

  @Field(() => Float)
  availableKg: number;

  @Field(() => Money)
  pricePerKg: Money;

  @Field(() => Province)
  province: Province;

  @Field(() => [String])
  certifications: string[];

  @Field(() => SocialImpact)
  socialImpact: SocialImpact;

  @Field(() => ListingStatus)
  status: ListingStatus;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;
}

export const ListingConnection = ConnectionType('Listing', Listing, {
  totalCountDescription:
    'Counted only when selected. Exact when the first page holds every match, and up to LISTINGS_EXACT_COUNT_LIMIT (1,000 by default) visible listings, or LISTINGS_SEARCH_EXACT_COUNT_LIMIT (200 by default) with filter.text, unless the database statistics expect more than five times that many (never with a sellerId filter); otherwise an estimate from those statistics, never below the limit + 1',
});

export function toListing(row: ListingEntity): Listing {
  return {
    id: row.id,
    seller: { id: row.sellerId } as User,
    title: row.title,
    description: row.description,
    productType: row.productType,
    quantityKg: Number(row.quantityKg),
    availableKg: Number(row.availableKg),
    pricePerKg: Money.zar(row.pricePerKg),
    province: row.province,
    certifications: row.certifications,
    socialImpact: {
      smallScaleFarmer: row.smallScaleFarmer,
      womenOwned: row.womenOwned,
      youthOwned: row.youthOwned,
      communityOwned: row.communityOwned,
      beeLevel: row.beeLevel,
      score: row.socialImpactScore,
    },
    status: row.status,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
