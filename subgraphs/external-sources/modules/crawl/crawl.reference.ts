import { isUuid } from '../../../../platform/schema/ids';
import type { ExternalContext } from '../../context.type';
import { toCrawlRun } from './crawl.mapper';

/** Batched; the fields themselves stay ADMIN-only through the shield rules. */
export async function resolveCrawlRunReference(reference: { id: string }, ctx: ExternalContext) {
  if (!isUuid(reference.id)) return null;
  const row = await ctx.loaders.crawlRunById.load(reference.id);
  return row ? toCrawlRun(row) : null;
}
