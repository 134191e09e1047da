import { allow, isAuthenticated } from '../../platform/shield';

/** Every field of this subgraph and who may see it. Anything not listed is denied. */
export const analyticsPermissions = {
  Query: {
    systemHealth: allow,
  },
  Mutation: {
    logInteraction: isAuthenticated,
  },
  SystemHealth: allow,
  ServiceHealth: allow,
};
