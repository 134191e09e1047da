import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { createConsentByIdLoader, createConsentsByUserLoader } from './modules/consent/consent.loader';
import { createUserByIdLoader } from './modules/user/user.loader';
import { createDataSubjectRequestByIdLoader } from './modules/data-subject/data-subject.loader';

export function createIdentityLoaders(deps: SubgraphDeps) {
  return {
    userById: createUserByIdLoader(deps.db.dataSource),
    consentById: createConsentByIdLoader(deps.db.dataSource),
    consentsByUser: createConsentsByUserLoader(deps.db.dataSource),
    dataSubjectRequestById: createDataSubjectRequestByIdLoader(deps.db.dataSource),
  };
}
export type IdentityLoaders = ReturnType<typeof createIdentityLoaders>;
