import type { AppConfig } from '#platform/infra/config';
import type { Logger } from '#platform/infra/observability/logger';
import { internalFetch } from '#platform/infra/http/internal-http';

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
export function createSecurityAuditClient(
  config: Pick<AppConfig, 'subgraphUrls' | 'INTERNAL_SECRET'>,
  log: Logger,
  minIntervalMs = 10_000,
) {
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
      internalFetch(config, {
        origin: new URL(config.subgraphUrls['identity-consent']).origin,
        method: 'POST',
        pathWithQuery: `${SECURITY_AUDIT_PATH}?${query.toString()}`,
        timeoutMs: 2000,
        requestId: entry.requestId,
      })
        .then((res) => {
          if (!res.ok) log.warn({ status: res.status, requestId: entry.requestId }, 'security audit entry refused');
        })
        .catch((err: Error) =>
          log.warn({ err: err.message, requestId: entry.requestId }, 'security audit entry not written'),
        );
    },
  };
}
