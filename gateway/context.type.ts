import type { Viewer } from '#platform/infra/auth/viewer';
import type { Logger } from '#platform/infra/observability/logger';
import type { ThreatSignal } from './edge/threats';
import type { StaleTokenWarning } from './edge/stale-token';

export interface PartnerIdentity {
  id: string;
  name: string;
  tier: 'FREE' | 'STANDARD' | 'PREMIUM';
}

export interface GatewayContext {
  requestId: string;
  log: Logger;
  viewer: Viewer | null;
  /** The partner behind an `x-api-key`, forwarded to subgraphs as a signed `x-partner-id`. */
  partner?: PartnerIdentity | null;
  /** The verified `Authorization` header, forwarded to subgraphs (which verify it again). */
  authorization?: string;
  clientIp: string | null;
  userAgent: string | null;
  /** Threat signals found before GraphQL (the client's request rate), already reported. */
  threatSignals?: ThreatSignal[];
  /** Set when a refused token was ignored for a public query: the response carries it in `extensions.warnings`. */
  tokenWarning?: StaleTokenWarning;
  /** Aborted when the operation's deadline passes: no further subgraph calls are made for it. */
  deadline?: AbortSignal;
}
