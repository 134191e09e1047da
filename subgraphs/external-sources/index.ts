import '../../platform/tracing-register'; // first: tracing must load before pg and http
import { runMain } from '../../platform/main';
import { startSubgraph } from '../../platform/subgraph';
import { externalSourcesSubgraph } from './server';

runMain('external-sources', (config) => startSubgraph(externalSourcesSubgraph, config));
