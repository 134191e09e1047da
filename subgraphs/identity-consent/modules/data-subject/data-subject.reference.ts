import { isUuid } from '../../../../platform/schema/ids';
import type { IdentityContext } from '../../context.type';

/** Batched through the per-request loader; the type's shield rule still limits it to the subject and ADMIN. */
export async function resolveDataSubjectRequestReference(reference: { id: string }, ctx: IdentityContext) {
  if (!isUuid(reference.id)) return null;
  return ctx.loaders.dataSubjectRequestById.load(reference.id.toLowerCase());
}
