import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { BadUserInputError, NotFoundError } from '#platform/infra/errors';
import { decodeCursor, encodeCursor, pageSize, toConnection } from '#platform/infra/schema/connection';
import { isUuid } from '#platform/infra/schema/ids';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { ExternalContext } from '../../context.type';
import { externalRuntime } from '../../runtime';
import { toDataSource } from '../data-source/data-source.mapper';
import { DataSource } from '../data-source/data-source.type';
import { CrawlRunEntity } from './crawl.entity';
import { toCrawlRun, toSourceCrawlResult } from './crawl.mapper';
import { CrawlRejectionConnection, CrawlRun, CrawlRunConnection, SourceCrawlResult } from './crawl.type';

const MAX_SOURCES_PER_CRAWL = 20;

@Resolver(() => CrawlRun)
export class CrawlRunResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Mutation(() => CrawlRun, {
    description:
      'ADMIN. Starts a crawl of the given sources (all when omitted) and returns it RUNNING; poll crawlRun for the outcome',
  })
  async triggerCrawl(
    @Ctx() ctx: ExternalContext,
    @Arg('dataSourceIds', () => [ID], { nullable: true }) dataSourceIds?: string[] | null,
  ): Promise<CrawlRun> {
    let sources = await ctx.loaders.allDataSources();
    if (dataSourceIds !== undefined && dataSourceIds !== null) {
      const ids = [...new Set(dataSourceIds)];
      if (ids.length === 0)
        throw new BadUserInputError(
          'dataSourceIds must name at least one source, or be omitted to crawl all',
          'dataSourceIds',
        );
      if (ids.length > MAX_SOURCES_PER_CRAWL)
        throw new BadUserInputError(`at most ${MAX_SOURCES_PER_CRAWL} sources per crawl`, 'dataSourceIds');
      const bad = ids.find((id) => !isUuid(id));
      if (bad !== undefined) throw new BadUserInputError('dataSourceIds holds an invalid id', 'dataSourceIds');
      const unknown = ids.filter((id) => !sources.some((s) => s.id === id));
      if (unknown.length) throw new NotFoundError(`No data source ${unknown.join(', ')}`);
      sources = sources.filter((s) => ids.includes(s.id));
    }
    const run = await externalRuntime(this.deps).crawler.trigger(sources, 'MANUAL', ctx.viewer?.userId ?? null);
    ctx.log.info({ crawlRunId: run.id, sources: sources.map((s) => s.slug) }, 'crawl triggered');
    return toCrawlRun(run);
  }

  @Query(() => CrawlRunConnection, { description: 'ADMIN. Newest first' })
  async crawlRuns(
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, ['timestamp', 'uuid'] as const);
    const repo = this.deps.db.dataSource.getRepository(CrawlRunEntity);
    const q = repo.createQueryBuilder('r');
    if (cursor) q.where('(r.started_at, r.id) < (:at::timestamptz, :id::uuid)', { at: cursor[0], id: cursor[1] });
    const [rows, total] = await Promise.all([
      limit === 0
        ? Promise.resolve([])
        : q
            .orderBy('r.started_at', 'DESC')
            .addOrderBy('r.id', 'DESC')
            .limit(limit + 1)
            .getMany(),
      repo.count(),
    ]);
    const connection = toConnection(rows, limit, total, (r) => encodeCursor([r.startedAt.toISOString(), r.id]));
    return { ...connection, edges: connection.edges.map((e) => ({ cursor: e.cursor, node: toCrawlRun(e.node) })) };
  }

  @Query(() => CrawlRun, { nullable: true, description: 'ADMIN' })
  async crawlRun(@Arg('id', () => ID) id: string, @Ctx() ctx: ExternalContext): Promise<CrawlRun | null> {
    if (!isUuid(id)) return null;
    const row = await ctx.loaders.crawlRunById.load(id);
    return row ? toCrawlRun(row) : null;
  }

  @FieldResolver(() => [SourceCrawlResult])
  async results(@Root() run: CrawlRun, @Ctx() ctx: ExternalContext): Promise<SourceCrawlResult[]> {
    const rows = await ctx.loaders.resultsByRun.load(run.id);
    return rows.map(toSourceCrawlResult);
  }
}

@Resolver(() => SourceCrawlResult)
export class SourceCrawlResultResolver {
  @FieldResolver(() => DataSource)
  async dataSource(@Root() result: SourceCrawlResult, @Ctx() ctx: ExternalContext): Promise<DataSource> {
    const row = await ctx.loaders.dataSourceById.load(result.dataSourceId);
    if (!row) throw new NotFoundError('The source of this result no longer exists');
    return toDataSource(row);
  }

  @FieldResolver(() => CrawlRejectionConnection, {
    description: 'The records normalisation refused, in the order they were read',
  })
  async rejections(
    @Root() result: SourceCrawlResult,
    @Ctx() ctx: ExternalContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, ['int'] as const);
    return ctx.loaders.rejections.load({
      crawlRunId: result.crawlRunId,
      dataSourceId: result.dataSourceId,
      first: limit,
      after: cursor ? cursor[0] : null,
    });
  }
}
