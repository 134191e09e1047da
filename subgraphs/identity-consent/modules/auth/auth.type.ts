import { Field, ObjectType } from 'type-graphql';
import { User } from '../user/user.type';

@ObjectType()
export class AuthPayload {
  @Field({ description: 'JWT for `Authorization: Bearer`; short-lived' })
  accessToken: string;

  @Field({ description: 'Opaque; exchange it with refreshToken. Each use returns a new one and retires this one' })
  refreshToken: string;

  @Field({ description: 'When the access token expires' })
  expiresAt: Date;

  @Field(() => User)
  user: User;
}
