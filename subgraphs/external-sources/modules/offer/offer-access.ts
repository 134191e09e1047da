import {
  consentedSourceIds,
  type ActiveConsent,
  type ConsentClient,
  type GatedSource,
} from '#platform/contracts/consent-client';
import type { ExternalContext } from '../../context.type';

export type { GatedSource };

/** The sources whose data the caller may receive (the shared rule in platform/contracts/consent-client.ts). */
export const permittedSourceIds = consentedSourceIds;

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
  const [sources, consents] = await Promise.all([
    ctx.loaders.allDataSources(),
    ctx.loaders.viewerConsents(ctx.requestId),
  ]);
  return permittedSourceIds(sources, consents);
}
