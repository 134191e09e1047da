import { and, chain } from 'graphql-shield';
import {
  createRateLimitStore,
  normaliseEmailKey,
  rateLimitRules,
  type FieldRules,
  type RateLimitStore,
} from '#platform/infra/shield/rate-limit';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { IdentityContext } from './context.type';

const stores = new WeakMap<SubgraphDeps, RateLimitStore>();

/** One counter store per running subgraph: Redis when REDIS_URL is set (shared by replicas), else memory. */
export function rateLimitStore(deps: SubgraphDeps): RateLimitStore {
  let store = stores.get(deps);
  if (!store) {
    store = createRateLimitStore(deps.config.REDIS_URL, `${deps.config.REDIS_KEY_PREFIX}identity:`, (err) =>
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

/** The limits on sign-in, registration, token refresh and consent, from configuration. */
export function identityRateLimits(deps: SubgraphDeps): FieldRules {
  const c = deps.config;
  const store = rateLimitStore(deps);
  const onError = (err: unknown) =>
    deps.log.error({ err }, 'rate limits could not be checked; refusing the limited field');
  const byIp = rateLimitRules(store, (ctx: IdentityContext) => `ip:${ctx.client.ip ?? 'unknown'}`, onError);
  const byUser = rateLimitRules(
    store,
    (ctx: IdentityContext) => (ctx.viewer ? `user:${ctx.viewer.userId}` : `ip:${ctx.client.ip ?? 'unknown'}`),
    onError,
  );
  // Every address together: more source addresses buy no more guesses at one account.
  const byAccount = rateLimitRules(store, () => 'account', onError);
  const window = c.RATE_LIMIT_WINDOW_SECONDS;
  const perIp = (max: number) => byIp({ max, windowSeconds: window });
  const perEmail = (limits: typeof byIp, max: number, path: string) =>
    limits({ max, windowSeconds: window, identityArgs: [path], normalise: normaliseEmailKey });
  return {
    Mutation: {
      register: and(
        perIp(c.RATE_LIMIT_REGISTER_PER_IP),
        perEmail(byIp, c.RATE_LIMIT_REGISTER_PER_EMAIL, 'input.email'),
      ),
      // chain, not and: an attempt one limit refuses is not counted against the next (and runs them all at once)
      login: chain(
        perIp(c.RATE_LIMIT_LOGIN_PER_IP),
        perEmail(byIp, c.RATE_LIMIT_LOGIN_PER_EMAIL, 'email'),
        perEmail(byAccount, c.RATE_LIMIT_LOGIN_PER_ACCOUNT, 'email'),
      ),
      refreshToken: perIp(c.RATE_LIMIT_REFRESH_PER_IP),
      logout: perIp(c.RATE_LIMIT_REFRESH_PER_IP),
      grantConsent: byUser({ max: c.RATE_LIMIT_CONSENT_PER_USER, windowSeconds: window }),
    },
  };
}
