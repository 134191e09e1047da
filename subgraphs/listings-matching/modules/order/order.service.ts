import type { DataSource, EntityManager } from 'typeorm';
import type { Viewer } from '#platform/infra/auth/viewer';
import { isAdmin } from '#platform/infra/auth/viewer';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '#platform/infra/errors';
import { isUuid } from '#platform/infra/schema/ids';
import type { Outbox } from '#platform/infra/events/outbox';
import type { ProductType, Province } from '#platform/infra/schema/shared-types';
import { ListingStatus } from '../listing/listing-status';
import { decimal, hasSocialImpact } from '../listing/listing.events';
import { addStatusChanged } from '../listing/listing.service';
import { parseQuantity } from '../listing/listing.validation';
import { OrderEntity } from './order.entity';
import { OrderStatus } from './order-status';

const IDEMPOTENCY_KEY_MAX = 200;

/** UPDATE … RETURNING through TypeORM's postgres driver answers `[rows, rowCount]`. */
async function updateReturning<T>(em: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const result = await em.query(sql, params);
  return (Array.isArray(result[0]) ? result[0] : result) as T[];
}

/** Thrown inside the transaction to roll back a reservation when another request already used the key. */
class DuplicateIdempotencyKey extends Error {}

function sameRequest(order: OrderEntity, listingId: string, quantity: string): OrderEntity {
  if (order.listingId === listingId && Number(order.quantityKg) === Number(quantity)) return order;
  throw new ConflictError('This idempotencyKey was already used for a different order');
}

function findByKey(em: EntityManager, buyerId: string, key: string) {
  return em.getRepository(OrderEntity).findOneBy({ buyerId, idempotencyKey: key });
}

/** The listing row as the reservation left it (UPDATE … RETURNING gives the new values). */
interface ReservedListing {
  seller_id: string;
  price_per_kg: string;
  available_kg: string;
  status: ListingStatus;
  product_type: ProductType;
  province: Province;
  small_scale_farmer: boolean;
  women_owned: boolean;
  youth_owned: boolean;
  community_owned: boolean;
  bee_level: number | null;
  social_impact_score: number;
}

/**
 * Reserves `quantityKg` from an ACTIVE listing and records the order, in one transaction.
 *
 * The reservation is a single conditional UPDATE (`available_kg >= quantity`): PostgreSQL's row
 * lock serialises concurrent orders on one listing and each re-checks the condition on the latest
 * row, so stock never goes negative whatever the concurrency. The last kilogram turns the listing
 * SOLD_OUT in the same statement.
 *
 * Idempotency: (buyer, idempotencyKey) is unique. A repeated key with the same listing and quantity
 * returns the first order and reserves nothing; with other arguments it is a CONFLICT. Two requests
 * racing with one key both reach the insert; the loser's insert does nothing, its reservation is
 * rolled back and it answers with the winner's order.
 *
 * Refusals: unknown listing → NOT_FOUND; the buyer's own listing → BAD_USER_INPUT (listingId);
 * a listing that is not ACTIVE (DRAFT, PAUSED, SOLD_OUT, ARCHIVED) or has too little stock → CONFLICT,
 * since both are states of the listing that may change, not mistakes in the request.
 *
 * Events, in the same transaction: `order.placed`, and `listing.status_changed` when the last
 * kilogram turns the listing SOLD_OUT.
 */
