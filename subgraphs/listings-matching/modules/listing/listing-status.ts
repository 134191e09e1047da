import { registerEnumType } from 'type-graphql';

export enum ListingStatus {
  DRAFT = 'DRAFT',
  ACTIVE = 'ACTIVE',
  PAUSED = 'PAUSED',
  SOLD_OUT = 'SOLD_OUT',
  ARCHIVED = 'ARCHIVED',
}
registerEnumType(ListingStatus, {
  name: 'ListingStatus',
  description:
    'Transitions: DRAFT → ACTIVE | ARCHIVED; ACTIVE → PAUSED | ARCHIVED; PAUSED → ACTIVE | ARCHIVED; SOLD_OUT → ACTIVE | PAUSED | ARCHIVED; ARCHIVED is final. ' +
    'SOLD_OUT is set by the system when the last kilogram is ordered and lifted when stock returns; ACTIVE needs stock.',
});

export enum ListingSort {
  NEWEST = 'NEWEST',
  PRICE_ASC = 'PRICE_ASC',
  PRICE_DESC = 'PRICE_DESC',
  SOCIAL_IMPACT = 'SOCIAL_IMPACT',
}
registerEnumType(ListingSort, { name: 'ListingSort' });

/**
 * Which status a seller (or ADMIN) may move a listing to, from each status.
 *
 * | from \ to | DRAFT | ACTIVE | PAUSED | SOLD_OUT | ARCHIVED |
 * |-----------|-------|--------|--------|----------|----------|
 * | DRAFT     |   =   |  yes   |   -    |    -     |   yes    |
 * | ACTIVE    |   -   |   =    |  yes   |    -     |   yes    |
 * | PAUSED    |   -   |  yes   |   =    |    -     |   yes    |
 * | SOLD_OUT  |   -   | yes*   |  yes*  |    =     |   yes    |
 * | ARCHIVED  |   -   |   -    |   -    |    -     |    =     |
 *
 * `=` is a no-op. SOLD_OUT is never chosen by hand: the system sets it when an order takes the last
 * kilogram and lifts it (back to ACTIVE) when a cancellation or a larger quantity returns stock.
 * `*` only with stock (availableKg > 0), as is ACTIVE from any status. A listing never returns to
 * DRAFT once published, and ARCHIVED is final (orders and matches keep pointing at it).
 */
export const STATUS_TRANSITIONS: Record<ListingStatus, readonly ListingStatus[]> = {
  DRAFT: [ListingStatus.ACTIVE, ListingStatus.ARCHIVED],
  ACTIVE: [ListingStatus.PAUSED, ListingStatus.ARCHIVED],
  PAUSED: [ListingStatus.ACTIVE, ListingStatus.ARCHIVED],
  SOLD_OUT: [ListingStatus.ACTIVE, ListingStatus.PAUSED, ListingStatus.ARCHIVED],
  ARCHIVED: [],
};

export function canTransition(from: ListingStatus, to: ListingStatus): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}
