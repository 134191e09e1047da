import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { AccessLevel, SourceHealth } from '#platform/infra/schema/shared-types';

export { SourceHealth };

export enum DataSourceKind {
  SUPPLIER_NETWORK = 'SUPPLIER_NETWORK',
  EXCHANGE = 'EXCHANGE',
  REGULATORY_REGISTRY = 'REGULATORY_REGISTRY',
}
registerEnumType(DataSourceKind, { name: 'DataSourceKind' });

@Directive('@key(fields: "id")')
@ObjectType({ description: 'An external source of offers or registry data that users may consent to' })
export class DataSource {
  @Field(() => ID)
  id: string;

  @Field()
  slug: string;

  @Field()
  name: string;

  @Field()
  description: string;

  @Field(() => DataSourceKind)
  kind: DataSourceKind;

  @Field(() => AccessLevel, { description: 'The consent level a user must hold to receive data from this source' })
  requiredAccessLevel: AccessLevel;
}
