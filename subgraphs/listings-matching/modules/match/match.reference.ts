import { isUuid } from '#platform/infra/schema/ids';
import type { ListingsContext } from '../../context.type';
import { isAdmin } from '#platform/infra/auth/viewer';
import { toMatchRequest } from './match.type';

/** Batched through the loader; like `matchRequest(id)`, null for anyone but the buyer and ADMIN. */
export async function resolveMatchRequestReference(reference: { id: string }, ctx: ListingsContext) {
  const viewer = ctx.viewer;
  if (!isUuid(reference.id) || !viewer) return null;
  const row = await ctx.loaders.matchRequestById.load(reference.id);
  if (!row || (row.buyerId !== viewer.userId && !isAdmin(viewer))) return null;
  return toMatchRequest(row);
}
