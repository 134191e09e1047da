import { Arg, Ctx, FieldResolver, Float, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { isAdmin, requireViewer } from '#platform/infra/auth/viewer';
import { isUuid } from '#platform/infra/schema/ids';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { ListingsContext } from '../../context.type';
import { Listing, toListing } from '../listing/listing.type';
import { cancelOrder, placeOrder } from './order.service';
import { Order, toOrder } from './order.type';

@Resolver(() => Order)
export class OrderResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => Order, {
    nullable: true,
    description: 'Its buyer, the seller of the listing, or ADMIN; null for anyone else',
  })
  async order(@Arg('id', () => ID) id: string, @Ctx() ctx: ListingsContext): Promise<Order | null> {
    const viewer = requireViewer(ctx);
    if (!isUuid(id)) return null;
    const row = await ctx.loaders.orderById.load(id);
    if (!row) return null;
    const party = isAdmin(viewer) || row.buyerId === viewer.userId || row.sellerId === viewer.userId;
    return party ? toOrder(row) : null;
  }

  @Mutation(() => Order, {
    description: 'BUYER. Reserves the quantity atomically; never oversells. Same idempotencyKey → same order',
  })
  async placeOrder(
    @Arg('listingId', () => ID) listingId: string,
    @Arg('quantityKg', () => Float) quantityKg: number,
    @Arg('idempotencyKey') idempotencyKey: string,
    @Ctx() ctx: ListingsContext,
  ): Promise<Order> {
    return toOrder(
      await placeOrder(
        this.deps.db.dataSource,
        this.deps.outbox,
        requireViewer(ctx),
        listingId,
        quantityKg,
        idempotencyKey,
      ),
    );
  }

  @Mutation(() => Order, { description: 'Its buyer, the seller, or ADMIN. Gives the quantity back to the listing' })
  async cancelOrder(@Arg('id', () => ID) id: string, @Ctx() ctx: ListingsContext): Promise<Order> {
    return toOrder(await cancelOrder(this.deps.db.dataSource, this.deps.outbox, requireViewer(ctx), id));
  }

  @FieldResolver(() => Listing, { description: 'The listing ordered from, whatever its status now' })
  async listing(@Root() order: Order, @Ctx() ctx: ListingsContext): Promise<Listing> {
    const row = await ctx.loaders.listingById.load(order.listingId);
    if (!row) throw new Error(`order ${order.id} points at a missing listing`);
    return toListing(row);
  }
}
