import 'reflect-metadata';
import type { SubgraphModule } from '#platform/infra/service/subgraph';
import type { ListingsContext } from './context.type';
import { createListingsLoaders, type ListingsLoaders } from './loaders';
import { CreateListings1732233600000 } from './migrations/1732233600000-CreateListings';
import { SearchOrdersMatches1732320000000 } from './migrations/1732320000000-SearchOrdersMatches';
import { CreateEventTables1732400000000 } from './migrations/1732400000000-CreateEventTables';
import { EventTraceMetadata1732610000000 } from './migrations/1732610000000-EventTraceMetadata';
import { CatalogueStatistics1732620000000 } from './migrations/1732620000000-CatalogueStatistics';
import { ExternalOffersReadModel1732480000000 } from './migrations/1732480000000-ExternalOffersReadModel';
import { CatalogueIndexes1732600000000 } from './migrations/1732600000000-CatalogueIndexes';
import { MatchReferenceAndTiers1732700000000 } from './migrations/1732700000000-MatchReferenceAndTiers';
import { SearchWithinTypeIndex1732800000000 } from './migrations/1732800000000-SearchWithinTypeIndex';
import { ActiveTypeCreatedIndex1732810000000 } from './migrations/1732810000000-ActiveTypeCreatedIndex';
import { externalOffersConsumer } from './modules/external-offer/external-offer.consumer';
import { listingsDataSubject } from './modules/data-subject/data-subject.service';
import { ListingEntity } from './modules/listing/listing.entity';
import { ListingMutationResolver } from './modules/listing/listing-mutation.resolver';
import { resolveListingReference } from './modules/listing/listing.reference';
import { ListingResolver } from './modules/listing/listing.resolver';
import { MatchRequestEntity, MatchResultEntity } from './modules/match/match.entity';
import { resolveMatchRequestReference } from './modules/match/match.reference';
import { MatchRequestResolver, MatchResolver } from './modules/match/match.resolver';
import { ExternalOffer } from './modules/match/match.type';
import { OrderEntity } from './modules/order/order.entity';
import { resolveOrderReference } from './modules/order/order.reference';
import { OrderResolver } from './modules/order/order.resolver';
import { UserListingsResolver } from './modules/user/user.resolver';
import { listingsPermissions } from './permissions';

export const listingsMatchingSubgraph: SubgraphModule<ListingsLoaders> = {
  name: 'listings-matching',
  dbSchema: 'listings',
  entities: [ListingEntity, OrderEntity, MatchRequestEntity, MatchResultEntity],
  migrations: [
    CreateListings1732233600000,
    SearchOrdersMatches1732320000000,
    CreateEventTables1732400000000,
    ExternalOffersReadModel1732480000000,
    CatalogueIndexes1732600000000,
    EventTraceMetadata1732610000000,
    CatalogueStatistics1732620000000,
    MatchReferenceAndTiers1732700000000,
    SearchWithinTypeIndex1732800000000,
    ActiveTypeCreatedIndex1732810000000,
  ],
  outbox: true,
  consumers: [externalOffersConsumer],
  resolvers: [
    ListingResolver,
    ListingMutationResolver,
    UserListingsResolver,
    OrderResolver,
    MatchRequestResolver,
    MatchResolver,
  ],
  orphanedTypes: [ExternalOffer],
  referenceResolvers: {
    Listing: { __resolveReference: resolveListingReference },
    Order: { __resolveReference: resolveOrderReference },
    MatchRequest: { __resolveReference: resolveMatchRequestReference },
    User: { __resolveReference: (reference: { id: string }, _ctx: ListingsContext) => ({ id: reference.id }) },
  },
  permissions: listingsPermissions,
  createLoaders: createListingsLoaders,
  dataSubject: listingsDataSubject,
};
