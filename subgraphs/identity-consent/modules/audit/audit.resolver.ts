import { Arg, ID, Int, Query, Resolver } from 'type-graphql';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { decodeCursor, encodeCursor, pageSize, toConnection } from '#platform/infra/schema/connection';
import { BadUserInputError } from '#platform/infra/errors';
import { isUuid } from '#platform/infra/schema/ids';
import { AuditEventEntity } from './audit-event.entity';
import { verifyChain } from './audit.service';
import { AuditEventConnection, AuditVerification, toAuditEvent } from './audit.type';

@Resolver()
export class AuditResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => AuditEventConnection, { description: 'ADMIN; newest first' })
  async auditLog(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('action', () => String, { nullable: true }) action: string | null,
    @Arg('actorId', () => ID, { nullable: true }) actorId: string | null,
  ) {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, ['int'] as const);
    if (actorId && !isUuid(actorId)) throw new BadUserInputError('actorId must be a UUID', 'actorId');
    if (action && action.length > 100) throw new BadUserInputError('action is at most 100 characters', 'action');
    const filtered = () => {
      const q = this.deps.db.dataSource.getRepository(AuditEventEntity).createQueryBuilder('a');
      if (action) q.andWhere('a.action = :action', { action });
      if (actorId) q.andWhere('a.actor_id = :actorId', { actorId });
      return q;
    };
    const page = filtered()
      .orderBy('a.sequence', 'DESC')
      .limit(limit + 1);
    if (cursor) page.andWhere('a.sequence < :after', { after: cursor[0] });
    const [rows, totalCount] = await Promise.all([page.getMany(), filtered().getCount()]);
    const connection = toConnection(rows, limit, totalCount, (r) => encodeCursor([Number(r.sequence)]));
    return { ...connection, edges: connection.edges.map((e) => ({ cursor: e.cursor, node: toAuditEvent(e.node) })) };
  }

  @Query(() => AuditVerification, { description: 'ADMIN; recomputes the whole hash chain' })
  verifyAuditLog(): Promise<AuditVerification> {
    return verifyChain(this.deps.db.dataSource);
  }
}
