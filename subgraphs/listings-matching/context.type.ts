import type { SubgraphContext } from '#platform/infra/service/subgraph';
import type { ListingsLoaders } from './loaders';

export type ListingsContext = SubgraphContext<ListingsLoaders>;
