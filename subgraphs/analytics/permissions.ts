import { allow, isAdminRule, isAuthenticated } from '#platform/infra/shield/shield';

/**
 * Every field of this subgraph and who may see it. Anything not listed is denied. The result types
 * of ADMIN queries are reachable only through those queries (none is an entity), so their fields
 * are allowed once the query's own rule has passed.
 */
export const analyticsPermissions = {
  Query: {
    systemHealth: allow,
    marketPriceIndex: allow,
    experimentVariant: isAuthenticated,
    interactionAnalytics: isAdminRule,
    mlStatus: isAdminRule,
    featureVectors: isAdminRule,
    performanceMetrics: isAdminRule,
  },
  Mutation: {
    logInteraction: isAuthenticated,
  },
  SystemHealth: allow,
  ServiceHealth: allow,
  PricePoint: allow,
  Money: allow,
  InteractionAnalytics: allow,
  InteractionCount: allow,
  SeriesPoint: allow,
  Funnel: allow,
  ProductTypeCount: allow,
  MlStatus: allow,
  FeatureDefinition: allow,
  FeatureVectorConnection: allow,
  FeatureVectorEdge: allow,
  FeatureVector: allow,
  PageInfo: allow,
  PerformanceReport: allow,
  OperationStats: allow,
};
