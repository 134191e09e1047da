import { isUuid } from '#platform/infra/schema/ids';
import type { IdentityContext } from '../../context.type';

export async function resolveUserReference(reference: { id: string }, ctx: IdentityContext) {
  if (!isUuid(reference.id)) return null;
  return ctx.loaders.userById.load(reference.id);
}
