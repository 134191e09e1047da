import { allow, isAdminRule, isAuthenticated } from '#platform/infra/shield/shield';

/** Every field of this subgraph and who may see it. Anything not listed is denied. */
export const externalPermissions = {
  Query: {
    dataSources: allow,
    // Consent per source is checked in the resolver, against identity-consent, on every request.
    externalOffers: isAuthenticated,
    crawlRuns: isAdminRule,
    crawlRun: isAdminRule,
  },
  Mutation: {
    triggerCrawl: isAdminRule,
    storeDataSourceCredential: isAuthenticated,
    deleteDataSourceCredential: isAuthenticated,
    testDataSourceConnection: isAuthenticated,
  },
  DataSource: {
    id: allow,
    slug: allow,
    name: allow,
    description: allow,
    kind: allow,
    requiredAccessLevel: allow,
    health: allow,
    lastCrawl: isAdminRule,
  },
  // Reached only through consent-gated paths (externalOffers, _entities); never anonymously.
  ExternalOffer: isAuthenticated,
  ExternalOfferConnection: isAuthenticated,
  ExternalOfferEdge: isAuthenticated,
  LicenceCheck: isAuthenticated,
  Money: allow,
  PageInfo: allow,
  ConnectionTestResult: isAuthenticated,
  CrawlRun: isAdminRule,
  CrawlRunConnection: isAdminRule,
  CrawlRunEdge: isAdminRule,
  SourceCrawlResult: isAdminRule,
  CrawlRejection: isAdminRule,
  CrawlRejectionConnection: isAdminRule,
  CrawlRejectionEdge: isAdminRule,
};
