/**
 * Entity fields whose answer is the same whoever asks: public by their subgraph's shield rule
 * (`allow`), resolved without looking at the viewer, and reached through a reference resolver that
 * does not look at the viewer either. A gateway fetches them without the caller's identity, so a
 * signed-in user's request for a seller's display name shares its subgraph call with everyone
 * else's in flight (the anonymous scope of subgraph-dedupe.ts) and the subgraph is not told who is
 * browsing (it does not need to know). Only what is listed here; anything else keeps the identity.
 *
 * Owned by the subgraph that resolves the type: adding a field is that subgraph's promise, checked
 * by test/public-entities.int.test.ts (the rule is `allow` and the answer is identical for
 * anonymous, signed-in and admin callers).
 *
 * The gateway also keeps these fields per entity (gateway/entity-cache.ts, up to
 * ENTITY_CACHE_TTL_MS) and forgets them when an erasure purges the public caches. So a listed field
 * changes only by an erasure, or its subgraph purges the caches whenever it changes
 * (EventRuntime.purgeResponseCaches). A display name changes only by an erasure.
 */
export const VIEWER_INDEPENDENT_ENTITY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  // identity-consent: the name a seller trades under, shown beside every listing
  User: ['id', 'displayName'],
};
