import { isUuid } from '#platform/infra/schema/ids';
import type { IdentityContext } from '../../context.type';
import { isAdmin } from '#platform/infra/auth/viewer';
import { toConsent } from './consent.type';

/**
 * Batched through the per-request loader. Like `myConsents`, only the consent's owner (or an
 * ADMIN) learns it exists; the type's shield rule holds as well.
 */
export async function resolveConsentReference(reference: { id: string }, ctx: IdentityContext) {
  const viewer = ctx.viewer;
  if (!isUuid(reference.id) || !viewer) return null;
  const row = await ctx.loaders.consentById.load(reference.id);
  if (!row || (row.userId !== viewer.userId && !isAdmin(viewer))) return null;
  return toConsent(row);
}
