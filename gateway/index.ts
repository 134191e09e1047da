import '../platform/tracing-register'; // first: tracing must load before pg and http
import { runMain } from '../platform/main';
import { startGateway } from './server';

runMain('gateway', (config) => startGateway(config));
