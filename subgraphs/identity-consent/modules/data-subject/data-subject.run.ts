import { SERVICE_NAMES, type SubgraphName } from '#platform/infra/config';
import {
  createDataSubjectClient,
  eraseAfterInFlight,
  EXPORT_ROWS_PER_KIND,
  SubjectCallError,
  type DataSubjectClient,
  type DataSubjectHandlers,
  type SubjectErasure,
  type SubjectExport,
} from '#platform/contracts/data-subject';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { append, AuditAction } from '../audit/audit.service';
import {
  DataSubjectRequestEntity,
  DataSubjectRequestPartEntity,
  type StoredRequestType,
} from './data-subject-request.entity';
import { identityDataSubject } from './identity-subject.service';

const SELF: SubgraphName = 'identity-consent';

function describe(err: unknown, subgraph: SubgraphName): string {
  if (err instanceof SubjectCallError) return err.message;
  return `${subgraph}: failed (see the service log)`;
}

/**
 * One attempt at a data-subject request: calls every PENDING part in parallel — identity-consent's
 * own in process, the others through their signed internal routes, each with a deadline
 * (DATA_SUBJECT_TIMEOUT_MS) — and records the outcome: each erasure part as it finishes, the
 * request's status, the assembled export (ACCESS, all parts or nothing) and the audit entry.
 */
export class DataSubjectRunner {
  private readonly client: DataSubjectClient;
  private readonly own: DataSubjectHandlers;

  constructor(private readonly deps: SubgraphDeps) {
    this.client = createDataSubjectClient(deps.config, deps.config.DATA_SUBJECT_TIMEOUT_MS);
    const own = identityDataSubject(deps);
    this.own = {
      ...own,
      erase: eraseAfterInFlight(deps.revocations, deps.config.DATA_SUBJECT_TIMEOUT_MS / 3, own.erase),
    };
  }

  private get db() {
    return this.deps.db.dataSource;
  }

