import type { AppConfig } from './config';
import type { Logger } from './logger';
import { INTERNAL_SIGNATURE_HEADER, signInternalRequest } from './auth/gateway-signature';

export const SECURITY_AUDIT_PATH = '/internal/audit/security';

export interface SecurityAuditEntry {
  userId: string;
  requestId: string;
  score: number;
  action: 'observed' | 'blocked';
  /** `kind:pattern` labels, never the values that matched. */
  signals: string[];
}

/**
 * How the gateway puts a signed-in user's suspicious request into identity-consent's hash-chained
 * audit log: a signed internal POST, sent without holding up the response. At most one entry per
 * user per `minIntervalMs`, so a flood from one account cannot flood the log.
 */
export function createSecurityAuditClient(config: Pick<AppConfig, 'subgraphUrls' | 'GATEWAY_SECRET'>, log: Logger, minIntervalMs = 10_000) {
  const last = new Map<string, number>();
  return {
    record(entry: SecurityAuditEntry): void {
      const now = Date.now();
      if ((last.get(entry.userId) ?? 0) > now - minIntervalMs) return;
      if (last.size > 10_000) last.clear();
      last.set(entry.userId, now);
      const query = new URLSearchParams({
        userId: entry.userId,
        requestId: entry.requestId,
        score: String(entry.score),
        action: entry.action,
        signals: entry.signals.slice(0, 10).join(','),
      });
      const pathWithQuery = `${SECURITY_AUDIT_PATH}?${query.toString()}`;
      const url = new URL(pathWithQuery, new URL(config.subgraphUrls['identity-consent']).origin);
      fetch(url, {
        method: 'POST',
        headers: { [INTERNAL_SIGNATURE_HEADER]: signInternalRequest(config.GATEWAY_SECRET, 'POST', pathWithQuery) },
        signal: AbortSignal.timeout(2000),
      })
        .then((res) => {
          if (!res.ok) log.warn({ status: res.status, requestId: entry.requestId }, 'security audit entry refused');
        })
        .catch((err: Error) => log.warn({ err: err.message, requestId: entry.requestId }, 'security audit entry not written'));
    },
  };
}
