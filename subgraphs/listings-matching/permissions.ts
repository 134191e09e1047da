import { isAdmin, type Viewer } from '#platform/infra/auth/viewer';
import { ForbiddenError, UnauthenticatedError } from '#platform/infra/errors';
import { allow, hasRoleRule, isAuthenticated, isSelfOrAdmin, rule } from '#platform/infra/shield/shield';

/** The order's buyer, the seller of its listing, or ADMIN (the parent is an `Order`). */
const isOrderParty = rule('isOrderParty', { cache: 'no_cache' })((
  parent: { buyerId: string; sellerId: string },
  _args,
  ctx: { viewer: Viewer | null },
) => {
  if (!ctx.viewer) return new UnauthenticatedError();
  const v = ctx.viewer;
  return isAdmin(v) || parent.buyerId === v.userId || parent.sellerId === v.userId
    ? true
    : new ForbiddenError('Only the buyer, the seller or an administrator may see this order');
});

// shield refuses two rule objects with one name: build each role rule once
const isBuyer = hasRoleRule('BUYER');
const isSeller = hasRoleRule('SELLER');

/**
 * Every field of this subgraph and who may see it. Anything not listed is denied. Order and
 * MatchRequest carry their rule on every field, so they stay private when reached through
 * `_entities` or `User.orders` as much as through `order`/`matchRequest`.
 */
export const listingsPermissions = {
  Query: {
    listing: allow,
    listings: allow,
    matchRequest: isAuthenticated,
    order: isAuthenticated,
  },
  Mutation: {
    createListing: isSeller,
    updateListing: isAuthenticated,
    setListingStatus: isAuthenticated,
    requestMatches: isBuyer,
    placeOrder: isBuyer,
    cancelOrder: isAuthenticated,
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
    orders: isSelfOrAdmin('id'),
  },
  Order: isOrderParty,
  OrderConnection: allow,
  OrderEdge: allow,
  MatchRequest: isSelfOrAdmin('buyerId'),
  Match: allow,
  ScoreBreakdown: allow,
  AppliedMatchWeights: allow,
  ExternalOffer: allow,
};
