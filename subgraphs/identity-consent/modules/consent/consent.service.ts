import type { DataSource, EntityManager } from 'typeorm';
import type { ClientInfo } from '#platform/infra/service/subgraph';
import type { Outbox } from '#platform/infra/events/outbox';
import type { ActiveConsent } from '#platform/contracts/consent-client';
import { BadUserInputError, ConflictError, NotFoundError, UnauthenticatedError } from '#platform/infra/errors';
import { UserEntity } from '../user/user.entity';
import { isUuid } from '#platform/infra/schema/ids';
import { append, AuditAction } from '../audit/audit.service';
import { ConsentEntity } from './consent.entity';
import { consentStatus, ConsentStatus, statusCondition } from './consent.type';
import type { GrantConsentInput } from './consent.input';

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

function validDataSourceId(id: string): string {
  if (!isUuid(id)) throw new BadUserInputError('dataSourceId must be a UUID', 'dataSourceId');
  return id.toLowerCase();
}

function validate(input: GrantConsentInput, now: number) {
  const dataSourceId = validDataSourceId(input.dataSourceId);
  const purpose = input.purpose.trim();
  if (purpose.length < 3 || purpose.length > 500)
    throw new BadUserInputError('purpose must be 3 to 500 characters', 'purpose');
  if (!VERSION.test(input.consentVersion)) {
    throw new BadUserInputError(
      'consentVersion must be 1 to 32 letters, digits, dots, dashes or underscores',
      'consentVersion',
    );
  }
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= now)) {
    throw new BadUserInputError('expiresAt must be in the future', 'expiresAt');
  }
  return { dataSourceId, purpose, consentVersion: input.consentVersion, expiresAt };
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { driverError?: { code?: string } })?.driverError?.code === '23505';
}

/** The account must still be usable: an erased user's unexpired access token grants nothing new. */
async function requireUsableAccount(manager: EntityManager, userId: string): Promise<void> {
  const user = await manager.getRepository(UserEntity).findOneBy({ id: userId });
  if (!user || user.erasedAt || user.erasureRequestedAt || user.disabledAt) throw new UnauthenticatedError();
}

function lockActive(manager: EntityManager, userId: string, dataSourceId: string) {
  return manager
    .getRepository(ConsentEntity)
    .findOne({ where: { userId, dataSourceId, status: 'ACTIVE' }, lock: { mode: 'pessimistic_write' } });
}

/**
 * Grants consent in one transaction, with its consent.granted event (outbox) and audit entry.
 * Erased or disabled accounts cannot grant (their access token may still be alive for minutes).
 * One ACTIVE consent per user and source: granting again while one is in force is a CONFLICT
 * (withdraw first, then grant the new terms). A lapsed grant is closed as EXPIRED and a new row is
 * written; nothing is overwritten, so the history of what was agreed when stays intact.
 */
export async function grantConsent(
  db: DataSource,
  outbox: Outbox,
  userId: string,
  input: GrantConsentInput,
  client: ClientInfo,
): Promise<ConsentEntity> {
  const now = Date.now();
  const valid = validate(input, now);
  try {
    return await db.transaction(async (manager) => {
      await requireUsableAccount(manager, userId);
      const current = await lockActive(manager, userId, valid.dataSourceId);
      if (current) {
        if (consentStatus(current, now) === ConsentStatus.ACTIVE) {
          throw new ConflictError(
            'Consent for this data source is already active; withdraw it before granting new terms',
          );
        }
        await manager.getRepository(ConsentEntity).update({ id: current.id }, { status: 'EXPIRED' });
      }
      const repo = manager.getRepository(ConsentEntity);
      const consent = await repo.save(
        repo.create({
          userId,
          dataSourceId: valid.dataSourceId,
          accessLevel: input.accessLevel,
          purpose: valid.purpose,
          consentVersion: valid.consentVersion,
          status: 'ACTIVE',
          grantedAt: new Date(now),
          withdrawnAt: null,
          expiresAt: valid.expiresAt,
          ipAddress: client.ip,
          userAgent: client.userAgent,
        }),
      );
      await outbox.add(manager, {
        type: 'consent.granted',
        payload: {
          consentId: consent.id,
          userId,
          dataSourceId: consent.dataSourceId,
          accessLevel: consent.accessLevel,
          consentVersion: consent.consentVersion,
          expiresAt: consent.expiresAt ? consent.expiresAt.toISOString() : null,
        },
      });
      await append(manager, {
        action: AuditAction.CONSENT_GRANTED,
        actorId: userId,
        subjectId: userId,
        details: {
          consentId: consent.id,
          dataSourceId: consent.dataSourceId,
          accessLevel: consent.accessLevel,
          consentVersion: consent.consentVersion,
        },
      });
      return consent;
    });
  } catch (err) {
    // Two grants racing: the partial unique index lets one through.
    if (isUniqueViolation(err))
      throw new ConflictError('Consent for this data source is already active; withdraw it before granting new terms');
    throw err;
  }
}

