import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { AppConfig } from '#platform/infra/config';

/**
 * Depth, alias, directive and token limits on every operation, before it is planned.
 * Refusals are validation or parse errors, which leave the gateway as BAD_USER_INPUT (400).
 * Field suggestions are handled per caller (admins keep them), see introspection.ts.
 */
export function createArmor(config: AppConfig) {
  const armor = new ApolloArmor({
    maxDepth: { n: config.MAX_QUERY_DEPTH, ignoreIntrospection: true },
    maxAliases: { n: config.MAX_QUERY_ALIASES },
    maxDirectives: { n: config.MAX_QUERY_DIRECTIVES },
    maxTokens: { n: config.MAX_QUERY_TOKENS },
    // Cost is priced with the request's variables by operationLimitsPlugin (graphql-query-complexity);
    // armor's cost rule only sees page sizes written as literals.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect();
}
