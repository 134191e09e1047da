import { Directive, Field, Float, ID, ObjectType } from 'type-graphql';
import { ConnectionType } from '#platform/infra/schema/connection';
import { Money } from '#platform/infra/schema/shared-types';
import { User } from '../user/user.type';
import { OrderStatus } from './order-status';
import type { OrderEntity } from './order.entity';

/** An exact decimal string from numeric(…,2) as Money, without a round trip through a float. */
export function exactZar(amount: string): Money {
  return Object.assign(new Money(), { amount, currency: 'ZAR' });
}

@Directive('@key(fields: "id")')
// `listing` is a field resolver in order.resolver.ts (batched through the listing loader).
@ObjectType({ description: 'A buyer taking a quantity from a listing. Visible to its buyer, the seller and ADMIN' })
export class Order {
  @Field(() => ID)
  id: string;

  @Field(() => User)
  buyer: User;

  @Field(() => Float)
  quantityKg: number;

  @Field(() => Money, { description: 'Price per kg when the order was placed' })
  pricePerKg: Money;

  @Field(() => Money, { description: 'quantityKg × pricePerKg, exact, rounded half away from zero to cents' })
  total: Money;

  @Field(() => OrderStatus)
  status: OrderStatus;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  cancelledAt: Date | null;

  /** Not in the schema: who may see the order (shield reads them). */
  listingId: string;
  buyerId: string;
  sellerId: string;
}

export const OrderConnection = ConnectionType('Order', Order);

export function toOrder(row: OrderEntity): Order {
  return {
    id: row.id,
    buyer: { id: row.buyerId } as User,
    quantityKg: Number(row.quantityKg),
    pricePerKg: exactZar(row.pricePerKg),
    total: exactZar(row.total),
    status: row.status,
    createdAt: row.createdAt,
    cancelledAt: row.cancelledAt,
    listingId: row.listingId,
    buyerId: row.buyerId,
    sellerId: row.sellerId,
  };
}
