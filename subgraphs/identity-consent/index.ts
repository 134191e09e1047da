import '../../platform/tracing-register'; // first: tracing must load before pg and http
import { runMain } from '../../platform/main';
import { startSubgraph } from '../../platform/subgraph';
import { identityConsentSubgraph } from './server';

runMain('identity-consent', (config) => startSubgraph(identityConsentSubgraph, config));
