import { Field, ID, InputType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { IsOptional, IsUUID, MaxLength } from 'class-validator';
import { InteractionType } from './interaction-type';

@InputType({ description: 'A client-side interaction, stored under the caller’s pseudonym' })
export class LogInteractionInput {
  @Field(() => InteractionType)
  type: InteractionType;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsUUID()
  listingId?: string;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(128)
  sessionId?: string;

  @Field({
    nullable: true,
    description: 'Chosen by the client (e.g. a UUID per interaction): a retry with the same key is recorded once',
  })
  @IsOptional()
  @MaxLength(128)
  idempotencyKey?: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'At most 4 KB of JSON' })
  @IsOptional()
  metadata?: Record<string, unknown>;
}
