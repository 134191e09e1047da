import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { OrderStatus } from './order-status';

/** Quantities and money are numeric in PostgreSQL and exact decimal strings here. */
@Entity({ name: 'orders' })
export class OrderEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'listing_id', type: 'uuid' })
  listingId: string;

  @Column({ name: 'buyer_id', type: 'uuid' })
  buyerId: string;

  /** Copied from the listing when ordering, so visibility checks need no join. */
  @Column({ name: 'seller_id', type: 'uuid' })
  sellerId: string;

  @Column({ name: 'quantity_kg', type: 'numeric' })
  quantityKg: string;

  /** The listing's price when the order was placed; later price changes do not touch it. */
  @Column({ name: 'price_per_kg', type: 'numeric' })
  pricePerKg: string;

  @Column({ type: 'numeric' })
  total: string;

  @Column({ type: 'text' })
  status: OrderStatus;

  @Column({ name: 'idempotency_key', type: 'text' })
  idempotencyKey: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  @Column({ name: 'cancelled_by', type: 'uuid', nullable: true })
  cancelledBy: string | null;
}
