import '#platform/infra/observability/tracing-register'; // first: tracing must load before pg and http
import { runMain } from '#platform/infra/service/main';
import { startSubgraph } from '#platform/infra/service/subgraph';
import { identityConsentSubgraph } from './server';

runMain('identity-consent', (config) => startSubgraph(identityConsentSubgraph, config));
