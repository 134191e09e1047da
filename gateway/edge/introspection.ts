import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { isAdmin } from '#platform/infra/auth/viewer';
import { ForbiddenError } from '#platform/infra/errors';
import type { GatewayContext } from '../context.type';

function asksForSchema(
  selectionSet: SelectionSetNode | undefined,
  fragments: Record<string, SelectionSetNode>,
  seen = new Set<string>(),
): boolean {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD && (selection.name.value === '__schema' || selection.name.value === '__type'))
      return true;
    if (selection.kind === Kind.INLINE_FRAGMENT && asksForSchema(selection.selectionSet, fragments, seen)) return true;
    if (selection.kind === Kind.FRAGMENT_SPREAD && !seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      if (asksForSchema(fragments[selection.name.value], fragments, seen)) return true;
    }
  }
  return false;
}

const SUGGESTION = /\s*Did you mean .*\?$/;

/**
 * In production the schema is for administrators: introspection is refused to everyone else, and
 * "Did you mean …?" hints are stripped from their errors so the schema cannot be guessed field by
 * field. In development both stay open.
 */
export function adminOnlySchemaPlugin(isProduction: boolean): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (!isProduction || isAdmin(contextValue.viewer)) return;
      return {
        async didResolveOperation({ document, operation }) {
          const fragments: Record<string, SelectionSetNode> = {};
          for (const d of document.definitions)
            if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d.selectionSet;
          if (asksForSchema((operation as OperationDefinitionNode).selectionSet, fragments)) {
            throw new ForbiddenError('Introspection is available to administrators only');
          }
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
          response.body.singleResult.errors = response.body.singleResult.errors.map((e) =>
            SUGGESTION.test(e.message) ? { ...e, message: e.message.replace(SUGGESTION, '') } : e,
          );
        },
      };
    },
  };
}
