import { isUuid } from '#platform/infra/schema/ids';
import { isAdmin } from '#platform/infra/auth/viewer';
import type { ExternalContext } from '../../context.type';
import { toCrawlRun } from './crawl.mapper';

/** Batched; like `crawlRun(id)`, ADMIN only (the fields' shield rules hold as well). */
export async function resolveCrawlRunReference(reference: { id: string }, ctx: ExternalContext) {
  if (!isUuid(reference.id) || !isAdmin(ctx.viewer)) return null;
  const row = await ctx.loaders.crawlRunById.load(reference.id);
  return row ? toCrawlRun(row) : null;
}
