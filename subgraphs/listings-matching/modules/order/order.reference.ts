import { isUuid } from '#platform/infra/schema/ids';
import type { ListingsContext } from '../../context.type';
import { isAdmin } from '#platform/infra/auth/viewer';
import { toOrder } from './order.type';

/**
 * Batched through the order loader. Like `order(id)`, anyone but the buyer, the seller of the
 * listing or an ADMIN gets null: not even the order's existence is disclosed (the fields' shield
 * rule holds as well).
 */
export async function resolveOrderReference(reference: { id: string }, ctx: ListingsContext) {
  const viewer = ctx.viewer;
  if (!isUuid(reference.id) || !viewer) return null;
  const row = await ctx.loaders.orderById.load(reference.id);
  if (!row || !(isAdmin(viewer) || row.buyerId === viewer.userId || row.sellerId === viewer.userId)) return null;
  return toOrder(row);
}
