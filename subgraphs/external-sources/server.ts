import 'reflect-metadata';
import type { SubgraphModule } from '../../platform/subgraph';
import { createExternalLoaders, type ExternalLoaders } from './loaders';
import { CreateDataSources1732233600000 } from './migrations/1732233600000-CreateDataSources';
import { DataSourceEntity } from './modules/data-source/data-source.entity';
import { resolveDataSourceReference } from './modules/data-source/data-source.reference';
import { DataSourceResolver } from './modules/data-source/data-source.resolver';
import { externalPermissions } from './permissions';

export const externalSourcesSubgraph: SubgraphModule<ExternalLoaders> = {
  name: 'external-sources',
  dbSchema: 'external',
  entities: [DataSourceEntity],
  migrations: [CreateDataSources1732233600000],
  resolvers: [DataSourceResolver],
  referenceResolvers: { DataSource: { __resolveReference: resolveDataSourceReference } },
  permissions: externalPermissions,
  createLoaders: createExternalLoaders,
};
