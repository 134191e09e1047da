import { Kind, parse, type DocumentNode, type SelectionSetNode } from 'graphql';
import { VIEWER_INDEPENDENT_ENTITY_FIELDS } from '#platform/contracts/public-entities';

/**
 * Whether a subgraph fetch of a query plan may go out without the caller's identity: an `_entities`
 * query that selects only fields listed in VIEWER_INDEPENDENT_ENTITY_FIELDS, as plain fields on
 * inline fragments of their types. Anything else (another root field, a mutation, a named
 * fragment, a directive, a nested selection, an alias, an unlisted field) keeps the identity.
 *
 * The answer is remembered per query text: a gateway's query plans hold a bounded set of them.
 */
const MAX_REMEMBERED = 2_000;
const remembered = new Map<string, boolean>();

export function isViewerIndependentFetch(query: string | undefined): boolean {
  if (!query) return false;
  let answer = remembered.get(query);
  if (answer === undefined) {
    try {
      answer = isViewerIndependentDocument(parse(query, { noLocation: true }));
    } catch {
      answer = false;
    }
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(query, answer);
  }
  return answer;
}

export function isViewerIndependentDocument(document: DocumentNode): boolean {
  if (document.definitions.length !== 1) return false;
  const [operation] = document.definitions;
  if (operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query') return false;
  if (operation.directives?.length) return false;
  const roots = operation.selectionSet.selections;
  if (roots.length !== 1) return false;
  const [root] = roots;
  if (root.kind !== Kind.FIELD || root.name.value !== '_entities' || root.alias || root.directives?.length)
    return false;
  if (root.arguments?.length !== 1 || root.arguments[0].name.value !== 'representations') return false;
  return !!root.selectionSet && onlyListedFields(root.selectionSet);
}

function onlyListedFields(entities: SelectionSetNode): boolean {
  for (const selection of entities.selections) {
    if (selection.kind === Kind.FIELD) {
      // `__typename` beside the fragments says nothing about anyone
      if (selection.name.value !== '__typename' || selection.alias || selection.directives?.length) return false;
      continue;
    }
    if (selection.kind !== Kind.INLINE_FRAGMENT || !selection.typeCondition || selection.directives?.length)
      return false;
    const listed = VIEWER_INDEPENDENT_ENTITY_FIELDS[selection.typeCondition.name.value];
    if (!listed) return false;
    for (const field of selection.selectionSet.selections) {
      if (field.kind !== Kind.FIELD || field.alias || field.directives?.length || field.selectionSet) return false;
      if (field.name.value !== '__typename' && !listed.includes(field.name.value)) return false;
    }
  }
  return entities.selections.length > 0;
}
