import type { AppConfig } from '#platform/infra/config';
import { internalFetch } from '#platform/infra/http/internal-http';
import { GraphQLError } from 'graphql';
import { accessLevelCovers, type AccessLevel } from '#platform/infra/schema/shared-types';

/** A consent that is ACTIVE right now (not withdrawn, not expired), as identity-consent holds it. */
export interface ActiveConsent {
  dataSourceId: string;
  accessLevel: AccessLevel;
  consentVersion: string;
  expiresAt: string | null;
}

export const ACTIVE_CONSENTS_PATH = '/internal/consents/active';

export interface ConsentClient {
  /** Asked on every request that needs it: never cached, so a withdrawal counts at once. */
  activeConsents(userId: string, requestId: string): Promise<ActiveConsent[]>;
}

/**
 * How other subgraphs learn a user's consents: a signed internal call to identity-consent, the
 * only owner of consent. It fails closed: if identity-consent cannot answer, the caller gets an
 * error, never data that might no longer be consented to.
 */
export function createConsentClient(
  config: Pick<AppConfig, 'subgraphUrls' | 'INTERNAL_SECRET'>,
  timeoutMs = 2000,
): ConsentClient {
  return {
    async activeConsents(userId, requestId) {
      try {
        const res = await internalFetch(config, {
          origin: new URL(config.subgraphUrls['identity-consent']).origin,
          method: 'GET',
          pathWithQuery: `${ACTIVE_CONSENTS_PATH}?userId=${encodeURIComponent(userId)}`,
          timeoutMs,
          requestId,
        });
        if (!res.ok) throw new Error(`identity-consent answered ${res.status}`);
        const body = (await res.json()) as { consents: ActiveConsent[] };
        return body.consents;
      } catch {
        throw new GraphQLError('Consent could not be checked right now; try again shortly', {
          extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'identity-consent' },
        });
      }
    },
  };
}

/** A data source as consent sees it: which one, and the level a user must hold for it. */
export interface GatedSource {
  id: string;
  requiredAccessLevel: AccessLevel;
}

/**
 * The sources whose data a user may receive: an ACTIVE consent for that source at or above its
 * required level. Expiry is checked again here, in case the answer crossed an expiry instant.
 * The one rule for every subgraph that serves external-source data.
 */
export function consentedSourceIds(
  sources: readonly GatedSource[],
  consents: readonly ActiveConsent[],
  now: Date = new Date(),
): Set<string> {
  const permitted = new Set<string>();
  for (const source of sources) {
    const ok = consents.some(
      (c) =>
        c.dataSourceId === source.id &&
        accessLevelCovers(c.accessLevel, source.requiredAccessLevel) &&
        (c.expiresAt === null || new Date(c.expiresAt).getTime() > now.getTime()),
    );
    if (ok) permitted.add(source.id);
  }
  return permitted;
}
