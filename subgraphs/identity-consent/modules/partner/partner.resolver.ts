import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requireViewer } from '#platform/infra/auth/viewer';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { IdentityContext } from '../../context.type';
import { createPartnerClient, listPartnerClients, revokePartnerClient } from './partner.service';
import { PartnerClient, PartnerClientWithKey, PartnerTier, toPartnerClient } from './partner.type';

@Resolver(() => PartnerClient)
export class PartnerClientResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => [PartnerClient], { description: 'ADMIN; newest first' })
  async partnerClients(): Promise<PartnerClient[]> {
    return (await listPartnerClients(this.deps.db.dataSource)).map(toPartnerClient);
  }

  @Mutation(() => PartnerClientWithKey, { description: 'ADMIN; the API key is in this response only' })
  async createPartnerClient(
    @Arg('name') name: string,
    @Arg('tier', () => PartnerTier) tier: PartnerTier,
    @Ctx() ctx: IdentityContext,
  ): Promise<PartnerClientWithKey> {
    const { client, apiKey } = await createPartnerClient(
      this.deps.db.dataSource,
      requireViewer(ctx).userId,
      name,
      tier,
    );
    return { client: toPartnerClient(client), apiKey };
  }

  @Mutation(() => PartnerClient, { description: 'ADMIN; the key stops working within seconds (gateway cache ≤ 5 s)' })
  async revokePartnerClient(@Arg('id', () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<PartnerClient> {
    return toPartnerClient(await revokePartnerClient(this.deps.db.dataSource, requireViewer(ctx).userId, id));
  }
}
