import type { EntityManager } from 'typeorm';
import { SERVICE_NAMES } from '#platform/infra/config';
import { ConflictError, NotFoundError, UnauthenticatedError } from '#platform/infra/errors';
import { isUuid } from '#platform/infra/schema/ids';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { Viewer } from '#platform/infra/auth/viewer';
import { append, AuditAction } from '../audit/audit.service';
import { UserEntity } from '../user/user.entity';
import {
  DataSubjectRequestEntity,
  DataSubjectRequestPartEntity,
  type StoredRequestType,
} from './data-subject-request.entity';
import { DataSubjectRunner } from './data-subject.run';
import { announceRevocations, recordRevocations } from '../auth/revocation.service';
import { withdrawAllForErasure } from '../consent/consent.service';
import type { RevocationEntry } from '#platform/infra/auth/revocation';

const ABANDONED_REASON = 'interrupted before every subgraph answered; request it again to retry';

function isUniqueViolation(err: unknown): boolean {
  return (err as { driverError?: { code?: string } })?.driverError?.code === '23505';
}

/**
 * Runs data-subject requests: creates the request (PENDING) and answers at once, then calls every
 * subgraph's part in parallel in the background — identity-consent's own in process, the others
 * through their signed internal routes, each with a deadline (DATA_SUBJECT_TIMEOUT_MS) — and
 * records the outcome (that attempt is data-subject.run.ts). Clients poll `dataSubjectRequest(id)`.
 *
 * ACCESS is all or nothing: the export is stored only when all four parts answered; otherwise the
 * request is FAILED and the user asks again. ERASURE records each part as it finishes: requesting
 * erasure again for the same user revives the FAILED request and reruns only the parts not yet
 * COMPLETED (every part is idempotent). A PENDING request whose attempt has run longer than a
 * run can take (the process died) counts as abandoned and may be retried too.
 */
