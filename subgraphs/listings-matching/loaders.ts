import type { Viewer } from '../../platform/auth/viewer';
import type { SubgraphDeps } from '../../platform/subgraph';
import { createListingByIdLoader, createSellerListingsLoader } from './modules/listing/listing.loader';

export function createListingsLoaders(deps: SubgraphDeps, viewer: Viewer | null) {
  return {
    listingById: createListingByIdLoader(deps.db.dataSource),
    sellerListings: createSellerListingsLoader(deps.db.dataSource, viewer),
  };
}
export type ListingsLoaders = ReturnType<typeof createListingsLoaders>;
