import { isUuid } from '#platform/infra/schema/ids';
import { isAdmin } from '#platform/infra/auth/viewer';
import type { IdentityContext } from '../../context.type';

/**
 * Batched through the per-request loader. Like `dataSubjectRequest(id)`, someone else's request is
 * answered like an unknown id; the type's shield rule holds as well.
 */
export async function resolveDataSubjectRequestReference(reference: { id: string }, ctx: IdentityContext) {
  const viewer = ctx.viewer;
  if (!isUuid(reference.id) || !viewer) return null;
  const request = await ctx.loaders.dataSubjectRequestById.load(reference.id.toLowerCase());
  if (!request || (request.subjectId !== viewer.userId && !isAdmin(viewer))) return null;
  return request;
}
