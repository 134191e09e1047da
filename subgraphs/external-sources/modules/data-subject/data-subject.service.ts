import { ExportBuilder, returning, type DataSubjectHandlers, type SubjectCall } from '#platform/contracts/data-subject';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { externalRuntime } from '../../runtime';
import { CredentialService } from '../credential/credential.service';

/**
 * external-sources' part of data-subject requests.
 *
 * Export: which sources the user stored a credential for and when — never the credential (the
 * export is personal data handed out; a secret would be one more thing to leak) — and the crawls
 * they started (administrators).
 * Erasure: every stored credential deleted; the crawls they started keep running records without
 * their id. Nothing is retained.
 */
export function externalDataSubject(deps: SubgraphDeps): DataSubjectHandlers {
  const db = deps.db.dataSource;
  return {
    async export({ userId }: SubjectCall) {
      const out = new ExportBuilder();
      const [credentials, crawls] = await Promise.all([
        db.query(
          `SELECT s.slug AS "dataSource", c.data_source_id AS "dataSourceId", c.created_at AS "createdAt", c.updated_at AS "updatedAt"
             FROM external.data_source_credentials c JOIN external.data_sources s ON s.id = c.data_source_id
            WHERE c.user_id = $1 ORDER BY c.created_at, c.data_source_id LIMIT $2`,
          [userId, out.limit],
        ),
        db.query(
          `SELECT id, status, trigger, started_at AS "startedAt", finished_at AS "finishedAt"
             FROM external.crawl_runs WHERE requested_by = $1 ORDER BY started_at, id LIMIT $2`,
          [userId, out.limit],
        ),
      ]);
      return out.rows('storedCredentials', credentials).rows('crawlRunsRequested', crawls).build();
    },

    async erase({ userId, log }: SubjectCall) {
      const credentials = await new CredentialService(db, externalRuntime(deps).vault, deps.log).deleteAllForUser(
        userId,
      );
      const crawls = await returning(
        db.manager,
        `UPDATE external.crawl_runs SET requested_by = NULL WHERE requested_by = $1 RETURNING id`,
        [userId],
      );
      log.info({ credentials, crawls: crawls.length }, 'erased a data subject from external-sources');
      return { erased: credentials + crawls.length, retained: 0, reason: null };
    },
  };
}