/** Withdraws the consent in force, in one transaction with its consent.withdrawn event and audit entry. */
export async function withdrawConsent(
  db: DataSource,
  outbox: Outbox,
  userId: string,
  dataSourceId: string,
): Promise<ConsentEntity> {
  const sourceId = validDataSourceId(dataSourceId);
  return db.transaction(async (manager) => {
    const current = await lockActive(manager, userId, sourceId);
    if (!current || consentStatus(current) !== ConsentStatus.ACTIVE)
      throw new NotFoundError('No active consent for this data source');
    current.status = 'WITHDRAWN';
    current.withdrawnAt = new Date();
    await manager
      .getRepository(ConsentEntity)
      .update({ id: current.id }, { status: current.status, withdrawnAt: current.withdrawnAt });
    await outbox.add(manager, {
      type: 'consent.withdrawn',
      payload: { consentId: current.id, userId, dataSourceId: current.dataSourceId },
    });
    await append(manager, {
      action: AuditAction.CONSENT_WITHDRAWN,
      actorId: userId,
      subjectId: userId,
      details: { consentId: current.id, dataSourceId: current.dataSourceId },
    });
    return current;
  });
}

/** What other subgraphs ask for on every request that needs consent: in force right now, never cached. */
export async function activeConsents(db: DataSource, userId: string): Promise<ActiveConsent[]> {
  const rows = await db
    .getRepository(ConsentEntity)
    .createQueryBuilder('c')
    .where('c.user_id = :userId', { userId })
    .andWhere(statusCondition(ConsentStatus.ACTIVE))
    .orderBy('c.data_source_id')
    .getMany();
  return rows.map((r) => ({
    dataSourceId: r.dataSourceId,
    accessLevel: r.accessLevel,
    consentVersion: r.consentVersion,
    expiresAt: r.expiresAt ? r.expiresAt.toISOString() : null,
  }));
}

/**
 * Erasure, at request time: every consent in force is withdrawn, each with its consent.withdrawn
 * event and an audit entry naming the erasure request. Idempotent: a retry finds none ACTIVE.
 */
export async function withdrawAllForErasure(
  manager: EntityManager,
  outbox: Outbox,
  userId: string,
  requestId: string,
): Promise<number> {
  const active = await manager
    .getRepository(ConsentEntity)
    .createQueryBuilder('c')
    .setLock('pessimistic_write')
    .where('c.user_id = :userId', { userId })
    .andWhere(`c.status = 'ACTIVE'`)
    .getMany();
  const withdrawnAt = new Date();
  for (const consent of active) {
    await manager.getRepository(ConsentEntity).update({ id: consent.id }, { status: 'WITHDRAWN', withdrawnAt });
    await outbox.add(manager, {
      type: 'consent.withdrawn',
      payload: { consentId: consent.id, userId, dataSourceId: consent.dataSourceId },
    });
    await append(manager, {
      action: AuditAction.CONSENT_WITHDRAWN,
      actorId: null,
      subjectId: userId,
      details: { consentId: consent.id, dataSourceId: consent.dataSourceId, reason: 'erasure_requested', requestId },
    });
  }
  return active.length;
}
