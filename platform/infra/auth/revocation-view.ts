import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '#platform/infra/observability/logger';
import {
  isEntry,
  localFeed,
  type RevocationEntry,
  type RevocationSync,
  type TokenClaims,
} from '#platform/infra/auth/revocation-log';

export interface RevocationViewOptions {
  service: string;
  log: Logger;
  /** How long an access token lives: session and user entries are kept this long (plus a minute). */
  tokenTtlMs: number;
  /** How often the view re-reads the log (the feed's safety net, and its heartbeat). */
  pollMs: number;
  /**
   * Let the log's owner hold a read up to this long until something changes (0: plain polls). A
   * sync that cannot hold reads answers at once, and the view then reads every `pollMs`.
   */
  longPollMs?: number;
  /** Past this without a successful read of the log, signed-in requests are refused (fail closed). */
  maxStalenessMs: number;
  sync: RevocationSync;
  /** Redis pub/sub for sub-second propagation across replicas; without it the poll is the feed. */
  redisUrl?: string;
  channel?: string;
  /**
   * Listen to decisions taken in this process at once (default true). A test that stands for a
   * replica in another process turns it off, so only Redis or the poll can reach it.
   */
  local?: boolean;
  registry?: Registry;
}

export type RevocationVerdict = null | 'TOKEN_REVOKED' | 'STALE';

/**
 * One service's view of the revocation log. `check` runs on every request that carries a token; it
 * touches only memory. The view is loaded at start, fed by the in-process feed and Redis pub/sub,
 * and re-read every `pollMs`. If it cannot be re-read for `maxStalenessMs`, `check` answers STALE
 * and the service refuses signed-in requests until it can (anonymous ones are still served).
 */
export class RevocationView {
  private readonly sessions = new Map<string, number>();
  private readonly users = new Map<string, { minVersion: number; at: number }>();
  private readonly erased = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private lastSyncedAt = 0;
  private serverSince: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private subscriber: Redis | null = null;
  private stopped = false;
  private readonly onLocal = (entries: RevocationEntry[]) => this.applyAll(entries, 'local');
  /** Names the state of this view's log: `boot` tells a restarted process apart, `generation` counts changes. */
  private readonly boot = randomBytes(6).toString('hex');
  private generation = 0;
  private readonly waiters = new Set<() => void>();
  private waitersReleased = false;
  /** The owner's token for the log as last read (null: ask without holding). */
  private serverToken: string | null = null;
  private lastPollStartedAt = 0;
  private readonly polling = new Set<AbortController>();
  private readonly lag?: Histogram<'feed'>;

  constructor(private readonly options: RevocationViewOptions) {
    if (options.registry) {
      this.lag = new Histogram({
        name: 'revocation_propagation_seconds',
        help: 'Time from a revocation decision in identity-consent to this service applying it, by feed',
        labelNames: ['feed'] as const,
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
        registers: [options.registry],
      });
      const age = () => (this.lastSyncedAt ? (Date.now() - this.lastSyncedAt) / 1000 : -1);
      new Gauge({
        name: 'revocation_view_age_seconds',
        help: 'Seconds since this service last read the revocation log',
        registers: [options.registry],
        // Several workers (GATEWAY_WORKERS): the stalest one's view.
        aggregator: 'max',
        collect() {
          this.set(age());
        },
      });
    }
  }

  /** Loads the log (retrying for up to `waitMs`), then keeps it current. */
  async start(waitMs = 5000): Promise<void> {
    if (this.options.local !== false) localFeed.on('entries', this.onLocal);
    if (this.options.redisUrl && this.options.channel) this.subscribe(this.options.redisUrl, this.options.channel);
    const deadline = Date.now() + waitMs;
    while (!this.stopped) {
      if (await this.poll()) break;
      if (Date.now() > deadline) {
        this.options.log.warn('revocation log not loaded yet; signed-in requests are refused until it is');
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const poll of this.polling) poll.abort();
    this.releaseWaiters();
    localFeed.off('entries', this.onLocal);
    if (this.subscriber) {
      this.subscriber.removeAllListeners('message');
      await this.subscriber.quit().catch(() => undefined);
    }
  }

  /** Whether this token is still good. Pure memory: the request path never waits on the network. */
  check(claims: TokenClaims, now = Date.now()): RevocationVerdict {
    if (now - this.lastSyncedAt > this.options.maxStalenessMs) return 'STALE';
    if (this.erased.has(claims.sub)) return 'TOKEN_REVOKED';
    if (claims.sid) {
      const revokedAt = this.sessions.get(claims.sid);
      if (revokedAt !== undefined && revokedAt > now - this.keepMs) return 'TOKEN_REVOKED';
    }
    const user = this.users.get(claims.sub);
    if (user && user.at > now - this.keepMs) {
      if (typeof claims.ver === 'number' ? claims.ver < user.minVersion : (claims.iat ?? 0) * 1000 < user.at)
        return 'TOKEN_REVOKED';
    }
    return null;
  }

  /** True once erasure was requested for this user: services refuse their writes. */
  isErased(userId: string): boolean {
    return this.erased.has(userId);
  }

  /** Milliseconds since the log was last read (for /ready and the docs' bound). */
  age(now = Date.now()): number {
    return this.lastSyncedAt ? now - this.lastSyncedAt : Infinity;
  }

  /**
   * The token of this view's log as it is now. It changes whenever the view applies a decision new
   * to it, so identity-consent can hold another service's read until the answer would differ.
   */
  get changeToken(): string {
    return `${this.boot}.${this.generation}`;
  }

  /** Resolves once this view applies a decision new to it (or `ms` passes), at once if `token` is not current. */
  waitForChange(token: string, ms: number): Promise<void> {
    if (token !== this.changeToken || this.waitersReleased || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      // A held read must not keep a process alive that is otherwise done.
      timer.unref();
      this.waiters.add(done);
    });
  }

