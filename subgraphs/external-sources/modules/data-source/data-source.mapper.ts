import type { DataSourceEntity } from './data-source.entity';
import type { DataSource } from './data-source.type';

export function toDataSource(row: DataSourceEntity): DataSource {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    kind: row.kind,
    requiredAccessLevel: row.requiredAccessLevel,
  };
}
