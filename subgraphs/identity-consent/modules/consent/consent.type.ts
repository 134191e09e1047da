import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { AccessLevel } from '#platform/infra/schema/shared-types';
import { User } from '../user/user.type';
import { DataSource } from './data-source.type';
import type { ConsentEntity } from './consent.entity';

export enum ConsentStatus {
  ACTIVE = 'ACTIVE',
  WITHDRAWN = 'WITHDRAWN',
  EXPIRED = 'EXPIRED',
}
registerEnumType(ConsentStatus, {
  name: 'ConsentStatus',
  description: 'EXPIRED once expiresAt has passed, whatever was stored',
});

@Directive('@key(fields: "id")')
@ObjectType({
  description: "A user's consent (POPIA) for the marketplace to use one external data source on their behalf",
})
export class Consent {
  @Field(() => ID)
  id: string;

  /** Not a field: the owner, for the shield rule and the user resolver. */
  userId: string;

  @Field(() => User)
  user: User;

  @Field(() => DataSource)
  dataSource: DataSource;

  @Field(() => AccessLevel)
  accessLevel: AccessLevel;

  @Field()
  purpose: string;

  @Field({ description: 'Version of the consent text the user agreed to' })
  consentVersion: string;

  @Field(() => ConsentStatus)
  status: ConsentStatus;

  @Field()
  grantedAt: Date;

  @Field(() => Date, { nullable: true })
  withdrawnAt: Date | null;

  @Field(() => Date, { nullable: true })
  expiresAt: Date | null;

  @Field(() => String, { nullable: true, description: 'The client address the gateway saw when consent was given' })
  ipAddress: string | null;

  @Field(() => String, { nullable: true })
  userAgent: string | null;
}

/** Computed at read time: an ACTIVE grant whose expiry has passed is EXPIRED, never active. */
export function consentStatus(row: Pick<ConsentEntity, 'status' | 'expiresAt'>, now = Date.now()): ConsentStatus {
  if (row.status === 'ACTIVE' && row.expiresAt && row.expiresAt.getTime() <= now) return ConsentStatus.EXPIRED;
  return row.status as ConsentStatus;
}

export function toConsent(row: ConsentEntity, now = Date.now()): Consent {
  return {
    id: row.id,
    userId: row.userId,
    user: { id: row.userId } as User,
    dataSource: { id: row.dataSourceId },
    accessLevel: row.accessLevel,
    purpose: row.purpose,
    consentVersion: row.consentVersion,
    status: consentStatus(row, now),
    grantedAt: row.grantedAt,
    withdrawnAt: row.withdrawnAt,
    expiresAt: row.expiresAt,
    ipAddress: row.ipAddress,
    userAgent: row.userAgent,
  };
}

/** SQL for a status as read (alias `c`), matching consentStatus above. */
export function statusCondition(status: ConsentStatus): string {
  switch (status) {
    case ConsentStatus.ACTIVE:
      return `(c.status = 'ACTIVE' AND (c.expires_at IS NULL OR c.expires_at > now()))`;
    case ConsentStatus.EXPIRED:
      return `(c.status = 'EXPIRED' OR (c.status = 'ACTIVE' AND c.expires_at <= now()))`;
    case ConsentStatus.WITHDRAWN:
      return `(c.status = 'WITHDRAWN')`;
  }
}
