import { isUuid } from '#platform/infra/schema/ids';
import type { ExternalContext } from '../../context.type';
import { toDataSource } from './data-source.mapper';

export async function resolveDataSourceReference(reference: { id: string }, ctx: ExternalContext) {
  if (!isUuid(reference.id)) return null;
  const row = await ctx.loaders.dataSourceById.load(reference.id);
  return row ? toDataSource(row) : null;
}
