import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * Whether the field being resolved selects `name` directly (through fragments and inline fragments
 * too), so a resolver can skip work nobody asked for. Without `info` it answers true: never skip
 * what might be needed.
 */
export function selectsField(info: GraphQLResolveInfo | undefined, name: string): boolean {
  return selectedFieldsAt(info, [])?.has(name) ?? true;
}

/**
 * The names of the fields selected at `path` below the field being resolved (through fragments and
 * inline fragments, whatever their alias), e.g. `['edges', 'node']` on a connection: what a
 * resolver needs to load. A field under `@skip` or `@include` counts as selected: a superset is
 * never wrong. Null without `info`: load everything.
 */
export function selectedFieldsAt(info: GraphQLResolveInfo | undefined, path: readonly string[]): Set<string> | null {
  if (!info) return null;
  // every field node of the selection at each step: a field can be selected more than once
  const fieldsIn = (sets: readonly (SelectionSetNode | undefined)[]): FieldNode[] => {
    const out: FieldNode[] = [];
    const seen = new Set<string>();
    const walk = (set: SelectionSetNode | undefined) => {
      for (const sel of set?.selections ?? []) {
        if (sel.kind === 'Field') out.push(sel);
        else if (sel.kind === 'InlineFragment') walk(sel.selectionSet);
        else if (!seen.has(sel.name.value)) {
          seen.add(sel.name.value);
          walk(info.fragments[sel.name.value]?.selectionSet);
        }
      }
    };
    for (const set of sets) walk(set);
    return out;
  };
  let sets: (SelectionSetNode | undefined)[] = info.fieldNodes.map((node) => node.selectionSet);
  for (const name of path) {
    sets = fieldsIn(sets)
      .filter((f) => f.name.value === name)
      .map((f) => f.selectionSet);
  }
  return new Set(fieldsIn(sets).map((f) => f.name.value));
}
