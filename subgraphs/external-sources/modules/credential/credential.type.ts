import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: "The outcome of calling a source with the caller's stored credential" })
export class ConnectionTestResult {
  @Field()
  ok: boolean;

  @Field(() => Int)
  latencyMs: number;

  @Field()
  message: string;
}
