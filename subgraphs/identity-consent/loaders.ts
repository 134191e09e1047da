import type { SubgraphDeps } from '../../platform/subgraph';
import { createUserByIdLoader } from './modules/user/user.loader';

export function createIdentityLoaders(deps: SubgraphDeps) {
  return {
    userById: createUserByIdLoader(deps.db.dataSource),
  };
}
export type IdentityLoaders = ReturnType<typeof createIdentityLoaders>;
