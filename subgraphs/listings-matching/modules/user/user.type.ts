import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** The identity subgraph's User, extended here with what this subgraph knows of them. */
@Directive('@key(fields: "id")')
@ObjectType()
export class User {
  @Field(() => ID)
  id: string;
}