export async function placeOrder(
  dataSource: DataSource,
  outbox: Outbox,
  viewer: Viewer,
  listingId: string,
  quantityKg: number,
  idempotencyKey: string,
): Promise<OrderEntity> {
  const key = typeof idempotencyKey === 'string' ? idempotencyKey.trim() : '';
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX) {
    throw new BadUserInputError(`idempotencyKey must be 1 to ${IDEMPOTENCY_KEY_MAX} characters`, 'idempotencyKey');
  }
  if (!isUuid(listingId)) throw new NotFoundError('No listing with this id');
  const quantity = parseQuantity(quantityKg, 'quantityKg');

  const earlier = await findByKey(dataSource.manager, viewer.userId, key);
  if (earlier) return sameRequest(earlier, listingId, quantity);

  try {
    return await dataSource.transaction(async (em) => {
      const reserved = await updateReturning<ReservedListing>(
        em,
        `UPDATE listings.listings
            SET available_kg = available_kg - $2::numeric,
                status = CASE WHEN available_kg - $2::numeric = 0 THEN '${ListingStatus.SOLD_OUT}' ELSE status END,
                updated_at = now()
          WHERE id = $1 AND status = '${ListingStatus.ACTIVE}' AND available_kg >= $2::numeric AND seller_id <> $3
          RETURNING seller_id, price_per_kg, available_kg, status, product_type, province,
                    small_scale_farmer, women_owned, youth_owned, community_owned, bee_level, social_impact_score`,
        [listingId, quantity, viewer.userId],
      );
      if (reserved.length === 0) await explainRefusal(em, viewer, listingId, quantity);
      const listing = reserved[0];
      const { seller_id: sellerId, price_per_kg: price } = listing;

      const inserted = await em.query(
        `INSERT INTO listings.orders (listing_id, buyer_id, seller_id, quantity_kg, price_per_kg, total, status, idempotency_key)
         VALUES ($1, $2, $3, $4::numeric, $5::numeric, round($4::numeric * $5::numeric, 2), '${OrderStatus.CONFIRMED}', $6)
         ON CONFLICT (buyer_id, idempotency_key) DO NOTHING
         RETURNING id`,
        [listingId, viewer.userId, sellerId, quantity, price, key],
      );
      if (inserted.length === 0) throw new DuplicateIdempotencyKey();
      await em.query(
        `INSERT INTO listings.seller_stats (seller_id, confirmed_orders) VALUES ($1, 1)
         ON CONFLICT (seller_id) DO UPDATE SET confirmed_orders = listings.seller_stats.confirmed_orders + 1`,
        [sellerId],
      );
      const order = await em.getRepository(OrderEntity).findOneByOrFail({ id: inserted[0].id });
      await outbox.add(em, {
        type: 'order.placed',
        payload: {
          orderId: order.id,
          listingId,
          buyerId: viewer.userId,
          sellerId,
          quantityKg: decimal(order.quantityKg, 3),
          totalPrice: decimal(order.total, 2),
          pricePerKg: decimal(price, 2),
          productType: listing.product_type,
          province: listing.province,
          hasSocialImpact: hasSocialImpact({
            smallScaleFarmer: listing.small_scale_farmer,
            womenOwned: listing.women_owned,
            youthOwned: listing.youth_owned,
            communityOwned: listing.community_owned,
            beeLevel: listing.bee_level,
          }),
          socialImpactScore: Number(listing.social_impact_score),
        },
      });
      if (listing.status !== ListingStatus.ACTIVE) {
        await addStatusChanged(
          em,
          outbox,
          ListingStatus.ACTIVE,
          {
            id: listingId,
            sellerId,
            status: listing.status,
            productType: listing.product_type,
            province: listing.province,
            pricePerKg: price,
            availableKg: listing.available_kg,
          },
          'ORDER_PLACED',
        );
      }
      return order;
    });
  } catch (err) {
    if (!(err instanceof DuplicateIdempotencyKey)) throw err;
    const winner = await findByKey(dataSource.manager, viewer.userId, key);
    if (!winner) throw new ConflictError('This idempotencyKey is in use by a request still in progress; retry');
    return sameRequest(winner, listingId, quantity);
  }
}

/** Why the conditional reservation matched no row; always throws. */
async function explainRefusal(em: EntityManager, viewer: Viewer, listingId: string, quantity: string): Promise<never> {
  const [row] = await em.query(`SELECT seller_id, status, available_kg FROM listings.listings WHERE id = $1`, [
    listingId,
  ]);
  if (!row) throw new NotFoundError('No listing with this id');
  if (row.seller_id === viewer.userId) throw new BadUserInputError('You cannot order your own listing', 'listingId');
  if (row.status !== ListingStatus.ACTIVE) throw new ConflictError(`The listing is ${row.status} and takes no orders`);
  throw new ConflictError(`Only ${Number(row.available_kg)} kg available, ${Number(quantity)} kg requested`);
}

