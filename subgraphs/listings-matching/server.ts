import 'reflect-metadata';
import type { SubgraphModule } from '../../platform/subgraph';
import type { ListingsContext } from './context.type';
import { createListingsLoaders, type ListingsLoaders } from './loaders';
import { CreateListings1732233600000 } from './migrations/1732233600000-CreateListings';
import { CreateEventTables1732400000000 } from './migrations/1732400000000-CreateEventTables';
import { ListingEntity } from './modules/listing/listing.entity';
import { resolveListingReference } from './modules/listing/listing.reference';
import { ListingResolver } from './modules/listing/listing.resolver';
import { UserListingsResolver } from './modules/user/user.resolver';
import { listingsPermissions } from './permissions';

export const listingsMatchingSubgraph: SubgraphModule<ListingsLoaders> = {
  name: 'listings-matching',
  dbSchema: 'listings',
  entities: [ListingEntity],
  migrations: [CreateListings1732233600000, CreateEventTables1732400000000],
  outbox: true,
  resolvers: [ListingResolver, UserListingsResolver],
  referenceResolvers: {
    Listing: { __resolveReference: resolveListingReference },
    User: { __resolveReference: (reference: { id: string }, _ctx: ListingsContext) => ({ id: reference.id }) },
  },
  permissions: listingsPermissions,
  createLoaders: createListingsLoaders,
};
