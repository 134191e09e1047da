import { isUuid } from '../../../../platform/schema/ids';
import type { ListingsContext } from '../../context.type';
import { toListing } from './listing.type';

export async function resolveListingReference(reference: { id: string }, ctx: ListingsContext) {
  if (!isUuid(reference.id)) return null;
  const row = await ctx.loaders.listingById.load(reference.id);
  return row ? toListing(row) : null;
}
