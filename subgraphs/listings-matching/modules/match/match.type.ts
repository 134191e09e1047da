import { Directive, Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Money, ProductType, Province } from '#platform/infra/schema/shared-types';
import { User } from '../user/user.type';
import type { MatchRequestEntity, MatchResultEntity } from './match.entity';

export enum MatchSource {
  INTERNAL = 'INTERNAL',
  EXTERNAL = 'EXTERNAL',
}
registerEnumType(MatchSource, {
  name: 'MatchSource',
  description: 'INTERNAL: a listing here; EXTERNAL: an offer from a consented data source',
});

/** external-sources owns ExternalOffer; this subgraph only refers to it by id. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType()
export class ExternalOffer {
  @Field(() => ID)
  id: string;
}

/**
 * Scores leave the API rounded to 4 decimal places (0.7186999999999999 → 0.7187): enough to tell
 * candidates apart at the precision of their inputs. Ranking uses the exact values.
 */
export const SCORE_DECIMALS = 4;
export const roundScore = (value: number): number => Number(value.toFixed(SCORE_DECIMALS));

@ObjectType({
  description:
    'Each component of a match score, in [0, 1], rounded to 4 decimal places (see the formula on requestMatches)',
})
export class ScoreBreakdown {
  @Field(() => Float)
  price: number;

  @Field(() => Float)
  distance: number;

  @Field(() => Float)
  quantity: number;

  @Field(() => Float)
  quality: number;

  @Field(() => Float)
  socialImpact: number;
}

@ObjectType({ description: 'The weights a match request was ranked with, normalised to sum to 1' })
export class AppliedMatchWeights {
  @Field(() => Float)
  price: number;

  @Field(() => Float)
  distance: number;

  @Field(() => Float)
  quantity: number;

  @Field(() => Float)
  quality: number;

  @Field(() => Float)
  socialImpact: number;
}

// `listing` is a field resolver in match.resolver.ts (batched through the listing loader).
@ObjectType({ description: 'One ranked candidate: exactly one of listing and externalOffer is set' })
export class Match {
  @Field(() => Float, {
    description: 'Weighted sum of the breakdown, in [0, 1], rounded to 4 decimal places (ranking uses the exact value)',
  })
  score: number;

  @Field(() => ScoreBreakdown)
  breakdown: ScoreBreakdown;

  @Field(() => MatchSource)
  source: MatchSource;

  @Field()
  explanation: string;

  @Field(() => ExternalOffer, { nullable: true })
  externalOffer: ExternalOffer | null;

  /** Not in the schema. */
  listingId: string | null;
}

// `matches` is a field resolver in match.resolver.ts (batched through the match results loader).
@Directive('@key(fields: "id")')
@ObjectType({
  description: "A buyer's request for matching supply, with its ranked matches. Visible to the buyer and ADMIN",
})
export class MatchRequest {
  @Field(() => ID)
  id: string;

  @Field(() => User)
  buyer: User;

  @Field(() => ProductType)
  productType: ProductType;

  @Field(() => Float)
  quantityKg: number;

  @Field(() => String, { nullable: true })
  maxPricePerKg: string | null;

  @Field(() => Province, { nullable: true })
  province: Province | null;

  @Field({
    description:
      "True when the buyer asked for external offers too (only from sources consented at the source's requiredAccessLevel at the time of the request)",
  })
  includeExternal: boolean;

  @Field()
  createdAt: Date;

  @Field(() => AppliedMatchWeights)
  weights: AppliedMatchWeights;

  @Field(() => Money, {
    nullable: true,
    description: 'What the price component compared against: maxPricePerKg, else the market median',
  })
  referencePricePerKg: Money | null;

  /** Not in the schema: who may see it (shield reads it). */
  buyerId: string;
}

export function toMatchRequest(row: MatchRequestEntity): MatchRequest {
  return {
    id: row.id,
    buyer: { id: row.buyerId } as User,
    productType: row.productType,
    quantityKg: Number(row.quantityKg),
    maxPricePerKg: row.maxPricePerKg,
    province: row.province,
    includeExternal: row.includeExternal,
    createdAt: row.createdAt,
    weights: row.weights,
    referencePricePerKg:
      row.referencePricePerKg === null
        ? null
        : Object.assign(new Money(), { amount: Number(row.referencePricePerKg).toFixed(2), currency: 'ZAR' }),
    buyerId: row.buyerId,
  };
}

export function toMatch(row: MatchResultEntity): Match {
  return {
    score: roundScore(row.score),
    breakdown: {
      price: roundScore(row.priceScore),
      distance: roundScore(row.distanceScore),
      quantity: roundScore(row.quantityScore),
      quality: roundScore(row.qualityScore),
      socialImpact: roundScore(row.socialImpactScore),
    },
    source: row.source as MatchSource,
    explanation: row.explanation,
    externalOffer: row.externalOfferId ? { id: row.externalOfferId } : null,
    listingId: row.listingId,
  };
}
