import '../platform/tracing-register'; // first: tracing must load before pg and http
import 'reflect-metadata'; // shared enums carry type-graphql decorators
import { runMain } from '../platform/main';
import { startGateway } from './server';

runMain('gateway', (config) => startGateway(config));
