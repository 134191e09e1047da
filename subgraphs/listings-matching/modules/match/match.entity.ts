import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { ProductType, Province } from '#platform/infra/schema/shared-types';
import type { ScoreWeights } from './match.scoring';

@Entity({ name: 'match_requests' })
export class MatchRequestEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'buyer_id', type: 'uuid' })
  buyerId: string;

  @Column({ name: 'product_type', type: 'text' })
  productType: ProductType;

  @Column({ name: 'quantity_kg', type: 'numeric' })
  quantityKg: string;

  @Column({ name: 'max_price_per_kg', type: 'numeric', nullable: true })
  maxPricePerKg: string | null;

  @Column({ type: 'text', nullable: true })
  province: Province | null;

  @Column({ name: 'include_external', type: 'boolean' })
  includeExternal: boolean;

  /** The normalised weights the ranking used. */
  @Column({ type: 'jsonb' })
  weights: ScoreWeights;

  /** The price the price component was measured against (maxPricePerKg or the market median). */
  @Column({ name: 'reference_price_per_kg', type: 'numeric', nullable: true })
  referencePricePerKg: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

@Entity({ name: 'match_results' })
export class MatchResultEntity {
  @PrimaryColumn({ name: 'match_request_id', type: 'uuid' })
  matchRequestId: string;

  @PrimaryColumn({ type: 'int' })
  rank: number;

  @Column({ type: 'text' })
  source: 'INTERNAL' | 'EXTERNAL';

  @Column({ name: 'listing_id', type: 'uuid', nullable: true })
  listingId: string | null;

  @Column({ name: 'external_offer_id', type: 'uuid', nullable: true })
  externalOfferId: string | null;

  @Column({ type: 'double precision' })
  score: number;

  @Column({ name: 'price_score', type: 'double precision' })
  priceScore: number;

  @Column({ name: 'distance_score', type: 'double precision' })
  distanceScore: number;

  @Column({ name: 'quantity_score', type: 'double precision' })
  quantityScore: number;

  @Column({ name: 'quality_score', type: 'double precision' })
  qualityScore: number;

  @Column({ name: 'social_impact_score', type: 'double precision' })
  socialImpactScore: number;

  @Column({ type: 'text' })
  explanation: string;
}
