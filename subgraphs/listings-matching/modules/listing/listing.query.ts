import type { SelectQueryBuilder } from 'typeorm';
import type { Viewer } from '../../../../platform/auth/viewer';
import { isAdmin } from '../../../../platform/auth/viewer';
import { BadUserInputError } from '../../../../platform/errors';
import { decodeCursor, encodeCursor, type CursorKind } from '../../../../platform/schema/connection';
import { isUuid } from '../../../../platform/schema/ids';
import { ListingSort, ListingStatus } from './listing-status';
import type { ListingEntity } from './listing.entity';
import type { ListingFilter } from './listing.input';

const MAX_SEARCH_TEXT = 200;
const MONEY = /^\d{1,10}(\.\d{1,2})?$/;

function money(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!MONEY.test(value)) throw new BadUserInputError(`${field} must be a decimal amount with at most two places`, `filter.${field}`);
  return value;
}

/** Sort key per sort order: the column, its direction, and how the cursor value is read back. */
const SORTS: Record<ListingSort, { column: string; direction: 'ASC' | 'DESC'; cast: string; kind: CursorKind; value: (l: ListingEntity) => string | number }> = {
  NEWEST: { column: 'l.created_at', direction: 'DESC', cast: 'timestamptz', kind: 'timestamp', value: (l) => l.createdAt.toISOString() },
  PRICE_ASC: { column: 'l.price_per_kg', direction: 'ASC', cast: 'numeric', kind: 'decimal', value: (l) => l.pricePerKg },
  PRICE_DESC: { column: 'l.price_per_kg', direction: 'DESC', cast: 'numeric', kind: 'decimal', value: (l) => l.pricePerKg },
  SOCIAL_IMPACT: { column: 'l.social_impact_score', direction: 'DESC', cast: 'real', kind: 'real', value: (l) => l.socialImpactScore },
};

/**
 * Applies a filter with the viewer's visibility: anonymous callers and other users see ACTIVE
 * listings only; a seller also sees their own in any status; ADMIN sees all.
 */
export function applyListingFilter(q: SelectQueryBuilder<ListingEntity>, filter: ListingFilter | undefined, viewer: Viewer | null) {
  const f = filter ?? {};
  if (f.productType) q.andWhere('l.product_type = :productType', { productType: f.productType });
  if (f.province) q.andWhere('l.province = :province', { province: f.province });
  const min = money(f.minPricePerKg, 'minPricePerKg');
  const max = money(f.maxPricePerKg, 'maxPricePerKg');
  if (min !== undefined) q.andWhere('l.price_per_kg >= :minPrice::numeric', { minPrice: min });
  if (max !== undefined) q.andWhere('l.price_per_kg <= :maxPrice::numeric', { maxPrice: max });
  if (f.minAvailableKg !== undefined && f.minAvailableKg !== null) {
    if (!Number.isFinite(f.minAvailableKg) || f.minAvailableKg < 0) throw new BadUserInputError('minAvailableKg must be zero or more', 'filter.minAvailableKg');
    q.andWhere('l.available_kg >= :minAvailable', { minAvailable: f.minAvailableKg });
  }
  if (f.text !== undefined && f.text !== null) {
    const text = f.text.trim();
    if (text.length > MAX_SEARCH_TEXT) throw new BadUserInputError(`text must be at most ${MAX_SEARCH_TEXT} characters`, 'filter.text');
    // websearch_to_tsquery never fails on user syntax ("quoted phrases", -exclusions, OR)
    if (text) q.andWhere(`l.search @@ websearch_to_tsquery('english', :text)`, { text });
  }
  if (f.socialImpactOnly) q.andWhere('l.social_impact_score > 0');
  if (f.sellerId !== undefined && f.sellerId !== null) {
    if (!isUuid(f.sellerId)) throw new BadUserInputError('sellerId is not a valid id', 'filter.sellerId');
    q.andWhere('l.seller_id = :sellerId', { sellerId: f.sellerId });
  }
  if (f.status) q.andWhere('l.status = :status', { status: f.status });
  if (!isAdmin(viewer)) {
    if (viewer) q.andWhere('(l.status = :active OR l.seller_id = :viewerId)', { active: ListingStatus.ACTIVE, viewerId: viewer.userId });
    else q.andWhere('l.status = :active', { active: ListingStatus.ACTIVE });
  }
  return q;
}

/** Keyset pagination: rows strictly after the cursor in (sort key, id) order; never OFFSET. */
export function applyListingPage(q: SelectQueryBuilder<ListingEntity>, sort: ListingSort, after: string | null | undefined, limit: number) {
  const s = SORTS[sort];
  const cursor = decodeCursor(after, [s.kind, 'uuid'] as const);
  if (cursor) {
    const op = s.direction === 'DESC' ? '<' : '>';
    q.andWhere(`(${s.column}, l.id) ${op} (:cursorValue::${s.cast}, :cursorId::uuid)`, { cursorValue: cursor[0], cursorId: cursor[1] });
  }
  return q.orderBy(s.column, s.direction).addOrderBy('l.id', s.direction).limit(limit + 1);
}

export function listingCursor(sort: ListingSort, row: ListingEntity): string {
  return encodeCursor([SORTS[sort].value(row), row.id]);
}
