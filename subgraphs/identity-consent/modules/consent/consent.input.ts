import { Field, ID, InputType } from 'type-graphql';
import { AccessLevel } from '#platform/infra/schema/shared-types';

@InputType()
export class GrantConsentInput {
  @Field(() => ID, { description: 'A DataSource id (external-sources)' })
  dataSourceId: string;

  @Field(() => AccessLevel)
  accessLevel: AccessLevel;

  @Field({ description: 'Why the data is used, as shown to the user; 3 to 500 characters' })
  purpose: string;

  @Field({ description: 'Version of the consent text shown, e.g. "2024-11-01" or "v3"' })
  consentVersion: string;

  @Field(() => Date, { nullable: true, description: 'When the consent lapses; must be in the future' })
  expiresAt?: Date | null;
}
