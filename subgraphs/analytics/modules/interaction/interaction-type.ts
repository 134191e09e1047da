import { registerEnumType } from 'type-graphql';

export enum InteractionType {
  SEARCH = 'SEARCH',
  MATCH_REQUEST = 'MATCH_REQUEST',
  LISTING_VIEW = 'LISTING_VIEW',
  ORDER = 'ORDER',
  CONSENT_GRANTED = 'CONSENT_GRANTED',
  CONSENT_WITHDRAWN = 'CONSENT_WITHDRAWN',
}
registerEnumType(InteractionType, { name: 'InteractionType' });
