import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseGraphQL } from 'graphql';
import { parse } from 'yaml';
import { composeServices } from '@apollo/composition';
import { loadConfig, SERVICE_NAMES, type SubgraphName } from '#platform/infra/config';
import { PROJECT_ROOT } from '#platform/infra/paths';

/** supergraph.yaml is what Rover users compose with: it must give what `npm run compose` gives. */
const config = parse(readFileSync(path.join(PROJECT_ROOT, 'supergraph.yaml'), 'utf8')) as {
  federation_version: string;
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
};
const defaults = loadConfig({});

describe('supergraph.yaml (rover supergraph compose)', () => {
  it('pins the composition version the project composes with', () => {
    const installed = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).dependencies[
      '@apollo/composition'
    ];
    expect(config.federation_version).toBe(`=${installed}`);
  });

  it('names every subgraph with its default routing URL and its printed schema file', () => {
    expect(Object.keys(config.subgraphs).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const [name, subgraph] of Object.entries(config.subgraphs)) {
      expect(subgraph.routing_url).toBe(defaults.subgraphUrls[name as SubgraphName]);
      expect(subgraph.schema.file).toBe(`./schema/${name}.graphql`);
    }
  });

  it('composes to exactly the committed schema/supergraph.graphql', () => {
    const services = Object.entries(config.subgraphs).map(([name, s]) => ({
      name,
      url: s.routing_url,
      typeDefs: parseGraphQL(readFileSync(path.join(PROJECT_ROOT, s.schema.file), 'utf8')),
    }));
    const result = composeServices(services);
    expect(result.errors).toBeUndefined();
    expect(result.supergraphSdl + '\n').toBe(
      readFileSync(path.join(PROJECT_ROOT, 'schema', 'supergraph.graphql'), 'utf8'),
    );
  });
});
