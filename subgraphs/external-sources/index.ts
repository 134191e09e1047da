import '#platform/infra/observability/tracing-register'; // first: tracing must load before pg and http
import { runMain } from '#platform/infra/service/main';
import { startSubgraph } from '#platform/infra/service/subgraph';
import { externalSourcesSubgraph } from './server';

runMain('external-sources', (config) => startSubgraph(externalSourcesSubgraph, config));
