import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One row of the append-only, hash-chained audit log. */
@Entity({ name: 'audit_events' })
@Index('audit_events_action_sequence_idx', ['action', 'sequence'])
@Index('audit_events_actor_sequence_idx', ['actorId', 'sequence'])
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** bigint: pg returns it as a string. */
  @Index('audit_events_sequence_key', { unique: true })
  @Column({ type: 'bigint' })
  sequence: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'subject_id', type: 'uuid', nullable: true })
  subjectId: string | null;

  @Column({ type: 'jsonb', nullable: true })
  details: Record<string, unknown> | null;

  @Column({ name: 'previous_hash', type: 'text' })
  previousHash: string;

  @Column({ type: 'text' })
  hash: string;
}
