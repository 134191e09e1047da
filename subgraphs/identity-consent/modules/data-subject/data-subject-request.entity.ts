import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export type StoredRequestType = 'ACCESS' | 'ERASURE';
export type StoredRequestStatus = 'PENDING' | 'COMPLETED' | 'FAILED';

/** One data-subject request. `export` holds an ACCESS export until export_expires_at (it is personal data). */
@Entity({ name: 'data_subject_requests' })
@Index('data_subject_requests_one_open_key', ['subjectId', 'type'], { unique: true, where: `status = 'PENDING'` })
@Index('data_subject_requests_subject_idx', ['subjectId', 'type', 'requestedAt'])
export class DataSubjectRequestEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  type: StoredRequestType;

  @Column({ type: 'text' })
  status: StoredRequestStatus;

  @Column({ name: 'subject_id', type: 'uuid' })
  subjectId: string;

  @Column({ name: 'requested_by', type: 'uuid' })
  requestedBy: string;

  @Column({ name: 'requested_at', type: 'timestamptz' })
  requestedAt: Date;

  @Column({ name: 'attempt_started_at', type: 'timestamptz' })
  attemptStartedAt: Date;

  @Column({ type: 'int' })
  attempts: number;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason: string | null;

  @Column({ type: 'jsonb', nullable: true })
  export: Record<string, unknown> | null;

  @Column({ name: 'export_expires_at', type: 'timestamptz', nullable: true })
  exportExpiresAt: Date | null;
}

/** One subgraph's part of a request: done or not, and for an erasure what it erased and kept. */
@Entity({ name: 'data_subject_request_parts' })
export class DataSubjectRequestPartEntity {
  @PrimaryColumn({ name: 'request_id', type: 'uuid' })
  requestId: string;

  @PrimaryColumn({ type: 'text' })
  subgraph: string;

  @Column({ type: 'text' })
  status: StoredRequestStatus;

  @Column({ type: 'int' })
  erased: number;

  @Column({ type: 'int' })
  retained: number;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  /** What happened to data that arrived while this part ran (platform/contracts/data-subject.ts eraseAfterInFlight). */
  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
