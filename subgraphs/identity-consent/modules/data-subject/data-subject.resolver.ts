import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { isAdmin } from '../../../../platform/auth/viewer';
import { isUuid } from '../../../../platform/schema/ids';
import type { SubgraphDeps } from '../../../../platform/subgraph';
import type { IdentityContext } from '../../context.type';
import { toDataSubjectRequest, DataSubjectRequest } from './data-subject.type';
import { dataSubjectService } from './data-subject.service';
import type { DataSubjectRequestEntity } from './data-subject-request.entity';

@Resolver(() => DataSubjectRequest)
export class DataSubjectRequestResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => DataSubjectRequest, { nullable: true, description: 'The subject or ADMIN; null for anyone else and for unknown ids' })
  async dataSubjectRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<DataSubjectRequest | null> {
    if (!isUuid(id)) return null;
    const request = await ctx.loaders.dataSubjectRequestById.load(id.toLowerCase());
    if (!request) return null;
    // Someone else's request is answered like an unknown id: its existence is not disclosed.
    return isAdmin(ctx.viewer!) || request.subjectId === ctx.viewer!.userId ? request : null;
  }

  @Mutation(() => DataSubjectRequest, {
    description: "Exports everything every subgraph holds on the caller; PENDING at first, poll dataSubjectRequest(id) for the export",
  })
  async requestDataExport(@Ctx() ctx: IdentityContext): Promise<DataSubjectRequest> {
    return this.answer(ctx, await dataSubjectService(this.deps).requestExport(ctx.viewer!));
  }

  @Mutation(() => DataSubjectRequest, {
    description:
      'Erases the caller (or, for ADMIN, any user) in every subgraph; PENDING at first, poll dataSubjectRequest(id). ' +
      'Asking again after a FAILED erasure retries the parts that did not complete',
  })
  async requestErasure(@Arg('userId', () => ID, { nullable: true }) userId: string | null, @Ctx() ctx: IdentityContext): Promise<DataSubjectRequest> {
    const subject = userId ?? ctx.viewer!.userId;
    return this.answer(ctx, await dataSubjectService(this.deps).requestErasure(ctx.viewer!, subject));
  }

  /** As stored now (a retried erasure already has the reports of the parts that completed before). */
  private async answer(ctx: IdentityContext, request: DataSubjectRequestEntity): Promise<DataSubjectRequest> {
    return (await ctx.loaders.dataSubjectRequestById.load(request.id)) ?? toDataSubjectRequest(request, []);
  }
}
