import { Field, Int, ObjectType } from 'type-graphql';
import { SourceHealth } from '#platform/infra/schema/shared-types';

export { SourceHealth };

@ObjectType()
export class ServiceHealth {
  @Field()
  name: string;

  @Field(() => SourceHealth)
  status: SourceHealth;

  @Field(() => Int, { nullable: true })
  latencyMs: number | null;
}

@ObjectType()
export class SystemHealth {
  @Field(() => SourceHealth)
  status: SourceHealth;

  @Field(() => [ServiceHealth])
  services: ServiceHealth[];

  @Field()
  checkedAt: Date;
}
