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

/**
 * What such a fetch selects of each entity type, as a signature: `User{__typename,displayName}`.
 * Two fetches whose signatures for a type agree get the same answer for the same representation,
 * whatever their operation names (the entity cache keys on it: entity-cache.ts).
 */
export type PublicSelections = ReadonlyMap<string, string>;

const remembered = new Map<string, PublicSelections | null>();

/** The selection signature per type of a viewer-independent fetch, or null for any other fetch. */
export function publicSelections(query: string | undefined): PublicSelections | null {
  if (!query) return null;
  let answer = remembered.get(query);
  if (answer === undefined) {
    try {
      answer = viewerIndependentSelections(parse(query, { noLocation: true }));
    } catch {
      answer = null;
    }
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(query, answer);
  }
  return answer;
}

export function isViewerIndependentFetch(query: string | undefined): boolean {
  return publicSelections(query) !== null;
}

export function isViewerIndependentDocument(document: DocumentNode): boolean {
  return viewerIndependentSelections(document) !== null;
}

function viewerIndependentSelections(document: DocumentNode): PublicSelections | null {
  if (document.definitions.length !== 1) return null;
  const [operation] = document.definitions;
  if (operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query') return null;
  if (operation.directives?.length) return null;
  const roots = operation.selectionSet.selections;
  if (roots.length !== 1) return null;
  const [root] = roots;
  if (root.kind !== Kind.FIELD || root.name.value !== '_entities' || root.alias || root.directives?.length) return null;
  if (root.arguments?.length !== 1 || root.arguments[0].name.value !== 'representations') return null;
  return root.selectionSet ? listedFieldsOnly(root.selectionSet) : null;
}

function listedFieldsOnly(entities: SelectionSetNode): PublicSelections | null {
  let typename = false;
  const fields = new Map<string, Set<string>>();
  for (const selection of entities.selections) {
    if (selection.kind === Kind.FIELD) {
      // `__typename` beside the fragments says nothing about anyone
      if (selection.name.value !== '__typename' || selection.alias || selection.directives?.length) return null;
      typename = true;
      continue;
    }
    if (selection.kind !== Kind.INLINE_FRAGMENT || !selection.typeCondition || selection.directives?.length)
      return null;
    const type = selection.typeCondition.name.value;
    const listed = VIEWER_INDEPENDENT_ENTITY_FIELDS[type];
    if (!listed) return null;
    const selected = fields.get(type) ?? new Set<string>();
    for (const field of selection.selectionSet.selections) {
      if (field.kind !== Kind.FIELD || field.alias || field.directives?.length || field.selectionSet) return null;
      if (field.name.value !== '__typename' && !listed.includes(field.name.value)) return null;
      selected.add(field.name.value);
    }
    fields.set(type, selected);
  }
  if (!entities.selections.length) return null;
  const signatures = new Map<string, string>();
  for (const [type, selected] of fields) {
    if (typename) selected.add('__typename');
    signatures.set(type, `${type}{${[...selected].sort().join(',')}}`);
  }
  return signatures;
}
