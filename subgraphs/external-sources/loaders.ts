import type { SubgraphDeps } from '../../platform/subgraph';
import { createDataSourceByIdLoader } from './modules/data-source/data-source.loader';

export function createExternalLoaders(deps: SubgraphDeps) {
  return {
    dataSourceById: createDataSourceByIdLoader(deps.db.dataSource),
  };
}
export type ExternalLoaders = ReturnType<typeof createExternalLoaders>;
