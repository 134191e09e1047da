import '#platform/infra/observability/tracing-register'; // first: tracing must load before pg and http
import 'reflect-metadata'; // shared enums carry type-graphql decorators
import { runMain } from '#platform/infra/service/main';
import { startGateway } from './server';

runMain('gateway', (config) => startGateway(config), { workers: (config) => config.GATEWAY_WORKERS });
