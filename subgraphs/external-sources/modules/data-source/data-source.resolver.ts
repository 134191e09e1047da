import { Query, Resolver } from 'type-graphql';
import type { SubgraphDeps } from '../../../../platform/subgraph';
import { DataSourceEntity } from './data-source.entity';
import { toDataSource } from './data-source.mapper';
import { DataSource } from './data-source.type';

@Resolver(() => DataSource)
export class DataSourceResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => [DataSource], { description: 'Public: the catalogue of external sources' })
  async dataSources(): Promise<DataSource[]> {
    const rows = await this.deps.db.dataSource.getRepository(DataSourceEntity).find({ order: { name: 'ASC' } });
    return rows.map(toDataSource);
  }
}
