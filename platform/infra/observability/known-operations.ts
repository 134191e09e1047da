import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse } from 'graphql';
import { SCHEMA_DIR } from '#platform/infra/paths';

export const OTHER_OPERATION = 'other';
export const ANONYMOUS_OPERATION = 'anonymous';

/** The reviewed operations: every named operation under schema/operations (app and partner documents). */
export function loadKnownOperations(dir = path.join(SCHEMA_DIR, 'operations')): Set<string> {
  const names = new Set<string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.graphql')) {
        for (const def of parse(readFileSync(full, 'utf8')).definitions) {
          if (def.kind === Kind.OPERATION_DEFINITION && def.name) names.add(def.name.value);
        }
      } else if (entry.name.endsWith('-manifest.json')) {
        const manifest = JSON.parse(readFileSync(full, 'utf8')) as { operations?: Array<{ name?: string }> };
        for (const op of manifest.operations ?? []) if (op.name) names.add(op.name);
      }
    }
  };
  walk(dir);
  return names;
}

/** The gateway names a subgraph fetch `<operation>__<service>__<n>`; the label keeps the client's part. */
const SUBGRAPH_FETCH = /^(.+)__[a-z0-9_-]+__\d+$/;

/**
 * A metrics label from a client-chosen operation name: a known operation keeps its name, anything
 * else is `other`, so clients cannot grow the label set (and the scrape) without limit.
 */
export function operationLabel(name: string | null | undefined, known: ReadonlySet<string>): string {
  if (!name) return ANONYMOUS_OPERATION;
  const base = SUBGRAPH_FETCH.exec(name)?.[1] ?? name;
  return known.has(base) ? base : OTHER_OPERATION;
}
