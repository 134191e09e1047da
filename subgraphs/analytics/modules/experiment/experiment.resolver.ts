import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { requireViewer } from '#platform/infra/auth/viewer';
import type { AnalyticsContext } from '../../context.type';
import { experimentVariant } from './experiment.service';

@Resolver()
export class ExperimentResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => String, {
    description: 'Signed-in user. "control" or "treatment", stable per (user, experiment) across calls and restarts',
  })
  experimentVariant(@Arg('experiment') experiment: string, @Ctx() ctx: AnalyticsContext): string {
    return experimentVariant(this.deps.config.PSEUDONYM_SECRET, requireViewer(ctx).userId, experiment);
  }
}
