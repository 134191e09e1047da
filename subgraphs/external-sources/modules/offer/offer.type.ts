import { Directive, Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '#platform/infra/schema/connection';
import { Money, ProductType, Province } from '#platform/infra/schema/shared-types';
import { DataSource } from '../data-source/data-source.type';
import type { ExternalOfferEntity } from './offer.entity';

export enum LicenceCheckStatus {
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
  REVOKED = 'REVOKED',
  EXPIRED = 'EXPIRED',
  NOT_FOUND = 'NOT_FOUND',
}
registerEnumType(LicenceCheckStatus, { name: 'LicenceCheckStatus' });

@ObjectType({ description: "The seller's licence as the Regulatory Registry holds it" })
export class LicenceCheck {
  @Field()
  licenceNumber: string;

  @Field(() => LicenceCheckStatus)
  status: LicenceCheckStatus;

  @Field(() => String, { nullable: true })
  holderName: string | null;

  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' })
  expiresOn: string | null;

  @Field({ description: 'ACTIVE in the registry and not past its expiry' })
  verified: boolean;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'An offer found at an external source, normalised to kg and ZAR per kg' })
export class ExternalOffer {
  dataSourceId: string;

  @Field(() => ID)
  id: string;

  @Field(() => DataSource)
  source: DataSource;

  @Field()
  externalId: string;

  @Field()
  supplierName: string;

  @Field(() => ProductType)
  productType: ProductType;

  @Field(() => Float)
  quantityKg: number;

  @Field(() => Money)
  pricePerKg: Money;

  @Field(() => Province, { nullable: true })
  province: Province | null;

  @Field(() => String, { nullable: true })
  town: string | null;

  @Field(() => [String])
  certifications: string[];

  @Field(() => String, { nullable: true, description: "The seller's licence or permit number, as the source gave it" })
  licenceNumber: string | null;

  @Field({ description: 'When a crawl last found this offer' })
  fetchedAt: Date;
}

export const ExternalOfferConnection = ConnectionType('ExternalOffer', ExternalOffer);

export function toExternalOffer(row: ExternalOfferEntity): ExternalOffer {
  return {
    dataSourceId: row.dataSourceId,
    id: row.id,
    source: { id: row.dataSourceId } as DataSource,
    externalId: row.externalId,
    supplierName: row.supplierName,
    productType: row.productType,
    quantityKg: Number(row.quantityKg),
    pricePerKg: Money.zar(row.pricePerKg),
    province: row.province,
    town: row.town,
    certifications: row.certifications,
    licenceNumber: row.licenceNumber,
    fetchedAt: row.fetchedAt,
  };
}
