import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity';

/** The actions this subgraph records. Other modules add theirs (data-subject requests) here. */
export const AuditAction = {
  USER_REGISTERED: 'user.registered',
  LOGIN_SUCCEEDED: 'auth.login_succeeded',
  LOGIN_FAILED: 'auth.login_failed',
  REFRESH_TOKEN_REUSED: 'auth.refresh_token_reused',
  LOGOUT: 'auth.logout',
  ROLES_CHANGED: 'user.roles_changed',
  CONSENT_GRANTED: 'consent.granted',
  CONSENT_WITHDRAWN: 'consent.withdrawn',
  PARTNER_CLIENT_CREATED: 'partner.client_created',
  PARTNER_CLIENT_REVOKED: 'partner.client_revoked',
  DATA_EXPORT_REQUESTED: 'dsr.export_requested',
  DATA_EXPORT_COMPLETED: 'dsr.export_completed',
  DATA_EXPORT_FAILED: 'dsr.export_failed',
  ERASURE_REQUESTED: 'dsr.erasure_requested',
  ERASURE_RETRIED: 'dsr.erasure_retried',
  ERASURE_COMPLETED: 'dsr.erasure_completed',
  ERASURE_FAILED: 'dsr.erasure_failed',
} as const;

export interface AuditEntry {
  action: string;
  actorId?: string | null;
  subjectId?: string | null;
  /** Ids and reasons, not personal data: the log can never be edited, so it must not need erasing. */
  details?: Record<string, unknown> | null;
}

export const GENESIS_HASH = '0'.repeat(64);
/** Serialises appends across every process sharing the database; released at commit. */
const CHAIN_LOCK_KEY = 'identity.audit_events.chain';

/** JSON with object keys sorted at every level, so the same row always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

interface HashedFields {
  sequence: number;
  at: Date;
  actorId: string | null;
  action: string;
  subjectId: string | null;
  details: Record<string, unknown> | null;
}

export function auditHash(previousHash: string, row: HashedFields): string {
  const body = canonicalJson({
    sequence: row.sequence,
    at: row.at.toISOString(),
    actorId: row.actorId,
    action: row.action,
    subjectId: row.subjectId,
    details: row.details,
  });
  return createHash('sha256')
    .update(previousHash + body)
    .digest('hex');
}

/**
 * Appends one event inside the caller's transaction, so the event exists exactly when the action
 * it records committed. The advisory lock makes concurrent appends take turns on the chain head.
 */
export async function append(manager: EntityManager, entry: AuditEntry): Promise<AuditEventEntity> {
  if (!manager.queryRunner?.isTransactionActive) throw new Error('audit.append must run inside a transaction');
  await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [CHAIN_LOCK_KEY]);
  const [head] = (await manager.query(
    'SELECT sequence, hash FROM identity.audit_events ORDER BY sequence DESC LIMIT 1',
  )) as {
    sequence: string;
    hash: string;
  }[];
  const sequence = head ? Number(head.sequence) + 1 : 1;
  const previousHash = head ? head.hash : GENESIS_HASH;
  // Millisecond precision: what timestamptz(3) stores, so the hash recomputes from the stored row.
  const at = new Date();
  const fields: HashedFields = {
    sequence,
    at,
    actorId: entry.actorId ?? null,
    action: entry.action,
    subjectId: entry.subjectId ?? null,
    details: entry.details ?? null,
  };
  const repo = manager.getRepository(AuditEventEntity);
  return repo.save(
    repo.create({ ...fields, sequence: String(sequence), previousHash, hash: auditHash(previousHash, fields) }),
  );
}

/** Appends in a transaction of its own, for events with no other write (a failed login). */
export function appendAlone(dataSource: DataSource, entry: AuditEntry): Promise<AuditEventEntity> {
  return dataSource.transaction((manager) => append(manager, entry));
}

export interface AuditVerificationResult {
  valid: boolean;
  checked: number;
  firstBrokenSequence: number | null;
}

const VERIFY_BATCH = 1000;

/**
 * Walks the whole chain in sequence order, in batches: each row's previousHash must be the hash of
 * the row before, its hash must recompute from its contents, and sequences must have no gap (a
 * deleted row). Reports the first sequence where any of that fails.
 */
export async function verifyChain(dataSource: DataSource): Promise<AuditVerificationResult> {
  let expectedSequence = 1;
  let previousHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const rows = await dataSource
      .getRepository(AuditEventEntity)
      .createQueryBuilder('a')
      .where('a.sequence >= :from', { from: expectedSequence })
      .orderBy('a.sequence', 'ASC')
      .limit(VERIFY_BATCH)
      .getMany();
    for (const row of rows) {
      const sequence = Number(row.sequence);
      const broken =
        sequence !== expectedSequence ||
        row.previousHash !== previousHash ||
        row.hash !== auditHash(row.previousHash, { ...row, sequence });
      if (broken) return { valid: false, checked, firstBrokenSequence: expectedSequence };
      checked += 1;
      expectedSequence += 1;
      previousHash = row.hash;
    }
    if (rows.length < VERIFY_BATCH) return { valid: true, checked, firstBrokenSequence: null };
  }
}
