import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ProductType, Province } from '#platform/infra/schema/shared-types';
import type { ListingStatus } from './listing-status';

/** Quantities and prices are numeric in PostgreSQL and strings here, so no float ever rounds money. */
@Entity({ name: 'listings' })
export class ListingEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'seller_id', type: 'uuid' })
  sellerId: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'product_type', type: 'text' })
  productType: ProductType;

  @Column({ name: 'quantity_kg', type: 'numeric' })
  quantityKg: string;

  @Column({ name: 'available_kg', type: 'numeric' })
  availableKg: string;

  @Column({ name: 'price_per_kg', type: 'numeric' })
  pricePerKg: string;

  @Column({ type: 'text' })
  province: Province;

  @Column({ type: 'text', array: true })
  certifications: string[];

  @Column({ name: 'small_scale_farmer', type: 'boolean' })
  smallScaleFarmer: boolean;

  @Column({ name: 'women_owned', type: 'boolean' })
  womenOwned: boolean;

  @Column({ name: 'youth_owned', type: 'boolean' })
  youthOwned: boolean;

  @Column({ name: 'community_owned', type: 'boolean' })
  communityOwned: boolean;

  @Column({ name: 'bee_level', type: 'int', nullable: true })
  beeLevel: number | null;

  /** Derived from the flags above by `socialImpactScore`; stored so it can be sorted and indexed. */
  @Column({ name: 'social_impact_score', type: 'real' })
  socialImpactScore: number;

  @Column({ type: 'text' })
  status: ListingStatus;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
