import { isUuid } from '../../../../platform/schema/ids';
import type { ListingsContext } from '../../context.type';
import { toOrder } from './order.type';

/** Batched through the order loader; the fields' shield rule decides who sees what is returned. */
export async function resolveOrderReference(reference: { id: string }, ctx: ListingsContext) {
  if (!isUuid(reference.id)) return null;
  const row = await ctx.loaders.orderById.load(reference.id);
  return row ? toOrder(row) : null;
}
