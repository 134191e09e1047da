import { isUuid } from '../../../../platform/schema/ids';
import type { IdentityContext } from '../../context.type';
import { toConsent } from './consent.type';

/** Batched through the per-request loader; field rules still decide who sees what. */
export async function resolveConsentReference(reference: { id: string }, ctx: IdentityContext) {
  if (!isUuid(reference.id)) return null;
  const row = await ctx.loaders.consentById.load(reference.id);
  return row ? toConsent(row) : null;
}
