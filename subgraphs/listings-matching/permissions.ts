import { allow } from '../../platform/shield';

/** Every field of this subgraph and who may see it. Anything not listed is denied. */
export const listingsPermissions = {
  Query: {
    listing: allow,
    listings: allow,
  },
  Listing: allow,
  SocialImpact: allow,
  Money: allow,
  ListingConnection: allow,
  ListingEdge: allow,
  PageInfo: allow,
  User: {
    id: allow,
    listings: allow,
  },
};
