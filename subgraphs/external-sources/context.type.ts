import type { SubgraphContext } from '../../platform/subgraph';
import type { ExternalLoaders } from './loaders';

export type ExternalContext = SubgraphContext<ExternalLoaders>;
