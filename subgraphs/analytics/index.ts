import '../../platform/tracing-register'; // first: tracing must load before pg and http
import { runMain } from '../../platform/main';
import { startSubgraph } from '../../platform/subgraph';
import { analyticsSubgraph } from './server';

runMain('analytics', (config) => startSubgraph(analyticsSubgraph, config));
