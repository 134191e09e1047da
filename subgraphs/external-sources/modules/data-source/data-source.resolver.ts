import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { ExternalContext } from '../../context.type';
import { externalRuntime } from '../../runtime';
import { sourceHealth } from '../connector/source-runtime';
import { toCrawlRun } from '../crawl/crawl.mapper';
import { CrawlRun } from '../crawl/crawl.type';
import { toDataSource } from './data-source.mapper';
import { DataSource, SourceHealth } from './data-source.type';

@Resolver(() => DataSource)
export class DataSourceResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => [DataSource], { description: 'Public: the catalogue of external sources' })
  async dataSources(@Ctx() ctx: ExternalContext): Promise<DataSource[]> {
    const rows = await ctx.loaders.allDataSources();
    return rows.map(toDataSource);
  }

  @FieldResolver(() => SourceHealth, {
    description: "From the source's circuit breaker and its last finished crawl; UNKNOWN before any",
  })
  async health(@Root() source: DataSource, @Ctx() ctx: ExternalContext): Promise<SourceHealth> {
    const last = await ctx.loaders.lastFinishedResultBySource.load(source.id);
    return sourceHealth(externalRuntime(this.deps).sources.get(source.slug), last);
  }

  @FieldResolver(() => CrawlRun, {
    nullable: true,
    description: 'ADMIN: the latest crawl run that included this source',
  })
  async lastCrawl(@Root() source: DataSource, @Ctx() ctx: ExternalContext): Promise<CrawlRun | null> {
    const run = await ctx.loaders.lastRunBySource.load(source.id);
    return run ? toCrawlRun(run) : null;
  }
}
