import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { InteractionType } from './interaction-type';

/** One interaction, pseudonymous: `userKey` is an HMAC of the user id, never the id itself. */
@Entity({ name: 'interactions' })
export class InteractionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The domain event or client request it came from; a second delivery is ignored. */
  @Column({ name: 'event_id', type: 'text' })
  eventId: string;

  @Column({ type: 'text' })
  type: InteractionType;

  @Column({ name: 'user_key', type: 'text', nullable: true })
  userKey: string | null;

  @Column({ name: 'listing_id', type: 'uuid', nullable: true })
  listingId: string | null;

  @Column({ name: 'session_id', type: 'text', nullable: true })
  sessionId: string | null;

  /** The product type a search or match request asked for (denormalised for the aggregates). */
  @Column({ name: 'product_type', type: 'text', nullable: true })
  productType: string | null;

  @Column({ type: 'jsonb', nullable: true })
  metadata: Record<string, unknown> | null;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;
}
