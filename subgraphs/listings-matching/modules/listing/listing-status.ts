import { registerEnumType } from 'type-graphql';

export enum ListingStatus {
  DRAFT = 'DRAFT',
  ACTIVE = 'ACTIVE',
  PAUSED = 'PAUSED',
  SOLD_OUT = 'SOLD_OUT',
  ARCHIVED = 'ARCHIVED',
}
registerEnumType(ListingStatus, { name: 'ListingStatus' });

export enum ListingSort {
  NEWEST = 'NEWEST',
  PRICE_ASC = 'PRICE_ASC',
  PRICE_DESC = 'PRICE_DESC',
  SOCIAL_IMPACT = 'SOCIAL_IMPACT',
}
registerEnumType(ListingSort, { name: 'ListingSort' });
