import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '#platform/infra/observability/logger';

/**
 * The revocation model (docs/revocation.md). identity-consent owns every decision about a person's
 * tokens and writes each one to its revocation log; every service (gateway and subgraphs) keeps an
 * in-memory view of that log and checks each access token against it, with no network round trip
 * on the request path.
 *
 * - `session`: one session (refresh-token family; the access token's `sid`) ended: logout, reuse of
 *   a rotated refresh token, a refresh refused for a disabled account.
 * - `user`: every token of the user below `minVersion` (the access token's `ver`) ended: a role
 *   change. Tokens without `ver` (issued before this model) end when issued before `at`.
 * - `erasure`: the user asked to be erased: every token ends and no new one is issued; services
 *   refuse any write for the user id from then on. Kept for good (the others only for one token
 *   lifetime, after which every token they could end has expired anyway).
 */
export type RevocationKind = 'session' | 'user' | 'erasure';

export interface RevocationEntry {
  kind: RevocationKind;
  userId: string;
  sessionId?: string | null;
  minVersion?: number | null;
  /** When the decision was taken (epoch ms). */
  at: number;
}

/** The claims of a verified access token that revocation looks at. */
export interface TokenClaims {
  sub: string;
  sid?: string;
  ver?: number;
  /** Issued at, epoch seconds. */
  iat?: number;
}

/** A long poll: answer when the log has changed since `token` was handed out, or after `ms`. */
export interface RevocationWait {
  token: string;
  ms: number;
}

export interface RevocationSync {
  /**
   * The log from `sinceMs` on (identity's clock; overlapping windows are harmless: entries are
   * idempotent). A sync that can hold the read (identity-consent over HTTP) takes `wait` and answers
   * with the `token` of the log it read; one that cannot ignores `wait` and gives no token.
   */
  fetch(
    sinceMs: number | null,
    options?: { wait?: RevocationWait; signal?: AbortSignal },
  ): Promise<{ now: number; entries: RevocationEntry[]; token?: string }>;
}

/** Decisions taken in this process reach every view in it before the mutation's response leaves. */
export const localFeed = new EventEmitter();
localFeed.setMaxListeners(0);

export function revocationChannel(prefix: string): string {
  return `${prefix}revocations`;
}

export function isEntry(value: unknown): value is RevocationEntry {
  const e = value as RevocationEntry;
  return (
    !!e &&
    typeof e === 'object' &&
    (e.kind === 'session' || e.kind === 'user' || e.kind === 'erasure') &&
    typeof e.userId === 'string' &&
    typeof e.at === 'number'
  );
}

/**
 * Publishes decisions identity-consent has committed: in process at once, and on Redis when
 * configured. The log in the database stays the truth; the views' poll catches anything a lost
 * message missed.
 */
export class RevocationPublisher {
  private redis: Redis | null = null;

  constructor(private readonly options: { redisUrl?: string; channel: string; log: Logger }) {
    if (options.redisUrl) {
      this.redis = new Redis(options.redisUrl, {
        lazyConnect: false,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: true,
      });
      this.redis.on('error', (err) => options.log.warn({ err: err.message }, 'revocation publisher: Redis error'));
    }
  }

  async publish(entries: RevocationEntry[]): Promise<void> {
    if (entries.length === 0) return;
    localFeed.emit('entries', entries);
    if (!this.redis) return;
    try {
      await this.redis.publish(this.options.channel, JSON.stringify(entries));
    } catch (err) {
      // The views' poll of the log delivers it within REVOCATION_POLL_MS.
      this.options.log.warn(
        { err: (err as Error).message },
        'could not publish a revocation on Redis; replicas learn it at their next poll',
      );
    }
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
