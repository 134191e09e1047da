import type { Viewer } from '#platform/infra/auth/viewer';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { createListingByIdLoader, createSellerListingsLoader } from './modules/listing/listing.loader';
import { createMatchRequestByIdLoader, createMatchResultsLoader } from './modules/match/match.loader';
import { createBuyerOrdersLoader, createOrderByIdLoader } from './modules/order/order.loader';

export function createListingsLoaders(deps: SubgraphDeps, viewer: Viewer | null) {
  return {
    listingById: createListingByIdLoader(deps.db.dataSource),
    sellerListings: createSellerListingsLoader(deps.db.dataSource, viewer),
    orderById: createOrderByIdLoader(deps.db.dataSource),
    buyerOrders: createBuyerOrdersLoader(deps.db.dataSource),
    matchRequestById: createMatchRequestByIdLoader(deps.db.dataSource),
    matchResults: createMatchResultsLoader(deps.db.dataSource),
  };
}
export type ListingsLoaders = ReturnType<typeof createListingsLoaders>;
