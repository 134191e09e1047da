import type { SubgraphContext } from '#platform/infra/service/subgraph';
import type { ExternalLoaders } from './loaders';

export type ExternalContext = SubgraphContext<ExternalLoaders>;
