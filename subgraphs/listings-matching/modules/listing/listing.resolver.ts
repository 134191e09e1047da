import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { SubgraphDeps } from '../../../../platform/subgraph';
import { pageSize, toConnection } from '../../../../platform/schema/connection';
import { isUuid } from '../../../../platform/schema/ids';
import type { ListingsContext } from '../../context.type';
import { ListingEntity } from './listing.entity';
import { ListingFilter } from './listing.input';
import { applyListingFilter, applyListingPage, listingCursor } from './listing.query';
import { ListingSort } from './listing-status';
import { Listing, ListingConnection, toListing } from './listing.type';
import { recordListingViewed, recordSearchPerformed } from './listing.events';
import { isListingVisibleTo } from './listing.visibility';

@Resolver(() => Listing)
export class ListingResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => Listing, { nullable: true, description: 'Public when ACTIVE; otherwise its seller or ADMIN' })
  async listing(@Arg('id', () => ID) id: string, @Ctx() ctx: ListingsContext): Promise<Listing | null> {
    if (!isUuid(id)) return null;
    const row = await ctx.loaders.listingById.load(id);
    if (!row) return null;
    if (!isListingVisibleTo(row, ctx.viewer)) return null;
    recordListingViewed(this.deps, ctx, row);
    return toListing(row);
  }

  @Query(() => ListingConnection, { description: 'Public. Keyset-paginated; first is capped at 100' })
  async listings(
    @Ctx() ctx: ListingsContext,
    @Arg('filter', () => ListingFilter, { nullable: true }) filter?: ListingFilter,
    @Arg('sort', () => ListingSort, { nullable: true, defaultValue: ListingSort.NEWEST }) sort: ListingSort = ListingSort.NEWEST,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const limit = pageSize(first);
    const repo = this.deps.db.dataSource.getRepository(ListingEntity);
    const page = applyListingPage(applyListingFilter(repo.createQueryBuilder('l'), filter, ctx.viewer), sort, after, limit);
    const count = applyListingFilter(repo.createQueryBuilder('l'), filter, ctx.viewer);
    const [rows, totalCount] = await Promise.all([page.getMany(), count.getCount()]);
    const connection = toConnection(rows, limit, totalCount, (row) => listingCursor(sort, row));
    recordSearchPerformed(this.deps, ctx, filter, sort, totalCount);
    return { ...connection, edges: connection.edges.map((e) => ({ cursor: e.cursor, node: toListing(e.node) })) };
  }
}
