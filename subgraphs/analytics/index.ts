import { runMain } from '../../platform/main';
import { startSubgraph } from '../../platform/subgraph';
import { analyticsSubgraph } from './server';

runMain('analytics', (config) => startSubgraph(analyticsSubgraph, config));
