import { runMain } from '../platform/main';
import { startGateway } from './server';

runMain('gateway', (config) => startGateway(config));
