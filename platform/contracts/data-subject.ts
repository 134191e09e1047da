import { createHmac } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AppConfig, SubgraphName } from '#platform/infra/config';
import { internalFetch, InternalRouteError, signedRoute } from '#platform/infra/http/internal-http';
import type { RouteHandler } from '#platform/infra/http/http-server';
import type { Logger } from '#platform/infra/observability/logger';
import { isUuid } from '#platform/infra/schema/ids';
import type { RevocationView } from '#platform/infra/auth/revocation';

/**
 * Data-subject requests (POPIA/GDPR) across subgraphs. Each subgraph owns its part: it exports
 * what it holds on a user and erases (or pseudonymises) it, behind two signed internal POST routes.
 * identity-consent orchestrates: it calls every part in parallel with a deadline and records the
 * outcome on the DataSubjectRequest.
 *
 * The internal signature covers the method, the path and the query, not a body: so the user id and
 * request id travel in the (signed) query string.
 */
export const SUBJECT_EXPORT_PATH = '/internal/subjects/export';
export const SUBJECT_ERASE_PATH = '/internal/subjects/erase';

/** At most this many rows of one kind in an export; a kind cut short is named in `truncated`. */
export const EXPORT_ROWS_PER_KIND = 10_000;

/** One subgraph's export: kinds of records (`listings`, `orders`, ...) → rows, plus the kinds that hit the cap. */
export interface SubjectExport {
  data: Record<string, unknown>;
  truncated: string[];
}

/** What one subgraph did on an erasure: rows erased or anonymised, rows kept (still about the user) and why. */
export interface SubjectErasure {
  erased: number;
  retained: number;
  reason: string | null;
  /** What happened to the user's data that arrived while the erasure ran (set by the route wrapper). */
  note?: string | null;
}

export interface SubjectCall {
  userId: string;
  requestId: string;
  log: Logger;
}

export interface DataSubjectHandlers {
  export(call: SubjectCall): Promise<SubjectExport>;
  /** Must be idempotent: a retried erasure runs it again. */
  erase(call: SubjectCall): Promise<SubjectErasure>;
}

/** Collects export sections and marks those cut at EXPORT_ROWS_PER_KIND (query them with LIMIT cap + 1). */
export class ExportBuilder {
  private readonly data: Record<string, unknown> = {};
  private readonly truncated: string[] = [];

  constructor(private readonly cap = EXPORT_ROWS_PER_KIND) {}

  /** The LIMIT to query with: one more than the cap, so a cut can be detected. */
  get limit(): number {
    return this.cap + 1;
  }

  rows(kind: string, rows: unknown[]): this {
    if (rows.length > this.cap) {
      this.truncated.push(kind);
      this.data[kind] = rows.slice(0, this.cap);
    } else {
      this.data[kind] = rows;
    }
    return this;
  }

  value(kind: string, value: unknown): this {
    this.data[kind] = value;
    return this;
  }

  build(): SubjectExport {
    return { data: this.data, truncated: this.truncated };
  }
}

/**
 * The stable pseudonym that replaces an erased user's id in records kept by law (e.g. completed
 * orders): a UUID made from an HMAC of the id under PSEUDONYM_SECRET, so one user's kept records
 * stay linkable to each other but not to the person without the key.
 */
