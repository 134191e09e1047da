import 'reflect-metadata';
import { createTokenVerifier } from '../../platform/auth/viewer';
import type { SubgraphModule } from '../../platform/subgraph';
import { createIdentityLoaders, type IdentityLoaders } from './loaders';
import { CreateUsers1732233600000 } from './migrations/1732233600000-CreateUsers';
import { signingKeys } from './modules/auth/keys';
import { ensureBootstrapAdmin } from './modules/user/bootstrap-admin';
import { UserEntity } from './modules/user/user.entity';
import { resolveUserReference } from './modules/user/user.reference';
import { UserResolver } from './modules/user/user.resolver';
import { identityPermissions } from './permissions';

export const identityConsentSubgraph: SubgraphModule<IdentityLoaders> = {
  name: 'identity-consent',
  dbSchema: 'identity',
  entities: [UserEntity],
  migrations: [CreateUsers1732233600000],
  resolvers: [UserResolver],
  referenceResolvers: { User: { __resolveReference: resolveUserReference } },
  permissions: identityPermissions,
  createLoaders: createIdentityLoaders,
  async createVerifier(deps) {
    const keys = await signingKeys(deps);
    return createTokenVerifier({ issuer: deps.config.JWT_ISSUER, audience: deps.config.JWT_AUDIENCE, localJwks: keys.jwks });
  },
  async routes(deps) {
    const body = JSON.stringify((await signingKeys(deps)).jwks);
    return {
      '/.well-known/jwks.json': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
        res.end(body);
      },
    };
  },
  onStart: ensureBootstrapAdmin,
};
