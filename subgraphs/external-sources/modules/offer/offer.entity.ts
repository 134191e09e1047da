import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { ProductType, Province } from '#platform/infra/schema/shared-types';

@Entity({ name: 'external_offers' })
export class ExternalOfferEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'data_source_id', type: 'uuid' })
  dataSourceId: string;

  @Column({ name: 'external_id', type: 'text' })
  externalId: string;

  @Column({ name: 'supplier_name', type: 'text' })
  supplierName: string;

  @Column({ name: 'product_type', type: 'text' })
  productType: ProductType;

  @Column({ name: 'quantity_kg', type: 'numeric' })
  quantityKg: string;

  @Column({ name: 'price_per_kg', type: 'numeric' })
  pricePerKg: string;

  @Column({ type: 'text', nullable: true })
  province: Province | null;

  @Column({ type: 'text', nullable: true })
  town: string | null;

  @Column({ type: 'text', array: true })
  certifications: string[];

  @Column({ name: 'licence_number', type: 'text', nullable: true })
  licenceNumber: string | null;

  @Column({ name: 'fetched_at', type: 'timestamptz' })
  fetchedAt: Date;

  @Column({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt: Date;

  @Column({ name: 'last_crawl_run_id', type: 'uuid' })
  lastCrawlRunId: string;

  @Column({ name: 'gone_at', type: 'timestamptz', nullable: true })
  goneAt: Date | null;
}

@Entity({ name: 'licences' })
export class LicenceEntity {
  @PrimaryColumn({ name: 'data_source_id', type: 'uuid' })
  dataSourceId: string;

  @PrimaryColumn({ name: 'licence_number', type: 'text' })
  licenceNumber: string;

  @Column({ name: 'holder_name', type: 'text' })
  holderName: string;

  @Column({ name: 'licence_type', type: 'text' })
  licenceType: string;

  @Column({ type: 'text', nullable: true })
  province: Province | null;

  @Column({ type: 'text' })
  status: string;

  @Column({ name: 'issued_on', type: 'date' })
  issuedOn: string;

  @Column({ name: 'expires_on', type: 'date' })
  expiresOn: string;

  @Column({ name: 'fetched_at', type: 'timestamptz' })
  fetchedAt: Date;

  @Column({ name: 'last_crawl_run_id', type: 'uuid' })
  lastCrawlRunId: string;

  @Column({ name: 'gone_at', type: 'timestamptz', nullable: true })
  goneAt: Date | null;
}
