import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, ID, Info, Int, Query, Resolver } from 'type-graphql';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { pageSize, toConnection } from '#platform/infra/schema/connection';
import { isUuid } from '#platform/infra/schema/ids';
import type { ListingsContext } from '../../context.type';
import { ListingFilter } from './listing.input';
import { catalogueCount, cataloguePage, listingCursor } from './listing.catalogue';
import { selectedFieldsAt, selectsField } from '#platform/infra/schema/selection';
import { ListingSort } from './listing-status';
import { Listing, ListingConnection, toListing } from './listing.type';
import { recordListingViewed, recordSearchPerformed } from './listing.events';
import { isListingVisibleTo } from './listing.visibility';

/**
 * Up to how many visible listings `totalCount` is counted exactly: LISTINGS_EXACT_COUNT_LIMIT, and
 * the lower LISTINGS_SEARCH_EXACT_COUNT_LIMIT with free text. A word's matches sit scattered across
 * the table, so a bounded count reads one heap page per match: 1,001 of them were 5-7 ms of
 * PostgreSQL CPU, most of a search's cost at 100k listings (docs/performance.md).
 */
function exactCountLimit(
  config: { LISTINGS_EXACT_COUNT_LIMIT: number; LISTINGS_SEARCH_EXACT_COUNT_LIMIT: number },
  filter: ListingFilter | undefined,
): number {
  return filter?.text?.trim()
    ? Math.min(config.LISTINGS_SEARCH_EXACT_COUNT_LIMIT, config.LISTINGS_EXACT_COUNT_LIMIT)
    : config.LISTINGS_EXACT_COUNT_LIMIT;
}

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
    @Arg('sort', () => ListingSort, { nullable: true, defaultValue: ListingSort.NEWEST })
    sortArg: ListingSort | null = ListingSort.NEWEST,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Info() info?: GraphQLResolveInfo,
  ) {
    // an explicit `sort: null` skips the default: it means the default order too
    const sort = sortArg ?? ListingSort.NEWEST;
    const limit = pageSize(first);
    const dataSource = this.deps.db.dataSource;
    const wantsCount = selectsField(info, 'totalCount');
    // The page first: when it holds the whole result, it is also the count (no statement for it).
    const rows = await cataloguePage(dataSource, {
      filter,
      viewer: ctx.viewer,
      sort,
      after,
      limit,
      fields: selectedFieldsAt(info, ['edges', 'node']),
    });
    const counted = wantsCount
      ? await catalogueCount(dataSource, {
          filter,
          viewer: ctx.viewer,
          exactLimit: exactCountLimit(this.deps.config, filter),
          firstPage: after ? undefined : { rows: rows.length, limit },
        })
      : null;
    // Not selected: totalCount is never resolved, so the 0 here is never seen.
    recordSearchPerformed(this.deps, ctx, filter, sort, counted?.count ?? Math.min(rows.length, limit));
    return toConnection(rows, limit, counted?.count ?? 0, (row) => listingCursor(sort, row), toListing);
  }
}
