import type { Viewer } from '#platform/infra/auth/viewer';
import { UnauthenticatedError } from '#platform/infra/errors';
import type { ListingsContext } from './context.type';

/** Shield lets only signed-in callers reach the mutations; this narrows the type (and guards a missing rule). */
export function requireViewer(ctx: ListingsContext): Viewer {
  if (!ctx.viewer) throw new UnauthenticatedError();
  return ctx.viewer;
}
