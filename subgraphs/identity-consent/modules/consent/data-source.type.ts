import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** external-sources' DataSource, referenced by id only; the gateway fetches its fields there. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType()
export class DataSource {
  @Field(() => ID)
  id: string;
}
