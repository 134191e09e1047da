import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { decodeCursor, pageSize } from '#platform/infra/schema/connection';
import type { ListingsContext } from '../../context.type';
import { ListingStatus } from '../listing/listing-status';
import { ListingConnection, toListing } from '../listing/listing.type';
import { OrderConnection, toOrder } from '../order/order.type';
import { User } from './user.type';

@Resolver(() => User)
export class UserListingsResolver {
  @FieldResolver(() => ListingConnection, {
    description: "The user's listings, newest first; others see ACTIVE ones only",
  })
  async listings(
    @Root() user: User,
    @Ctx() ctx: ListingsContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('status', () => ListingStatus, { nullable: true }) status?: ListingStatus,
  ) {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, ['timestamp', 'uuid'] as const);
    const connection = await ctx.loaders.sellerListings.load({
      sellerId: user.id,
      first: limit,
      after: cursor ? { createdAt: String(cursor[0]), id: String(cursor[1]) } : null,
      status: status ?? null,
    });
    return { ...connection, edges: connection.edges.map((e) => ({ cursor: e.cursor, node: toListing(e.node) })) };
  }

  @FieldResolver(() => OrderConnection, {
    description: "The user's orders as buyer, newest first. The user themself or ADMIN",
  })
  async orders(
    @Root() user: User,
    @Ctx() ctx: ListingsContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, ['timestamp', 'uuid'] as const);
    const connection = await ctx.loaders.buyerOrders.load({
      buyerId: user.id,
      first: limit,
      after: cursor ? { createdAt: String(cursor[0]), id: String(cursor[1]) } : null,
    });
    return { ...connection, edges: connection.edges.map((e) => ({ cursor: e.cursor, node: toOrder(e.node) })) };
  }
}
