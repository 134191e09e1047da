import { createConsentClient, type ConsentClient } from '#platform/contracts/consent-client';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';

const clients = new WeakMap<SubgraphDeps, ConsentClient>();

/**
 * How this subgraph asks identity-consent for a buyer's ACTIVE consents: its signed internal route,
 * on every request that includes external offers (never cached, fails closed). One client per
 * running subgraph; it reads the identity-consent address from the config at each call.
 */
export function consentClient(deps: SubgraphDeps): ConsentClient {
  let client = clients.get(deps);
  if (!client) {
    client = createConsentClient(deps.config);
    clients.set(deps, client);
  }
  return client;
}

/** Replaces the client of a running subgraph (tests of the fail-closed path). */
export function setConsentClient(deps: SubgraphDeps, client: ConsentClient): void {
  clients.set(deps, client);
}
