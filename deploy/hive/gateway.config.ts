// Hive Gateway in front of the same subgraphs and the committed supergraph:
//   npm run build && npx hive-gateway supergraph schema/supergraph.graphql -c deploy/hive/gateway.config.ts
// Subgraphs accept only signed requests, so the gateway runs our signing plugin (built into dist/).
// The plugin also makes the caller's Authorization part of Hive's in-flight deduplication key, so
// no subgraph answer is shared between users (anonymous requests are still deduplicated); see
// docs/signatures.md. test/isolation.int.test.ts runs this file with 40 users at once.
import { defineConfig } from '@graphql-hive/gateway';
// The plugin is compiled CommonJS (npm run build); Hive loads this file as an ES module.
import signing from '../../dist/gateway/portable/hive-signature-plugin.js';

const { useHemp } = signing as { useHemp: (o: { secret: string; subgraphUrls: Record<string, string> }) => object };

const env = process.env;
const subgraphUrls: Record<string, string> = {};
const defaults: Record<string, [string | undefined, string]> = {
  'http://localhost:4001/graphql': [env.IDENTITY_CONSENT_URL, 'identity-consent'],
  'http://localhost:4002/graphql': [env.LISTINGS_MATCHING_URL, 'listings-matching'],
  'http://localhost:4003/graphql': [env.EXTERNAL_SOURCES_URL, 'external-sources'],
  'http://localhost:4004/graphql': [env.ANALYTICS_URL, 'analytics'],
};
for (const [committed, [override]] of Object.entries(defaults)) if (override) subgraphUrls[committed] = override;

if (!env.GATEWAY_SECRET) throw new Error('GATEWAY_SECRET must be set: the subgraphs refuse unsigned requests');

export const gatewayConfig = defineConfig({
  supergraph: 'schema/supergraph.graphql',
  plugins: () => [useHemp({ secret: env.GATEWAY_SECRET as string, subgraphUrls })],
});
