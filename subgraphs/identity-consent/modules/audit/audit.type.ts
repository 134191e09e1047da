import { Field, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { ConnectionType } from '#platform/infra/schema/connection';
import type { AuditEventEntity } from './audit-event.entity';

@ObjectType({ description: 'A security-relevant action, in an append-only hash chain' })
export class AuditEvent {
  @Field(() => ID)
  id: string;

  @Field(() => Int)
  sequence: number;

  @Field()
  at: Date;

  @Field(() => ID, { nullable: true })
  actorId: string | null;

  @Field()
  action: string;

  @Field(() => ID, { nullable: true })
  subjectId: string | null;

  @Field(() => GraphQLJSON, { nullable: true })
  details: Record<string, unknown> | null;

  @Field({ description: 'sha256(previousHash + canonical JSON of the row), hex' })
  hash: string;

  @Field()
  previousHash: string;
}

export const AuditEventConnection = ConnectionType('AuditEvent', AuditEvent);

@ObjectType()
export class AuditVerification {
  @Field()
  valid: boolean;

  @Field(() => Int, { description: 'Rows verified before the first break (all of them when valid)' })
  checked: number;

  @Field(() => Int, { nullable: true })
  firstBrokenSequence: number | null;
}

export function toAuditEvent(row: AuditEventEntity): AuditEvent {
  return {
    id: row.id,
    sequence: Number(row.sequence),
    at: row.at,
    actorId: row.actorId,
    action: row.action,
    subjectId: row.subjectId,
    details: row.details,
    hash: row.hash,
    previousHash: row.previousHash,
  };
}
