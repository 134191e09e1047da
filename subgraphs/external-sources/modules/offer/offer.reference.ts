import { isUuid } from '#platform/infra/schema/ids';
import type { ExternalContext } from '../../context.type';
import { permittedForRequest } from './offer-access';
import { toExternalOffer } from './offer.type';

/**
 * Other subgraphs (matches) reference offers by id; the consent gate holds here too, so an offer
 * reached through `_entities` is as protected as one listed by `externalOffers`.
 */
export async function resolveExternalOfferReference(reference: { id: string }, ctx: ExternalContext) {
  if (!isUuid(reference.id) || !ctx.viewer) return null;
  const [row, permitted] = await Promise.all([ctx.loaders.offerById.load(reference.id), permittedForRequest(ctx)]);
  if (!row || !permitted.has(row.dataSourceId)) return null;
  return toExternalOffer(row);
}
