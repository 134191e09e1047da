import { Field, InputType } from 'type-graphql';
import { Province, Role } from '#platform/infra/schema/shared-types';

@InputType()
export class RegisterInput {
  @Field()
  email: string;

  @Field({ description: 'At least 10 characters, mixing at least two of: lower case, upper case, digits, symbols' })
  password: string;

  @Field({ description: '2 to 80 characters' })
  displayName: string;

  @Field(() => [Role], { description: 'BUYER and/or SELLER; ADMIN is granted by an administrator' })
  roles: Role[];

  @Field(() => Province, { nullable: true })
  province?: Province | null;
}
