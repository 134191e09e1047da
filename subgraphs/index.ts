import { analyticsSubgraph } from './analytics/server';
import { externalSourcesSubgraph } from './external-sources/server';
import { identityConsentSubgraph } from './identity-consent/server';
import { listingsMatchingSubgraph } from './listings-matching/server';

/** Every subgraph, in the order they start and compose. */
export const SUBGRAPHS = [
  identityConsentSubgraph,
  listingsMatchingSubgraph,
  externalSourcesSubgraph,
  analyticsSubgraph,
] as const;
