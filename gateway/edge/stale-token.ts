import { Kind, parse, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { TokenRefusalReason } from '#platform/infra/auth/viewer';

/**
 * What a query with a stale token gets (docs/revocation.md): an operation that reads only public
 * root fields is answered as anonymous, with a warning in `extensions.warnings`, because a catalogue
 * page must not break when a token lapses. Anything else — `me`, any mutation, any field that needs
 * a signed-in user — gets 401 with the reason, so the client refreshes or signs in again.
 *
 * These are the root fields API.md calls public (test/authz/access.json marks them `public`; `me`
 * is public too, but it is about the caller, so a stale token there is an error, not a null).
 */
export const PUBLIC_ROOT_FIELDS: ReadonlySet<string> = new Set([
  'listings',
  'listing',
  'dataSources',
  'marketPriceIndex',
  'systemHealth',
  '__typename',
]);

function rootFieldsArePublic(document: DocumentNode, selectionSet: SelectionSetNode, depth = 0): boolean {
  if (depth > 5) return false;
  return selectionSet.selections.every((s) => {
    if (s.kind === Kind.FIELD) return PUBLIC_ROOT_FIELDS.has(s.name.value);
    if (s.kind === Kind.INLINE_FRAGMENT) return rootFieldsArePublic(document, s.selectionSet, depth + 1);
    const fragment = document.definitions.find(
      (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value,
    );
    return (
      !!fragment &&
      fragment.kind === Kind.FRAGMENT_DEFINITION &&
      rootFieldsArePublic(document, fragment.selectionSet, depth + 1)
    );
  });
}

/** True when the request's operation is a query of public root fields only (a persisted hash alone is not known here: false). */
export function isPublicOperation(body: unknown, search: string): boolean {
  let query: unknown;
  let operationName: unknown;
  if (body && typeof body === 'object')
    ({ query, operationName } = body as { query?: unknown; operationName?: unknown });
  else if (search) {
    const params = new URLSearchParams(search);
    query = params.get('query');
    operationName = params.get('operationName');
  }
  if (typeof query !== 'string' || query.length > 100_000) return false;
  try {
    const document = parse(query);
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const operation =
      typeof operationName === 'string' && operationName
        ? operations.find((o) => o.kind === Kind.OPERATION_DEFINITION && o.name?.value === operationName)
        : operations.length === 1
          ? operations[0]
          : undefined;
    if (!operation || operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query') return false;
    return rootFieldsArePublic(document, operation.selectionSet);
  } catch {
    return false;
  }
}

export interface StaleTokenWarning {
  code: 'UNAUTHENTICATED';
  reason: TokenRefusalReason;
  message: string;
}

export function staleTokenWarning(reason: TokenRefusalReason): StaleTokenWarning {
  return {
    code: 'UNAUTHENTICATED',
    reason,
    message:
      reason === 'TOKEN_EXPIRED'
        ? 'The access token has expired: answered as anonymous; refresh it to act as yourself'
        : 'The access token was not accepted: answered as anonymous; sign in again to act as yourself',
  };
}

/** Puts the warning of a stale-token request into the response's `extensions.warnings`. */
export function staleTokenPlugin(): ApolloServerPlugin<{ tokenWarning?: StaleTokenWarning }> {
  return {
    async requestDidStart({ contextValue }) {
      if (!contextValue.tokenWarning) return;
      const warning = contextValue.tokenWarning;
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const previous = (result.extensions?.warnings as unknown[] | undefined) ?? [];
          result.extensions = { ...result.extensions, warnings: [...previous, warning] };
        },
      };
    },
  };
}
