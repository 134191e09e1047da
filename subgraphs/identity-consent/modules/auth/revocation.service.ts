import type { DataSource, EntityManager } from 'typeorm';
import {
  revocationChannel,
  RevocationPublisher,
  type RevocationEntry,
  type RevocationKind,
  type RevocationSync,
} from '#platform/infra/auth/revocation';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { withRunner } from '#platform/infra/events/db';

export interface NewRevocation {
  kind: RevocationKind;
  userId: string;
  sessionId?: string | null;
  minVersion?: number | null;
  /** logout, refresh_reuse, account_unavailable, roles_changed, erasure_requested. */
  reason: string;
}

interface Row {
  kind: RevocationKind;
  user_id: string;
  session_id: string | null;
  min_version: number | null;
  at: string | number;
}

function toEntry(r: Row): RevocationEntry {
  return { kind: r.kind, userId: r.user_id, sessionId: r.session_id, minVersion: r.min_version, at: Number(r.at) };
}

/** Writes revocations in the caller's transaction; announce them with `announceRevocations` after it commits. */
export async function recordRevocations(
  manager: EntityManager,
  revocations: NewRevocation[],
): Promise<RevocationEntry[]> {
  const out: RevocationEntry[] = [];
  for (const r of revocations) {
    const rows: Row[] = await manager.query(
      `INSERT INTO identity.revocations (kind, user_id, session_id, min_version, reason) VALUES ($1, $2, $3, $4, $5)
       RETURNING kind, user_id, session_id, min_version, (extract(epoch FROM recorded_at) * 1000)::bigint AS at`,
      [r.kind, r.userId, r.sessionId ?? null, r.minVersion ?? null, r.reason],
    );
    out.push(toEntry(rows[0]));
  }
  return out;
}

const publishers = new WeakMap<SubgraphDeps, RevocationPublisher>();

function publisher(deps: SubgraphDeps): RevocationPublisher {
  let p = publishers.get(deps);
  if (!p) {
    p = new RevocationPublisher({
      redisUrl: deps.config.REDIS_URL,
      channel: revocationChannel(deps.config.REDIS_KEY_PREFIX),
      log: deps.log,
    });
    publishers.set(deps, p);
  }
  return p;
}

/**
 * After the transaction that recorded them committed: this service's view applies them at once, the
 * other services in this process at once too, and other replicas through Redis (or their poll).
 */
export async function announceRevocations(deps: SubgraphDeps, entries: RevocationEntry[]): Promise<void> {
  if (entries.length === 0) return;
  deps.revocations.applyAll(entries, 'local');
  await publisher(deps).publish(entries);
}

export async function closeRevocationPublisher(deps: SubgraphDeps): Promise<void> {
  await publishers.get(deps)?.close();
  publishers.delete(deps);
}

/**
 * The log as the views read it: the whole relevant part when `sinceMs` is null (erasures for good,
 * the rest for one token lifetime and a minute), else what was recorded since.
 */
export async function readRevocationLog(
  db: DataSource,
  tokenTtlSeconds: number,
  sinceMs: number | null,
): Promise<{ now: number; entries: RevocationEntry[] }> {
  // One statement, on a runner tagged as background work: the views' polls are not any request's statements.
  const rows: Array<Row & { now: string | number | null }> = await withRunner(db, (runner) =>
    runner.query(
      `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now, r.kind, r.user_id, r.session_id, r.min_version,
              (extract(epoch FROM r.recorded_at) * 1000)::bigint AS at
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (
           SELECT * FROM identity.revocations
            WHERE CASE WHEN $2::double precision IS NULL
                       THEN kind = 'erasure' OR recorded_at > clock_timestamp() - make_interval(secs => $1::double precision)
                       ELSE recorded_at >= to_timestamp($2::double precision / 1000) END
            ORDER BY seq LIMIT CASE WHEN $2::double precision IS NULL THEN NULL ELSE 10000 END
         ) r ON true`,
      [tokenTtlSeconds + 60, sinceMs],
    ),
  );
  const now = Number(rows[0]?.now ?? Date.now());
  return { now, entries: rows.filter((r) => r.kind).map(toEntry) };
}

/** identity-consent's own view reads its table directly. */
export function databaseRevocationSync(deps: Pick<SubgraphDeps, 'db' | 'config'>): RevocationSync {
  return { fetch: (since) => readRevocationLog(deps.db.dataSource, deps.config.ACCESS_TOKEN_TTL_SECONDS, since) };
}

/** Session and user entries older than a token lifetime can end nothing any more; erasures stay. */
export async function pruneRevocationLog(db: DataSource, tokenTtlSeconds: number): Promise<void> {
  await withRunner(db, (runner) =>
    runner.query(
      `DELETE FROM identity.revocations WHERE kind <> 'erasure' AND recorded_at < clock_timestamp() - make_interval(secs => $1::double precision)`,
      [tokenTtlSeconds + 3600],
    ),
  );
}
