import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { ListingsContext } from '../../context.type';
import type { EventPayload } from '#platform/contracts/events/catalogue';
import type { ListingEntity } from './listing.entity';
import type { ListingFilter } from './listing.input';
import type { ListingSort } from './listing-status';

/**
 * Read events, recorded without a statement of their own (`Outbox.record` batches them). A payload
 * that fails validation is logged and does not fail the read: the caller asked for listings, and
 * analytics losing one view is the lesser harm.
 */
export function recordListingViewed(deps: SubgraphDeps, ctx: ListingsContext, row: ListingEntity): void {
  try {
    deps.outbox.record({
      type: 'listing.viewed',
      payload: { listingId: row.id, sellerId: row.sellerId, viewerId: ctx.viewer?.userId ?? null },
    });
  } catch (err) {
    ctx.log.error({ err, listingId: row.id }, 'could not record listing.viewed');
  }
}

export function recordSearchPerformed(
  deps: SubgraphDeps,
  ctx: ListingsContext,
  filter: ListingFilter | undefined,
  sort: ListingSort,
  resultCount: number,
): void {
  const criteria: EventPayload<'search.performed'>['criteria'] = { sort };
  for (const [key, value] of Object.entries(filter ?? {})) {
    // Free text is left out: words a person typed can name a person, and payloads carry ids, never
    // names (contracts/events/catalogue.ts). The search is recorded with its other criteria.
    if (key === 'text') continue;
    if (value !== undefined && value !== null) (criteria as Record<string, unknown>)[key] = value;
  }
  try {
    deps.outbox.record({
      type: 'search.performed',
      payload: { userId: ctx.viewer?.userId ?? null, criteria, resultCount },
    });
  } catch (err) {
    ctx.log.error({ err }, 'could not record search.performed');
  }
}

/** The listing as the catalogue's snapshot: ids and market facts, never the title or description. */
export function listingSnapshot(row: ListingEntity): EventPayload<'listing.created'> {
  return {
    listingId: row.id,
    sellerId: row.sellerId,
    productType: row.productType,
    province: row.province,
    pricePerKg: decimal(row.pricePerKg, 2),
    quantityKg: decimal(row.quantityKg, 3),
    availableKg: decimal(row.availableKg, 3),
    status: row.status,
    socialImpact: {
      smallScaleFarmer: row.smallScaleFarmer,
      womenOwned: row.womenOwned,
      youthOwned: row.youthOwned,
      communityOwned: row.communityOwned,
      beeLevel: row.beeLevel ?? null,
      score: Number(row.socialImpactScore),
    },
    certificationCount: row.certifications.length,
    certifications: row.certifications,
  };
}

/** True when the listing names any social impact attribute. */
export function hasSocialImpact(
  row: Pick<ListingEntity, 'smallScaleFarmer' | 'womenOwned' | 'youthOwned' | 'communityOwned' | 'beeLevel'>,
): boolean {
  return row.smallScaleFarmer || row.womenOwned || row.youthOwned || row.communityOwned || row.beeLevel !== null;
}

/** A numeric column (a string from the driver) as the catalogue's decimal with `places` places. */
export function decimal(value: string | number, places: 2 | 3): string {
  return Number(value).toFixed(places);
}