  private callPart<T extends SubjectExport | SubjectErasure>(
    subgraph: SubgraphName,
    type: StoredRequestType,
    userId: string,
    requestId: string,
  ): Promise<T> {
    if (subgraph !== SELF) {
      return (
        type === 'ACCESS'
          ? this.client.export(subgraph, userId, requestId)
          : this.client.erase(subgraph, userId, requestId)
      ) as Promise<T>;
    }
    const log = this.deps.log.child({ dataSubjectRequestId: requestId });
    const call = { userId, requestId, log };
    const ms = this.deps.config.DATA_SUBJECT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SubjectCallError(SELF, `did not finish within ${ms} ms`)), ms);
      timer.unref();
    });
    const work = (type === 'ACCESS' ? this.own.export(call) : this.own.erase(call)) as Promise<T>;
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }

  async run(requestId: string): Promise<void> {
    const request = await this.db.getRepository(DataSubjectRequestEntity).findOneByOrFail({ id: requestId });
    const parts = await this.db.getRepository(DataSubjectRequestPartEntity).findBy({ requestId, status: 'PENDING' });
    const log = this.deps.log.child({ dataSubjectRequestId: requestId, type: request.type });
    const outcomes = await Promise.all(
      parts.map(async (part) => {
        const subgraph = part.subgraph as SubgraphName;
        try {
          const result = await this.callPart<SubjectExport | SubjectErasure>(
            subgraph,
            request.type,
            request.subjectId,
            requestId,
          );
          if (request.type === 'ERASURE') await this.recordErasure(requestId, subgraph, result as SubjectErasure);
          return { subgraph, ok: true as const, result };
        } catch (err) {
          log.warn({ err, subgraph }, 'a subgraph did not do its part of a data-subject request');
          return { subgraph, ok: false as const, error: describe(err, subgraph) };
        }
      }),
    );
    const failures = outcomes.filter((o) => !o.ok) as { subgraph: SubgraphName; error: string }[];
    await this.db.transaction(async (m) => {
      for (const f of failures) {
        await m.query(
          `UPDATE identity.data_subject_request_parts SET status = 'FAILED', error = $3, finished_at = now() WHERE request_id = $1 AND subgraph = $2`,
          [requestId, f.subgraph, f.error],
        );
      }
      if (request.type === 'ACCESS' && failures.length === 0) {
        await m.query(
          `UPDATE identity.data_subject_request_parts SET status = 'COMPLETED', finished_at = now() WHERE request_id = $1`,
          [requestId],
        );
      }
      const failureReason = failures.length ? failures.map((f) => f.error).join('; ') : null;
      const exported =
        request.type === 'ACCESS' && !failureReason
          ? this.assembleExport(request, outcomes as { subgraph: SubgraphName; result: SubjectExport }[])
          : null;
      const retentionMs = this.deps.config.DATA_SUBJECT_EXPORT_RETENTION_HOURS * 3_600_000;
      await m.query(
        `UPDATE identity.data_subject_requests
            SET status = $2, failure_reason = $3, completed_at = CASE WHEN $2 = 'COMPLETED' THEN now() END,
                export = $4::jsonb, export_expires_at = CASE WHEN $4::jsonb IS NULL THEN NULL ELSE now() + make_interval(secs => $5::double precision) END
          WHERE id = $1`,
        [
          requestId,
          failureReason ? 'FAILED' : 'COMPLETED',
          failureReason,
          exported ? JSON.stringify(exported) : null,
          retentionMs / 1000,
        ],
      );
      if (exported) {
        // One stored export per user at a time: a new one replaces the ones before.
        await m.query(
          `UPDATE identity.data_subject_requests SET export = NULL, export_expires_at = NULL
            WHERE subject_id = $1 AND type = 'ACCESS' AND id <> $2 AND export IS NOT NULL`,
          [request.subjectId, requestId],
        );
      }
      // Stored exports are personal data: whatever has outlived its retention goes now.
      await m.query(
        `UPDATE identity.data_subject_requests SET export = NULL, export_expires_at = NULL WHERE export IS NOT NULL AND export_expires_at <= now()`,
      );
      const action =
        request.type === 'ACCESS'
          ? failureReason
            ? AuditAction.DATA_EXPORT_FAILED
            : AuditAction.DATA_EXPORT_COMPLETED
          : failureReason
            ? AuditAction.ERASURE_FAILED
            : AuditAction.ERASURE_COMPLETED;
      await append(m, {
        action,
        subjectId: request.subjectId,
        details: { requestId, ...(failureReason ? { failed: failures.map((f) => f.subgraph) } : {}) },
      });
    });
    log.info({ failed: failures.map((f) => f.subgraph) }, 'data-subject request run finished');
  }

  private async recordErasure(requestId: string, subgraph: SubgraphName, result: SubjectErasure): Promise<void> {
    await this.db.query(
      `UPDATE identity.data_subject_request_parts
          SET status = 'COMPLETED', erased = $3, retained = $4, reason = $5, note = $6, error = NULL, finished_at = now()
        WHERE request_id = $1 AND subgraph = $2`,
      [
        requestId,
        subgraph,
        Math.max(0, Math.trunc(Number(result.erased) || 0)),
        Math.max(0, Math.trunc(Number(result.retained) || 0)),
        result.reason ?? null,
        typeof result.note === 'string' ? result.note.slice(0, 500) : null,
      ],
    );
  }

  private assembleExport(
    request: DataSubjectRequestEntity,
    outcomes: { subgraph: SubgraphName; result: SubjectExport }[],
  ) {
    const subgraphs: Record<string, unknown> = {};
    const truncated: string[] = [];
    for (const name of SERVICE_NAMES) {
      const outcome = outcomes.find((o) => o.subgraph === name);
      if (!outcome) continue;
      subgraphs[name] = outcome.result.data;
      for (const kind of outcome.result.truncated ?? []) truncated.push(`${name}.${kind}`);
    }
    return {
      requestId: request.id,
      subjectId: request.subjectId,
      generatedAt: new Date().toISOString(),
      limits: { rowsPerKind: EXPORT_ROWS_PER_KIND },
      truncated,
      subgraphs,
    };
  }
}
