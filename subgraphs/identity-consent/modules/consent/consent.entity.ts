import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { AccessLevel } from '#platform/infra/schema/shared-types';

export type StoredConsentStatus = 'ACTIVE' | 'WITHDRAWN' | 'EXPIRED';

/** One grant of consent. Rows are never overwritten: withdrawal and lapse only close a grant. */
@Entity({ name: 'consents' })
@Index('consents_one_active_key', ['userId', 'dataSourceId'], { unique: true, where: `status = 'ACTIVE'` })
@Index('consents_user_granted_idx', ['userId', 'grantedAt', 'id'])
export class ConsentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'data_source_id', type: 'uuid' })
  dataSourceId: string;

  @Column({ name: 'access_level', type: 'text' })
  accessLevel: AccessLevel;

  @Column({ type: 'text' })
  purpose: string;

  @Column({ name: 'consent_version', type: 'text' })
  consentVersion: string;

  @Column({ type: 'text' })
  status: StoredConsentStatus;

  @Column({ name: 'granted_at', type: 'timestamptz' })
  grantedAt: Date;

  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'ip_address', type: 'text', nullable: true })
  ipAddress: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent: string | null;
}
