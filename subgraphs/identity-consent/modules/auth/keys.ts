import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { loadSigningKeys, type SigningKeys } from '#platform/infra/auth/keys';

const cache = new WeakMap<SubgraphDeps, Promise<SigningKeys>>();

/** The token signing keys, loaded once per running subgraph. */
export function signingKeys(deps: SubgraphDeps): Promise<SigningKeys> {
  let keys = cache.get(deps);
  if (!keys) {
    keys = loadSigningKeys(deps.config.JWT_PRIVATE_KEYS, deps.config.DATA_DIR);
    cache.set(deps, keys);
  }
  return keys;
}
