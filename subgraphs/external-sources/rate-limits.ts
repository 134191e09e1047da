import {
  createRateLimitStore,
  rateLimitRules,
  type FieldRules,
  type RateLimitStore,
} from '#platform/infra/shield/rate-limit';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { ExternalContext } from './context.type';

const stores = new WeakMap<SubgraphDeps, RateLimitStore>();

function rateLimitStore(deps: SubgraphDeps): RateLimitStore {
  let store = stores.get(deps);
  if (!store) {
    store = createRateLimitStore(deps.config.REDIS_URL, `${deps.config.REDIS_KEY_PREFIX}external:`, (err) =>
      deps.log.warn({ err: err.message }, 'rate-limit store: Redis error'),
    );
    stores.set(deps, store);
  }
  return store;
}

export async function closeRateLimitStore(deps: SubgraphDeps): Promise<void> {
  await stores.get(deps)?.close();
  stores.delete(deps);
}

/** Connection tests call a partner with a user's own credential: a few per user per window. */
export function externalRateLimits(deps: SubgraphDeps): FieldRules {
  const byUser = rateLimitRules(
    rateLimitStore(deps),
    // the permission rule before it admits signed-in users only
    (ctx: ExternalContext) => `user:${ctx.viewer?.userId ?? 'anonymous'}`,
    (err) => deps.log.error({ err }, 'rate limits could not be checked; refusing the limited field'),
  );
  return {
    Mutation: {
      testDataSourceConnection: byUser({
        max: deps.config.RATE_LIMIT_CONNECTION_TEST_PER_USER,
        windowSeconds: deps.config.RATE_LIMIT_WINDOW_SECONDS,
      }),
    },
  };
}
