import { isUuid } from '../../../../platform/schema/ids';
import type { ListingsContext } from '../../context.type';
import { toMatchRequest } from './match.type';

/** Batched through the loader; the fields' shield rule keeps them to the buyer and ADMIN. */
export async function resolveMatchRequestReference(reference: { id: string }, ctx: ListingsContext) {
  if (!isUuid(reference.id)) return null;
  const row = await ctx.loaders.matchRequestById.load(reference.id);
  return row ? toMatchRequest(row) : null;
}
