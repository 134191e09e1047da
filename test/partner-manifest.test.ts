import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { generatePersistedQueryManifest } from '@apollo/generate-persisted-query-manifest';
import { PROJECT_ROOT, SCHEMA_DIR } from '#platform/infra/paths';
import { loadPartnerOperations, PARTNER_MANIFEST_PATH, sha256Hex } from '../gateway/partners/manifest';

const PARTNER_DIR = path.join(SCHEMA_DIR, 'operations', 'partner');

describe('the partner manifest', () => {
  const committed = readFileSync(PARTNER_MANIFEST_PATH, 'utf8');

  it('is what @apollo/generate-persisted-query-manifest writes for schema/operations/partner/', async () => {
    const config = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'persisted-query-manifest.config.json'), 'utf8'));
    const cwd = process.cwd();
    process.chdir(PROJECT_ROOT);
    try {
      const manifest = await generatePersistedQueryManifest(config, undefined);
      if (JSON.stringify(manifest, null, 2) !== committed) {
        throw new Error('schema/operations/partner-manifest.json is stale: run `npm run manifest` and commit it');
      }
    } finally {
      process.chdir(cwd);
    }
  });

  it('holds every partner operation, ids are the sha256 of bodies with __typename as Apollo Client sends them', () => {
    const manifest = JSON.parse(committed);
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    expect(manifest.version).toBe(1);
    const files = readdirSync(PARTNER_DIR).filter((f) => f.endsWith('.graphql'));
    expect(manifest.operations.map((o: { name: string }) => o.name).sort()).toEqual(
      files.map((f) => f.replace(/\.graphql$/, '')).sort(),
    );
    expect(manifest.operations.map((o: { name: string }) => o.name)).toEqual(
      expect.arrayContaining(['PartnerActiveListings', 'PartnerListing']),
    );
    for (const op of manifest.operations) {
      expect(op.id).toBe(sha256Hex(op.body));
      expect(op.type).toBe('query');
      expect(op.body).toContain('__typename');
    }
    expect(loadPartnerOperations().names).toEqual(manifest.operations.map((o: { name: string }) => o.name));
  });

  it('the gateway refuses a manifest whose ids are not the sha256 of the bodies, or that lists a mutation', () => {
    const body = 'query A {\n  listings {\n    totalCount\n    __typename\n  }\n}';
    expect(() =>
      loadPartnerOperations({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ id: sha256Hex('other'), name: 'A', type: 'query', body }],
      }),
    ).toThrow(/sha256/);
    const mutation = 'mutation B {\n  logout(refreshToken: "x")\n}';
    expect(() =>
      loadPartnerOperations({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ id: sha256Hex(mutation), name: 'B', type: 'mutation', body: mutation }],
      }),
    ).toThrow(/only read/);
  });

  // Partners are written against these documents: each must stay a valid, read-only operation of
  // the public API, or a schema change has broken a partner without anyone noticing.
  it('every partner operation validates against the public API schema', () => {
    const api = buildSchema(readFileSync(path.join(SCHEMA_DIR, 'api-schema.graphql'), 'utf8'));
    const files = readdirSync(PARTNER_DIR).filter((f) => f.endsWith('.graphql'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const errors = validate(api, parse(readFileSync(path.join(PARTNER_DIR, file), 'utf8')));
      expect({ file, errors: errors.map((e) => e.message) }).toEqual({ file, errors: [] });
    }
  });
});
