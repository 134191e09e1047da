import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { ListingsContext } from '../../context.type';
import { requireViewer } from '#platform/infra/auth/viewer';
import { CreateListingInput, UpdateListingInput } from './listing.input';
import { createListing, setListingStatus, updateListing } from './listing.service';
import { ListingStatus } from './listing-status';
import { Listing, toListing } from './listing.type';

@Resolver(() => Listing)
export class ListingMutationResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Mutation(() => Listing, { description: 'SELLER. Starts ACTIVE unless input.status is DRAFT' })
  async createListing(
    @Arg('input', () => CreateListingInput) input: CreateListingInput,
    @Ctx() ctx: ListingsContext,
  ): Promise<Listing> {
    return toListing(await createListing(this.deps.db.dataSource, this.deps.outbox, requireViewer(ctx), input));
  }

  @Mutation(() => Listing, { description: 'Its seller or ADMIN' })
  async updateListing(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateListingInput) input: UpdateListingInput,
    @Ctx() ctx: ListingsContext,
  ): Promise<Listing> {
    return toListing(await updateListing(this.deps.db.dataSource, this.deps.outbox, requireViewer(ctx), id, input));
  }

  @Mutation(() => Listing, {
    description: 'Its seller or ADMIN; allowed transitions are documented with ListingStatus',
  })
  async setListingStatus(
    @Arg('id', () => ID) id: string,
    @Arg('status', () => ListingStatus) status: ListingStatus,
    @Ctx() ctx: ListingsContext,
  ): Promise<Listing> {
    return toListing(await setListingStatus(this.deps.db.dataSource, this.deps.outbox, requireViewer(ctx), id, status));
  }
}
