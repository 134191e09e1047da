import type { SubgraphContext } from '#platform/infra/service/subgraph';

export type AnalyticsLoaders = Record<string, never>;
export type AnalyticsContext = SubgraphContext<AnalyticsLoaders>;
