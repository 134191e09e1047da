import { isAdmin, type Viewer } from '#platform/infra/auth/viewer';
import { ListingStatus } from './listing-status';

/**
 * Who may see one listing by id: anyone while it is ACTIVE, otherwise its seller or an ADMIN.
 * The root field `listing(id)` and the entity reference (`_entities`) both ask this.
 */
export function isListingVisibleTo(
  row: { status: string; sellerId: string },
  viewer: Viewer | null | undefined,
): boolean {
  return row.status === ListingStatus.ACTIVE || isAdmin(viewer) || (!!viewer && row.sellerId === viewer.userId);
}