export function pseudonymousId(secret: string, userId: string): string {
  const h = createHmac('sha256', secret).update(`erased-subject:${userId.toLowerCase()}`).digest();
  h[6] = (h[6] & 0x0f) | 0x80; // version 8: custom
  h[8] = (h[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Rows of an `UPDATE/DELETE … RETURNING` through TypeORM (pg answers `[rows, count]`, PGlite the rows). */
export async function returning<T = Record<string, unknown>>(
  m: EntityManager,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const result = await m.query(sql, params);
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}

type RouteDeps = Parameters<typeof signedRoute>[0] & {
  config: Pick<AppConfig, 'DATA_SUBJECT_TIMEOUT_MS'>;
  revocations?: RevocationView;
};

/** The two signed POST routes of a subgraph's part. */
export function dataSubjectRoutes(deps: RouteDeps, handlers: DataSubjectHandlers): Record<string, RouteHandler> {
  const route = (run: (call: SubjectCall) => Promise<unknown>): RouteHandler =>
    signedRoute(deps, async (query) => {
      const userId = query.get('userId');
      const requestId = query.get('requestId');
      if (!isUuid(userId) || !isUuid(requestId))
        throw new InternalRouteError(400, 'userId and requestId must be UUIDs');
      return run({ userId: userId.toLowerCase(), requestId, log: deps.log.child({ dataSubjectRequestId: requestId }) });
    });
  return {
    [SUBJECT_EXPORT_PATH]: route((call) => handlers.export(call)),
    [SUBJECT_ERASE_PATH]: route(
      deps.revocations
        ? eraseAfterInFlight(deps.revocations, deps.config.DATA_SUBJECT_TIMEOUT_MS / 3, handlers.erase)
        : handlers.erase,
    ),
  };
}

/**
 * Erasure, as each service runs its part: the user is marked erased in this service's revocation
 * view first (should the feed not have brought it yet), so no new request of theirs is admitted;
 * then the part waits for the user's requests admitted before that moment to finish, and only then
 * erases, so nothing they write lands after the erasure. What happened is the part's `note`.
 */
export function eraseAfterInFlight(
  view: RevocationView,
  waitMs: number,
  erase: (call: SubjectCall) => Promise<SubjectErasure>,
) {
  return async (call: SubjectCall): Promise<SubjectErasure> => {
    view.applyAll([{ kind: 'erasure', userId: call.userId, at: Date.now() }], 'local');
    const { waitedFor, drained } = await view.drain(call.userId, waitMs);
    const result = await erase(call);
    const note = drained
      ? `writes refused from the request on; ${waitedFor} request(s) admitted before it finished first, and what they wrote was erased`
      : `writes refused from the request on; ${waitedFor} request(s) admitted before it were still running after ${Math.round(waitMs)} ms: ask again to erase what they wrote`;
    if (waitedFor > 0) call.log.info({ waitedFor, drained }, "erasure waited for the user's requests in flight");
    return { ...result, note };
  };
}

/** Why a subgraph's part did not complete, in words fit for the request's failure reason. */
export class SubjectCallError extends Error {
  constructor(
    readonly subgraph: SubgraphName,
    message: string,
  ) {
    super(`${subgraph}: ${message}`);
  }
}

export interface DataSubjectClient {
  export(subgraph: SubgraphName, userId: string, requestId: string): Promise<SubjectExport>;
  erase(subgraph: SubgraphName, userId: string, requestId: string): Promise<SubjectErasure>;
}

/**
 * Calls another subgraph's part. The address is read at each call (the stack learns where
 * subgraphs listen after they start). A failure of any kind is a SubjectCallError naming the
 * subgraph, never a hang: each call has a deadline.
 */
export function createDataSubjectClient(
  config: Pick<AppConfig, 'subgraphUrls' | 'INTERNAL_SECRET'>,
  timeoutMs: number,
): DataSubjectClient {
  async function call<T>(subgraph: SubgraphName, path: string, userId: string, requestId: string): Promise<T> {
    let res: Response;
    try {
      res = await internalFetch(config, {
        origin: new URL(config.subgraphUrls[subgraph]).origin,
        method: 'POST',
        pathWithQuery: `${path}?userId=${encodeURIComponent(userId)}&requestId=${encodeURIComponent(requestId)}`,
        timeoutMs,
        requestId,
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') throw new SubjectCallError(subgraph, `did not answer within ${timeoutMs} ms`);
      throw new SubjectCallError(subgraph, `unreachable (${e.cause?.code ?? e.cause?.message ?? e.message})`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new SubjectCallError(subgraph, `answered HTTP ${res.status}`);
    }
    try {
      return (await res.json()) as T;
    } catch {
      throw new SubjectCallError(subgraph, 'answered with a body that is not JSON');
    }
  }
  return {
    export: (subgraph, userId, requestId) => call<SubjectExport>(subgraph, SUBJECT_EXPORT_PATH, userId, requestId),
    erase: (subgraph, userId, requestId) => call<SubjectErasure>(subgraph, SUBJECT_ERASE_PATH, userId, requestId),
  };
}
