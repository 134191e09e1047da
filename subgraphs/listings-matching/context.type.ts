import type { SubgraphContext } from '../../platform/subgraph';
import type { ListingsLoaders } from './loaders';

export type ListingsContext = SubgraphContext<ListingsLoaders>;
