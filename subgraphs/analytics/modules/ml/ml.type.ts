import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '#platform/infra/schema/connection';

@ObjectType()
export class FeatureDefinition {
  @Field()
  name: string;

  @Field()
  description: string;

  @Field({ description: 'numeric, binary (0/1) or categorical (a name); a null value means unknown for that row' })
  kind: string;
}

@ObjectType({
  description:
    'One training row: a buyer pseudonym and a listing they interacted with, its features and whether they ordered it',
})
export class FeatureVector {
  @Field({ description: 'HMAC of the user id (never the id itself)' })
  userKey: string;

  @Field(() => ID)
  listingId: string;

  @Field(() => GraphQLJSON, { description: 'Feature name → value, for every FeatureDefinition in mlStatus.features' })
  features: Record<string, number | string | null>;

  @Field({ description: 'True when the buyer ordered the listing (the training label)' })
  label: boolean;

  @Field({ description: 'The first interaction of this buyer with this listing' })
  occurredAt: Date;
}

export const FeatureVectorConnection = ConnectionType('FeatureVector', FeatureVector);

@ObjectType()
export class MlStatus {
  @Field(() => Int, { description: 'Interactions currently in the log (after retention and erasure)' })
  interactionsCollected: number;

  @Field(() => Int)
  trainingThreshold: number;

  @Field({ description: 'interactionsCollected ≥ trainingThreshold' })
  ready: boolean;

  @Field(() => [FeatureDefinition])
  features: FeatureDefinition[];

  @Field({
    description:
      'COLD_START: no interactions yet; COLLECTING: fewer than trainingThreshold; READY_FOR_TRAINING: enough interactions to export featureVectors and train a matching model',
  })
  phase: string;
}
