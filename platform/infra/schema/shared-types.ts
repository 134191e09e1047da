import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';

/**
 * Types that several subgraphs use. Each is defined once here so that every subgraph prints it
 * identically, which Federation requires of shared value types.
 */
export enum Province {
  EASTERN_CAPE = 'EASTERN_CAPE',
  FREE_STATE = 'FREE_STATE',
  GAUTENG = 'GAUTENG',
  KWAZULU_NATAL = 'KWAZULU_NATAL',
  LIMPOPO = 'LIMPOPO',
  MPUMALANGA = 'MPUMALANGA',
  NORTHERN_CAPE = 'NORTHERN_CAPE',
  NORTH_WEST = 'NORTH_WEST',
  WESTERN_CAPE = 'WESTERN_CAPE',
}
registerEnumType(Province, { name: 'Province', description: 'South African provinces' });

export enum ProductType {
  HEMP_FIBRE = 'HEMP_FIBRE',
  HEMP_SEED = 'HEMP_SEED',
  HEMP_OIL = 'HEMP_OIL',
  CBD_ISOLATE = 'CBD_ISOLATE',
  CBD_OIL = 'CBD_OIL',
  CANNABIS_FLOWER = 'CANNABIS_FLOWER',
  CANNABIS_EXTRACT = 'CANNABIS_EXTRACT',
  SEEDLINGS = 'SEEDLINGS',
}
registerEnumType(ProductType, { name: 'ProductType' });

export enum AccessLevel {
  BASIC = 'BASIC',
  ADVANCED = 'ADVANCED',
  FULL = 'FULL',
}
registerEnumType(AccessLevel, { name: 'AccessLevel', description: 'Ordered: FULL includes ADVANCED includes BASIC' });

const ACCESS_RANK: Record<AccessLevel, number> = { BASIC: 1, ADVANCED: 2, FULL: 3 };
/** True when `held` grants at least what `required` asks for. */
export function accessLevelCovers(held: AccessLevel, required: AccessLevel): boolean {
  return ACCESS_RANK[held] >= ACCESS_RANK[required];
}

export enum SourceHealth {
  HEALTHY = 'HEALTHY',
  DEGRADED = 'DEGRADED',
  DOWN = 'DOWN',
  UNKNOWN = 'UNKNOWN',
}
registerEnumType(SourceHealth, { name: 'SourceHealth' });

export enum Role {
  BUYER = 'BUYER',
  SELLER = 'SELLER',
  ADMIN = 'ADMIN',
}
registerEnumType(Role, { name: 'Role', description: 'A user may hold several; ADMIN can do what the others can' });

@Directive('@shareable')
@ObjectType({ description: 'An amount of money: a decimal string with two places and an ISO currency' })
export class Money {
  @Field({ description: 'Decimal string with two places, e.g. "1250.00"' })
  amount: string;

  @Field({ description: 'ISO 4217 currency code; ZAR unless stated' })
  currency: string;

  static zar(amount: string | number): Money {
    const m = new Money();
    m.amount = typeof amount === 'number' ? amount.toFixed(2) : Number(amount).toFixed(2);
    m.currency = 'ZAR';
    return m;
  }
}

@Directive('@shareable')
@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}
