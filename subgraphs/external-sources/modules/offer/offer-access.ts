import type { ActiveConsent, ConsentClient } from '../../../../platform/consent-client';
import { accessLevelCovers, type AccessLevel } from '../../../../platform/schema/shared-types';
import type { ExternalContext } from '../../context.type';

export interface GatedSource {
  id: string;
  requiredAccessLevel: AccessLevel;
}

/**
 * The sources whose data the caller may receive: an ACTIVE consent for that source at or above its
 * required level. Expiry is checked again here, in case the answer crossed an expiry instant.
 */
export function permittedSourceIds(sources: readonly GatedSource[], consents: readonly ActiveConsent[], now: Date = new Date()): Set<string> {
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

/**
 * The caller's consents, asked of identity-consent once per request (never cached beyond it, so a
 * withdrawal counts from the very next request) and shared by every field of that request.
 */
export function createViewerConsents(client: () => ConsentClient, userId: string | null) {
  let pending: Promise<ActiveConsent[]> | null = null;
  return (requestId: string): Promise<ActiveConsent[]> => {
    if (!userId) return Promise.resolve([]);
    pending ??= client().activeConsents(userId, requestId);
    return pending;
  };
}

/** The sources the caller may read right now, from the consent answer fetched for this request. */
export async function permittedForRequest(ctx: ExternalContext): Promise<Set<string>> {
  if (!ctx.viewer) return new Set();
  const [sources, consents] = await Promise.all([ctx.loaders.allDataSources(), ctx.loaders.viewerConsents(ctx.requestId)]);
  return permittedSourceIds(sources, consents);
}
