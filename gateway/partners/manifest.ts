import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SCHEMA_DIR } from '#platform/infra/paths';

export const PARTNER_MANIFEST_PATH = path.join(SCHEMA_DIR, 'operations', 'partner-manifest.json');

export interface PersistedOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export interface PersistedQueryManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: PersistedOperation[];
}

export interface PartnerOperations {
  byId(id: string): PersistedOperation | undefined;
  readonly names: readonly string[];
}

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The reviewed operations partners may run, from the committed manifest (Apollo's persisted query
 * list format, written by `npm run manifest`). Read once at start; a manifest whose ids are not the
 * sha256 of their bodies is refused, so the list cannot be edited by hand into something else.
 */
export function loadPartnerOperations(
  manifest: PersistedQueryManifest | string = PARTNER_MANIFEST_PATH,
): PartnerOperations {
  const parsed: PersistedQueryManifest =
    typeof manifest === 'string' ? JSON.parse(readFileSync(manifest, 'utf8')) : manifest;
  if (
    parsed.format !== 'apollo-persisted-query-manifest' ||
    parsed.version !== 1 ||
    !Array.isArray(parsed.operations)
  ) {
    throw new Error('the partner manifest is not an apollo-persisted-query-manifest, version 1');
  }
  const byId = new Map<string, PersistedOperation>();
  for (const op of parsed.operations) {
    if (sha256Hex(op.body) !== op.id)
      throw new Error(`partner manifest: the id of ${op.name} is not the sha256 of its body`);
    if (op.type !== 'query') throw new Error(`partner manifest: ${op.name} is a ${op.type}; partners may only read`);
    byId.set(op.id, op);
  }
  return { byId: (id) => byId.get(id), names: parsed.operations.map((op) => op.name) };
}