  /** Answers every held read now, and later ones at once: the service is stopping and must not wait for them. */
  releaseWaiters(): void {
    this.waitersReleased = true;
    for (const done of [...this.waiters]) done();
  }

  /** Applies decisions (idempotent: the newest wins). Also used by the service that took them. */
  applyAll(entries: RevocationEntry[], feed: 'local' | 'redis' | 'poll' = 'local'): void {
    const now = Date.now();
    let changed = false;
    for (const e of entries) {
      if (!isEntry(e)) continue;
      let fresh = false;
      if (e.kind === 'erasure') {
        fresh = !this.erased.has(e.userId);
        if (fresh) this.erased.set(e.userId, e.at);
      } else if (e.kind === 'session' && e.sessionId) {
        fresh = !this.sessions.has(e.sessionId);
        if (fresh || (this.sessions.get(e.sessionId) ?? 0) < e.at) this.sessions.set(e.sessionId, e.at);
      } else if (e.kind === 'user') {
        const current = this.users.get(e.userId);
        const minVersion = Math.max(current?.minVersion ?? 0, e.minVersion ?? 0);
        fresh = !current || minVersion > current.minVersion || e.at > current.at;
        if (fresh) this.users.set(e.userId, { minVersion, at: Math.max(current?.at ?? 0, e.at) });
      }
      if (fresh) {
        changed = true;
        this.lag?.observe({ feed }, Math.max(0, now - e.at) / 1000);
      }
    }
    if (changed) {
      this.generation++;
      for (const done of [...this.waiters]) done();
    }
  }

  /**
   * Erasure: a request of this user that was admitted before the decision may still be writing.
   * Requests are counted per user while they run, so the erasure can wait for them to finish.
   */
  enter(userId: string): () => void {
    this.inFlight.set(userId, (this.inFlight.get(userId) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.inFlight.get(userId) ?? 1) - 1;
      if (n <= 0) this.inFlight.delete(userId);
      else this.inFlight.set(userId, n);
    };
  }

  /** Waits (up to `timeoutMs`) until no request of this user is running; returns how many there were. */
  async drain(userId: string, timeoutMs: number): Promise<{ waitedFor: number; drained: boolean }> {
    const waitedFor = this.inFlight.get(userId) ?? 0;
    const deadline = Date.now() + timeoutMs;
    while ((this.inFlight.get(userId) ?? 0) > 0) {
      if (Date.now() > deadline) return { waitedFor, drained: false };
      await new Promise((r) => setTimeout(r, 10));
    }
    return { waitedFor, drained: true };
  }

  private get keepMs(): number {
    return this.options.tokenTtlMs + 60_000;
  }

  private subscribe(url: string, channel: string): void {
    const sub = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: null });
    this.subscriber = sub;
    sub.on('error', (err) =>
      this.options.log.warn({ err: err.message }, 'revocation feed: Redis error; the poll carries on'),
    );
    // After a reconnect, messages published meanwhile are gone: read the log at once.
    sub.on('ready', () => void this.poll());
    sub.on('message', (_channel, message) => {
      try {
        const parsed = JSON.parse(message) as unknown;
        if (Array.isArray(parsed)) this.applyAll(parsed as RevocationEntry[], 'redis');
      } catch {
        this.options.log.warn('revocation feed: unreadable message ignored');
      }
    });
    sub
      .subscribe(channel)
      .catch((err) => this.options.log.warn({ err: (err as Error).message }, 'revocation feed: could not subscribe'));
  }

  /**
   * The next read starts `pollMs` after the last one started: at once after a read the owner held
   * (it answered because something changed, or its wait ran out), on the old cadence otherwise.
   */
  private schedule(): void {
    if (this.stopped) return;
    const delay = Math.max(0, this.lastPollStartedAt + this.options.pollMs - Date.now());
    this.timer = setTimeout(async () => {
      await this.poll();
      this.schedule();
    }, delay);
    this.timer.unref();
  }

  /** Reads the log since the last read (with an overlap, so a slow commit is not skipped). */
  private async poll(): Promise<boolean> {
    this.lastPollStartedAt = Date.now();
    const polling = new AbortController();
    this.polling.add(polling);
    try {
      const since = this.serverSince === null ? null : this.serverSince - 5_000;
      const longPollMs = this.options.longPollMs ?? 0;
      const wait =
        this.serverToken !== null && longPollMs > 0 ? { token: this.serverToken, ms: longPollMs } : undefined;
      const { now, entries, token } = await this.options.sync.fetch(since, { wait, signal: polling.signal });
      this.applyAll(entries, 'poll');
      this.serverToken = token ?? null;
      this.serverSince = now;
      this.lastSyncedAt = Date.now();
      this.prune();
      return true;
    } catch (err) {
      this.serverToken = null;
      if (this.stopped) return false;
      if (this.age() > this.options.maxStalenessMs / 2) {
        this.options.log.warn({ err: (err as Error).message, ageMs: this.age() }, 'could not read the revocation log');
      }
      return false;
    } finally {
      this.polling.delete(polling);
    }
  }

  private prune(): void {
    const cutoff = Date.now() - this.keepMs;
    for (const [sid, at] of this.sessions) if (at < cutoff) this.sessions.delete(sid);
    for (const [userId, u] of this.users) if (u.at < cutoff) this.users.delete(userId);
  }
}
