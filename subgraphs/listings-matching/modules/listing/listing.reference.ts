import { isUuid } from '#platform/infra/schema/ids';
import type { ListingsContext } from '../../context.type';
import { toListing } from './listing.type';
import { isListingVisibleTo } from './listing.visibility';

/** Batched; a listing reached through `_entities` is as visible as through `listing(id)`: a draft stays its seller's. */
export async function resolveListingReference(reference: { id: string }, ctx: ListingsContext) {
  if (!isUuid(reference.id)) return null;
  const row = await ctx.loaders.listingById.load(reference.id);
  return row && isListingVisibleTo(row, ctx.viewer) ? toListing(row) : null;
}
