import { allow } from '../../platform/shield';

/** Every field of this subgraph and who may see it. Anything not listed is denied. */
export const externalPermissions = {
  Query: {
    dataSources: allow,
  },
  DataSource: allow,
};
