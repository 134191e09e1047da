import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { Province, Role } from '#platform/infra/schema/shared-types';
import { ConnectionType } from '#platform/infra/schema/connection';

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A person using the marketplace: buyer, seller or administrator' })
export class User {
  @Field(() => ID)
  id: string;

  @Field()
  displayName: string;

  @Field({ description: 'Visible to the user themself and to ADMIN only' })
  email: string;

  @Field(() => [Role])
  roles: Role[];

  @Field(() => Province, { nullable: true })
  province: Province | null;

  @Field()
  createdAt: Date;
}

export const UserConnection = ConnectionType('User', User);
