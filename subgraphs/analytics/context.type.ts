import type { SubgraphContext } from '../../platform/subgraph';

export type AnalyticsLoaders = Record<string, never>;
export type AnalyticsContext = SubgraphContext<AnalyticsLoaders>;
