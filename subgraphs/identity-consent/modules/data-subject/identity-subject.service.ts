import { ExportBuilder, returning, type DataSubjectHandlers, type SubjectCall } from '#platform/contracts/data-subject';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';

export const IDENTITY_RETENTION_REASON =
  'consent records are kept as proof of what was agreed and when (POPIA s. 11), without IP address and user agent; ' +
  'the append-only audit log is kept as evidence, and holds ids and client addresses, never names or e-mail addresses';

/** The e-mail an erased account is left with: unique, undeliverable, and says nothing about the person. */
export function erasedEmail(userId: string): string {
  return `erased-${userId}@erased.invalid`;
}

/**
 * identity-consent's own part of data-subject requests.
 *
 * Export: profile, consents, sessions (refresh-token metadata, never the hashes), the audit entries
 * about or by the user, and their data-subject requests.
 *
 * Erasure, in one transaction, idempotent: the profile is anonymised (e-mail, display name and
 * province replaced, password hash cleared, erased_at set: the account can never sign in again),
 * every refresh token deleted, consents stripped of IP address and user agent, stored ACCESS
 * exports dropped. Consents and audit entries are retained (IDENTITY_RETENTION_REASON).
 */
export function identityDataSubject(deps: SubgraphDeps): DataSubjectHandlers {
  const db = deps.db.dataSource;
  return {
    async export({ userId }: SubjectCall) {
      const out = new ExportBuilder();
      const [profile, consents, sessions, audit, requests] = await Promise.all([
        db.query(
          `SELECT id, email, display_name AS "displayName", roles, province, created_at AS "createdAt", disabled_at AS "disabledAt", erased_at AS "erasedAt"
             FROM identity.users WHERE id = $1`,
          [userId],
        ),
        db.query(
          `SELECT id, data_source_id AS "dataSourceId", access_level AS "accessLevel", purpose, consent_version AS "consentVersion", status,
                  granted_at AS "grantedAt", withdrawn_at AS "withdrawnAt", expires_at AS "expiresAt", ip_address AS "ipAddress", user_agent AS "userAgent"
             FROM identity.consents WHERE user_id = $1 ORDER BY granted_at, id LIMIT $2`,
          [userId, out.limit],
        ),
        db.query(
          `SELECT family_id AS "familyId", created_at AS "createdAt", expires_at AS "expiresAt", rotated_at AS "rotatedAt", revoked_at AS "revokedAt"
             FROM identity.refresh_tokens WHERE user_id = $1 ORDER BY created_at, id LIMIT $2`,
          [userId, out.limit],
        ),
        db.query(
          `SELECT sequence::int AS sequence, at, action, actor_id AS "actorId", subject_id AS "subjectId", details
             FROM identity.audit_events WHERE subject_id = $1 OR actor_id = $1 ORDER BY sequence LIMIT $2`,
          [userId, out.limit],
        ),
        db.query(
          `SELECT id, type, status, requested_at AS "requestedAt", completed_at AS "completedAt"
             FROM identity.data_subject_requests WHERE subject_id = $1 ORDER BY requested_at, id LIMIT $2`,
          [userId, out.limit],
        ),
      ]);
      return out
        .value('profile', profile[0] ?? null)
        .rows('consents', consents)
        .rows('sessions', sessions)
        .rows('auditEvents', audit)
        .rows('dataSubjectRequests', requests)
        .build();
    },

    async erase({ userId, log }: SubjectCall) {
      const result = await db.transaction(async (m) => {
        const profile = await returning(
          m,
          `UPDATE identity.users
              SET email = $2, display_name = 'Erased user', province = NULL, password_hash = '', erased_at = coalesce(erased_at, now())
            WHERE id = $1 AND (email <> $2 OR erased_at IS NULL)
            RETURNING id`,
          [userId, erasedEmail(userId)],
        );
        const tokens = await returning(m, `DELETE FROM identity.refresh_tokens WHERE user_id = $1 RETURNING id`, [
          userId,
        ]);
        await m.query(
          `UPDATE identity.consents SET ip_address = NULL, user_agent = NULL WHERE user_id = $1 AND (ip_address IS NOT NULL OR user_agent IS NOT NULL)`,
          [userId],
        );
        const exports = await returning(
          m,
          `UPDATE identity.data_subject_requests SET export = NULL, export_expires_at = NULL WHERE subject_id = $1 AND export IS NOT NULL RETURNING id`,
          [userId],
        );
        const [kept] = await m.query(
          `SELECT (SELECT count(*) FROM identity.consents WHERE user_id = $1)::int AS consents,
                  (SELECT count(*) FROM identity.audit_events WHERE subject_id = $1 OR actor_id = $1)::int AS audit`,
          [userId],
        );
        return {
          erased: profile.length + tokens.length + exports.length,
          retained: Number(kept.consents) + Number(kept.audit),
        };
      });
      log.info({ ...result }, 'erased a data subject from identity-consent');
      return { ...result, reason: result.retained > 0 ? IDENTITY_RETENTION_REASON : null };
    },
  };
}