export class DataSubjectService {
  private readonly runner: DataSubjectRunner;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: SubgraphDeps) {
    this.runner = new DataSubjectRunner(deps);
  }

  private get db() {
    return this.deps.db.dataSource;
  }

  /** Longest a run can take: every part is called at once and each has the deadline; a margin for the bookkeeping. */
  private get abandonedAfterMs(): number {
    return this.deps.config.DATA_SUBJECT_TIMEOUT_MS * 2 + 10_000;
  }

  async requestExport(viewer: Viewer): Promise<DataSubjectRequestEntity> {
    const request = await this.create(viewer.userId, viewer.userId, 'ACCESS', async (m) => {
      const user = await m
        .getRepository(UserEntity)
        .findOne({ where: { id: viewer.userId }, lock: { mode: 'pessimistic_write' } });
      if (!user || user.erasedAt || user.disabledAt) throw new UnauthenticatedError();
    });
    this.start(request.id);
    return request;
  }

  /** The caller's own erasure, or any user's for ADMIN (the shield rule checked who may ask). */
  async requestErasure(viewer: Viewer, userId: string): Promise<DataSubjectRequestEntity> {
    if (!isUuid(userId)) throw new NotFoundError('No such user');
    const subjectId = userId.toLowerCase();
    const { request, revoked } = await this.db.transaction(async (m) => {
      // The subject's row lock serialises erasure requests for one user.
      const user = await m
        .getRepository(UserEntity)
        .findOne({ where: { id: subjectId }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw new NotFoundError('No such user');
      const latest = await m
        .getRepository(DataSubjectRequestEntity)
        .findOne({ where: { subjectId, type: 'ERASURE' }, order: { requestedAt: 'DESC' } });
      let request: DataSubjectRequestEntity;
      if (latest && latest.status !== 'COMPLETED') {
        const abandoned = latest.attemptStartedAt.getTime() < Date.now() - this.abandonedAfterMs;
        if (latest.status === 'PENDING' && !abandoned)
          throw new ConflictError('An erasure of this user is already in progress');
        request = await this.retry(m, viewer, latest);
      } else {
        request = await this.insert(m, viewer.userId, subjectId, 'ERASURE');
      }
      return { request, revoked: await this.beginErasure(m, user, request.id) };
    });
    // Before any part runs, every service learns that this user's tokens and writes are over.
    await announceRevocations(this.deps, revoked);
    this.start(request.id);
    return request;
  }

  /**
   * What an erasure does the moment it is requested, in the request's transaction: no token is issued
   * any more (login and refresh refuse), every session ends, the token version goes up, an `erasure`
   * revocation tells every service to refuse the user's tokens and writes, and every consent in force
   * is withdrawn with an audit entry. Idempotent: a retry repeats only what is left to do.
   */
  private async beginErasure(m: EntityManager, user: UserEntity, requestId: string): Promise<RevocationEntry[]> {
    const first = !user.erasureRequestedAt;
    if (first) {
      await m.query(
        `UPDATE identity.users SET erasure_requested_at = now(), token_version = token_version + 1 WHERE id = $1`,
        [user.id],
      );
    }
    await m.query(`UPDATE identity.refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [
      user.id,
    ]);
    await withdrawAllForErasure(m, this.deps.outbox, user.id, requestId);
    return first
      ? recordRevocations(m, [
          { kind: 'erasure', userId: user.id, minVersion: user.tokenVersion + 1, reason: 'erasure_requested' },
        ])
      : [];
  }

  /** On start: requests a dead process left PENDING past any possible run are marked FAILED (and stay retryable). */
  async sweepAbandoned(): Promise<number> {
    const rows = await this.db.query(
      `UPDATE identity.data_subject_requests
          SET status = 'FAILED', failure_reason = $2
        WHERE status = 'PENDING' AND attempt_started_at < now() - make_interval(secs => $1::double precision)
        RETURNING id`,
      [this.abandonedAfterMs / 1000, ABANDONED_REASON],
    );
    return (Array.isArray(rows[0]) ? rows[0] : rows).length;
  }

  /** Waits for background runs (shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async create(
    requestedBy: string,
    subjectId: string,
    type: StoredRequestType,
    check: (m: EntityManager) => Promise<void>,
  ): Promise<DataSubjectRequestEntity> {
    try {
      return await this.db.transaction(async (m) => {
        await check(m);
        // A PENDING request whose process died must not block this user for good.
        await m.query(
          `UPDATE identity.data_subject_requests SET status = 'FAILED', failure_reason = $3
            WHERE subject_id = $1 AND type = $2 AND status = 'PENDING' AND attempt_started_at < now() - make_interval(secs => $4::double precision)`,
          [subjectId, type, ABANDONED_REASON, this.abandonedAfterMs / 1000],
        );
        const open = await m
          .getRepository(DataSubjectRequestEntity)
          .exists({ where: { subjectId, type, status: 'PENDING' } });
        if (open)
          throw new ConflictError(
            `A${type === 'ACCESS' ? 'n export' : 'n erasure'} for this user is already in progress`,
          );
        return this.insert(m, requestedBy, subjectId, type);
      });
    } catch (err) {
      // Two requests racing: the partial unique index lets one through.
      if (isUniqueViolation(err))
        throw new ConflictError('A request of this kind for this user is already in progress');
      throw err;
    }
  }

  private async insert(
    m: EntityManager,
    requestedBy: string,
    subjectId: string,
    type: StoredRequestType,
  ): Promise<DataSubjectRequestEntity> {
    const repo = m.getRepository(DataSubjectRequestEntity);
    const now = new Date();
    const request = await repo.save(
      repo.create({
        type,
        status: 'PENDING',
        subjectId,
        requestedBy,
        requestedAt: now,
        attemptStartedAt: now,
        attempts: 1,
        completedAt: null,
        failureReason: null,
        export: null,
        exportExpiresAt: null,
      }),
    );
    await m.getRepository(DataSubjectRequestPartEntity).insert(
      SERVICE_NAMES.map((subgraph) => ({
        requestId: request.id,
        subgraph,
        status: 'PENDING' as const,
        erased: 0,
        retained: 0,
        reason: null,
        error: null,
        finishedAt: null,
      })),
    );
    await append(m, {
      action: type === 'ACCESS' ? AuditAction.DATA_EXPORT_REQUESTED : AuditAction.ERASURE_REQUESTED,
      actorId: requestedBy,
      subjectId,
      details: { requestId: request.id },
    });
    if (type === 'ERASURE') {
      await this.deps.outbox.add(m, {
        type: 'user.erasure.requested',
        payload: { requestId: request.id, userId: subjectId },
      });
    }
    return request;
  }

  private async retry(
    m: EntityManager,
    viewer: Viewer,
    request: DataSubjectRequestEntity,
  ): Promise<DataSubjectRequestEntity> {
    const attemptStartedAt = new Date();
    await m
      .getRepository(DataSubjectRequestEntity)
      .update(
        { id: request.id },
        { status: 'PENDING', attempts: request.attempts + 1, attemptStartedAt, failureReason: null },
      );
    await m.query(
      `UPDATE identity.data_subject_request_parts SET status = 'PENDING', error = NULL WHERE request_id = $1 AND status <> 'COMPLETED'`,
      [request.id],
    );
    await append(m, {
      action: AuditAction.ERASURE_RETRIED,
      actorId: viewer.userId,
      subjectId: request.subjectId,
      details: { requestId: request.id, attempt: request.attempts + 1 },
    });
    return { ...request, status: 'PENDING', attempts: request.attempts + 1, attemptStartedAt, failureReason: null };
  }

  private start(requestId: string): void {
    const run = this.runner
      .run(requestId)
      .catch((err) => this.deps.log.error({ err, dataSubjectRequestId: requestId }, 'data-subject request run failed'))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }
}

const services = new WeakMap<SubgraphDeps, DataSubjectService>();

/** One service per running subgraph, shared by the resolver and the shutdown hook. */
export function dataSubjectService(deps: SubgraphDeps): DataSubjectService {
  let service = services.get(deps);
  if (!service) {
    service = new DataSubjectService(deps);
    services.set(deps, service);
  }
  return service;
}
