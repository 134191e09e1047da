import '../../platform/tracing-register'; // first: tracing must load before pg and http
import { runMain } from '../../platform/main';
import { startSubgraph } from '../../platform/subgraph';
import { listingsMatchingSubgraph } from './server';

runMain('listings-matching', (config) => startSubgraph(listingsMatchingSubgraph, config));
