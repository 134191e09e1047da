import type DataLoader from 'dataloader';
import type { SubgraphContext } from '#platform/infra/service/subgraph';
import type { PriceKey } from './modules/market/market.service';
import type { PricePoint } from './modules/market/market.type';

export interface AnalyticsLoaders {
  /** marketPriceIndex lookups of one request, in one statement. */
  priceIndex: DataLoader<PriceKey, PricePoint, string>;
}
export type AnalyticsContext = SubgraphContext<AnalyticsLoaders>;
