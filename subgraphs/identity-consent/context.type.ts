import type { SubgraphContext } from '#platform/infra/service/subgraph';
import type { IdentityLoaders } from './loaders';

export type IdentityContext = SubgraphContext<IdentityLoaders>;
