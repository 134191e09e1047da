import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { ConnectionType } from '#platform/infra/schema/connection';
import { SERVICE_NAMES } from '#platform/infra/config';
import type { DataSubjectRequestEntity, DataSubjectRequestPartEntity } from './data-subject-request.entity';

export enum DataSubjectRequestType {
  ACCESS = 'ACCESS',
  ERASURE = 'ERASURE',
}
registerEnumType(DataSubjectRequestType, { name: 'DataSubjectRequestType' });

export enum DataSubjectRequestStatus {
  PENDING = 'PENDING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}
registerEnumType(DataSubjectRequestStatus, {
  name: 'DataSubjectRequestStatus',
  description:
    'COMPLETED once every subgraph has done its part; FAILED says why in failureReason (an erasure is retried by requesting it again)',
});

@ObjectType({
  description: 'What one subgraph erased (deleted or anonymised) and what it kept about the subject, and why',
})
export class SubgraphErasureReport {
  @Field()
  subgraph: string;

  @Field(() => Int)
  erased: number;

  @Field(() => Int)
  retained: number;

  @Field(() => String, {
    nullable: true,
    description: 'Why records were retained (the law or purpose that requires them)',
  })
  reason: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "What happened to the subject's data that arrived while the erasure ran (writes are refused from the request on; requests admitted before it are awaited)",
  })
  note: string | null;
}

@Directive('@key(fields: "id")')
@ObjectType({
  description: 'A POPIA/GDPR data-subject request: an export of everything held on a user, or their erasure',
})
export class DataSubjectRequest {
  @Field(() => ID)
  id: string;

  @Field(() => DataSubjectRequestType)
  type: DataSubjectRequestType;

  @Field(() => DataSubjectRequestStatus)
  status: DataSubjectRequestStatus;

  @Field(() => ID)
  subjectId: string;

  @Field()
  requestedAt: Date;

  @Field(() => Date, { nullable: true })
  completedAt: Date | null;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description:
      'ACCESS, once COMPLETED: everything every subgraph holds on the subject, by subgraph. At most 10 000 rows per kind of record ' +
      '(kinds cut short are listed in `truncated`); dropped after DATA_SUBJECT_EXPORT_RETENTION_HOURS',
  })
  export: Record<string, unknown> | null;

  @Field(() => [SubgraphErasureReport], { description: 'ERASURE: one entry per subgraph that has done its part' })
  report: SubgraphErasureReport[];

  @Field(() => String, { nullable: true, description: 'FAILED: which subgraphs did not do their part, and why' })
  failureReason: string | null;

  /** Not fields: read by the resolver from the parts. */
  parts?: DataSubjectRequestPartEntity[];
}

export const DataSubjectRequestConnection = ConnectionType('DataSubjectRequest', DataSubjectRequest);

const ORDER = new Map<string, number>(SERVICE_NAMES.map((name, i) => [name, i]));

export function toDataSubjectRequest(
  row: DataSubjectRequestEntity,
  parts: DataSubjectRequestPartEntity[],
): DataSubjectRequest {
  const report =
    row.type === 'ERASURE'
      ? parts
          .filter((p) => p.status === 'COMPLETED')
          .sort((a, b) => (ORDER.get(a.subgraph) ?? 99) - (ORDER.get(b.subgraph) ?? 99))
          .map((p) => ({
            subgraph: p.subgraph,
            erased: p.erased,
            retained: p.retained,
            reason: p.reason,
            note: p.note ?? null,
          }))
      : [];
  return {
    id: row.id,
    type: row.type as DataSubjectRequestType,
    status: row.status as DataSubjectRequestStatus,
    subjectId: row.subjectId,
    requestedAt: row.requestedAt,
    completedAt: row.completedAt,
    export: row.export && row.exportExpiresAt && row.exportExpiresAt.getTime() > Date.now() ? row.export : null,
    report,
    failureReason: row.failureReason,
  };
}