/**
 * Cancels an order and gives its quantity back to the listing, in one transaction. A SOLD_OUT
 * listing becomes ACTIVE again (it was ACTIVE when it sold out); PAUSED and ARCHIVED stay as they are.
 * The buyer, the seller or ADMIN may cancel; a cancelled order cannot be cancelled again (CONFLICT).
 * Events, in the same transaction: `order.cancelled`, and `listing.status_changed` when it reopens the listing.
 */
export async function cancelOrder(
  dataSource: DataSource,
  outbox: Outbox,
  viewer: Viewer,
  id: string,
): Promise<OrderEntity> {
  if (!isUuid(id)) throw new NotFoundError('No order with this id');
  return dataSource.transaction(async (em) => {
    const repo = em.getRepository(OrderEntity);
    const order = await repo.createQueryBuilder('o').setLock('pessimistic_write').where('o.id = :id', { id }).getOne();
    if (!order) throw new NotFoundError('No order with this id');
    if (!isAdmin(viewer) && order.buyerId !== viewer.userId && order.sellerId !== viewer.userId) {
      throw new ForbiddenError('Only the buyer, the seller or an administrator may cancel this order');
    }
    if (order.status === OrderStatus.CANCELLED) throw new ConflictError('The order is already cancelled');
    await em.query(
      `UPDATE listings.orders SET status = '${OrderStatus.CANCELLED}', cancelled_at = now(), cancelled_by = $2, updated_at = now() WHERE id = $1`,
      [order.id, viewer.userId],
    );
    // Lock the listing to read its status before the change (an order racing on it waits, so the event's `from` is exact).
    const [before] = await em.query(`SELECT status FROM listings.listings WHERE id = $1 FOR UPDATE`, [order.listingId]);
    const [listing] = await updateReturning<
      Pick<ReservedListing, 'seller_id' | 'price_per_kg' | 'available_kg' | 'status' | 'product_type' | 'province'>
    >(
      em,
      `UPDATE listings.listings
          SET available_kg = available_kg + $2::numeric,
              status = CASE WHEN status = '${ListingStatus.SOLD_OUT}' THEN '${ListingStatus.ACTIVE}' ELSE status END,
              updated_at = now()
        WHERE id = $1
        RETURNING seller_id, price_per_kg, available_kg, status, product_type, province`,
      [order.listingId, order.quantityKg],
    );
    await em.query(
      `UPDATE listings.seller_stats SET confirmed_orders = GREATEST(confirmed_orders - 1, 0) WHERE seller_id = $1`,
      [order.sellerId],
    );
    const cancelledBy =
      order.buyerId === viewer.userId ? 'BUYER' : order.sellerId === viewer.userId ? 'SELLER' : 'ADMIN';
    await outbox.add(em, {
      type: 'order.cancelled',
      payload: {
        orderId: order.id,
        listingId: order.listingId,
        buyerId: order.buyerId,
        sellerId: order.sellerId,
        cancelledBy,
        quantityKg: decimal(order.quantityKg, 3),
        totalPrice: decimal(order.total, 2),
        productType: listing.product_type,
        province: listing.province,
      },
    });
    if (before.status !== listing.status) {
      await addStatusChanged(
        em,
        outbox,
        before.status,
        {
          id: order.listingId,
          sellerId: listing.seller_id,
          status: listing.status,
          productType: listing.product_type,
          province: listing.province,
          pricePerKg: listing.price_per_kg,
          availableKg: listing.available_kg,
        },
        'ORDER_CANCELLED',
      );
    }
    return repo.findOneByOrFail({ id: order.id });
  });
}
