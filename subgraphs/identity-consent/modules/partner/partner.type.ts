import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { PartnerClientEntity } from './partner-client.entity';

export enum PartnerTier {
  FREE = 'FREE',
  STANDARD = 'STANDARD',
  PREMIUM = 'PREMIUM',
}
registerEnumType(PartnerTier, { name: 'PartnerTier' });

@ObjectType({ description: 'An external partner calling persisted operations with an API key' })
export class PartnerClient {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field(() => PartnerTier)
  tier: PartnerTier;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;
}

@ObjectType()
export class PartnerClientWithKey {
  @Field(() => PartnerClient)
  client: PartnerClient;

  @Field({ description: 'Shown once: only its sha256 is stored' })
  apiKey: string;
}

export function toPartnerClient(row: PartnerClientEntity): PartnerClient {
  return { id: row.id, name: row.name, tier: row.tier, createdAt: row.createdAt, revokedAt: row.revokedAt };
}
