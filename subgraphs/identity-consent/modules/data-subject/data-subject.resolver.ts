import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { isAdmin, requireViewer } from '#platform/infra/auth/viewer';
import { isUuid } from '#platform/infra/schema/ids';
import { decodeCursor, encodeCursor, pageSize, toConnection } from '#platform/infra/schema/connection';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { IdentityContext } from '../../context.type';
import {
  toDataSubjectRequest,
  DataSubjectRequest,
  DataSubjectRequestConnection,
  DataSubjectRequestStatus,
  DataSubjectRequestType,
} from './data-subject.type';
import { dataSubjectService } from './data-subject.service';
import { DataSubjectRequestEntity } from './data-subject-request.entity';

@Resolver(() => DataSubjectRequest)
export class DataSubjectRequestResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => DataSubjectRequest, {
    nullable: true,
    description: 'The subject or ADMIN; null for anyone else and for unknown ids',
  })
  async dataSubjectRequest(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: IdentityContext,
  ): Promise<DataSubjectRequest | null> {
    const viewer = requireViewer(ctx);
    if (!isUuid(id)) return null;
    const request = await ctx.loaders.dataSubjectRequestById.load(id.toLowerCase());
    if (!request) return null;
    // Someone else's request is answered like an unknown id: its existence is not disclosed.
    return isAdmin(viewer) || request.subjectId === viewer.userId ? request : null;
  }

  @Query(() => DataSubjectRequestConnection, {
    description:
      'ADMIN; every data-subject request, newest first, optionally of one status and type; first is capped at 100',
  })
  async dataSubjectRequests(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('status', () => DataSubjectRequestStatus, { nullable: true }) status: DataSubjectRequestStatus | null,
    @Arg('type', () => DataSubjectRequestType, { nullable: true }) type: DataSubjectRequestType | null,
    @Ctx() ctx: IdentityContext,
  ) {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, ['timestamp', 'uuid'] as const);
    const filtered = () => {
      const q = this.deps.db.dataSource
        .getRepository(DataSubjectRequestEntity)
        .createQueryBuilder('r')
        .select('r.id')
        .addSelect('r.requestedAt');
      if (status) q.andWhere('r.status = :status', { status });
      if (type) q.andWhere('r.type = :type', { type });
      return q;
    };
    const page = filtered()
      .orderBy('r.requestedAt', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .limit(limit + 1);
    if (cursor)
      page.andWhere('(r.requested_at, r.id) < (:at, :id)', { at: new Date(cursor[0] as string), id: cursor[1] });
    const [rows, totalCount] = await Promise.all([page.getMany(), filtered().getCount()]);
    // ids only above; the requests with their parts come through the loader (two statements per page)
    const connection = toConnection(rows, limit, totalCount, (r) => encodeCursor([r.requestedAt.toISOString(), r.id]));
    const nodes = await ctx.loaders.dataSubjectRequestById.loadMany(connection.edges.map((e) => e.node.id));
    return {
      ...connection,
      edges: connection.edges
        .map((e, i) => ({ cursor: e.cursor, node: nodes[i] }))
        .filter((e): e is { cursor: string; node: DataSubjectRequest } => !!e.node && !(e.node instanceof Error)),
    };
  }

  @Mutation(() => DataSubjectRequest, {
    description:
      'Exports everything every subgraph holds on the caller; PENDING at first, poll dataSubjectRequest(id) for the export',
  })
  async requestDataExport(@Ctx() ctx: IdentityContext): Promise<DataSubjectRequest> {
    return this.answer(ctx, await dataSubjectService(this.deps).requestExport(requireViewer(ctx)));
  }

  @Mutation(() => DataSubjectRequest, {
    description:
      'Erases the caller (or, for ADMIN, any user) in every subgraph; PENDING at first, poll dataSubjectRequest(id). ' +
      'Asking again after a FAILED erasure retries the parts that did not complete',
  })
  async requestErasure(
    @Arg('userId', () => ID, { nullable: true }) userId: string | null,
    @Ctx() ctx: IdentityContext,
  ): Promise<DataSubjectRequest> {
    const viewer = requireViewer(ctx);
    const subject = userId ?? viewer.userId;
    return this.answer(ctx, await dataSubjectService(this.deps).requestErasure(viewer, subject));
  }

  /** As stored now (a retried erasure already has the reports of the parts that completed before). */
  private async answer(ctx: IdentityContext, request: DataSubjectRequestEntity): Promise<DataSubjectRequest> {
    return (await ctx.loaders.dataSubjectRequestById.load(request.id)) ?? toDataSubjectRequest(request, []);
  }
}
