import { EventEmitter } from 'node:events';
import { PGlite, types } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';

/**
 * A `pg`-shaped pool over one embedded PGlite database, for TypeORM's postgres driver.
 *
 * PGlite has a single session, so two transactions running at once would share it and see each
 * other's uncommitted rows. The pool therefore hands out its one connection to one query runner
 * at a time (a FIFO lock shared by every pool on the same PGlite instance): a transaction holds it
 * from BEGIN to COMMIT, and everything else waits. That is the isolation PostgreSQL would give.
 */
class SessionLock {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}

const locks = new WeakMap<PGlite, SessionLock>();
function lockFor(db: PGlite): SessionLock {
  let lock = locks.get(db);
  if (!lock) {
    lock = new SessionLock();
    locks.set(db, lock);
  }
  return lock;
}

interface PgLikeResult {
  rows: unknown[];
  rowCount: number;
  command: string;
  fields: Array<{ name: string; dataTypeID: number }>;
}

type Callback = (err: Error | null, result?: PgLikeResult) => void;

function commandOf(sql: string): string {
  const match = /^\s*(?:WITH\b[\s\S]*?\)\s*)?([A-Za-z]+)/.exec(sql);
  return match ? match[1].toUpperCase() : '';
}

async function run(db: PGlite, sql: string, params?: unknown[]): Promise<PgLikeResult> {
  if (params && params.length > 0) {
    const result = await db.query(sql, params);
    return {
      rows: result.rows,
      rowCount: result.affectedRows ?? result.rows.length,
      command: commandOf(sql),
      fields: result.fields,
    };
  }
  // Without parameters the simple protocol runs every statement of a script (migrations send
  // several); like pg, answer with the last statement's result.
  const results = await db.exec(sql);
  const last = results[results.length - 1] ?? { rows: [], fields: [], affectedRows: 0 };
  return {
    rows: last.rows,
    rowCount: last.affectedRows ?? last.rows.length,
    command: commandOf(sql),
    fields: last.fields,
  };
}

class PGliteClient extends EventEmitter {
  constructor(private readonly db: PGlite) {
    super();
  }

  query(sql: string, paramsOrCallback?: unknown[] | Callback, callback?: Callback): Promise<PgLikeResult> {
    const params = Array.isArray(paramsOrCallback) ? paramsOrCallback : undefined;
    const cb = typeof paramsOrCallback === 'function' ? paramsOrCallback : callback;
    const promise = run(this.db, sql, params);
    if (cb)
      promise.then(
        (r) => cb(null, r),
        (e: Error) => cb(e),
      );
    return promise;
  }
}

export function createPGliteDriver(db: PGlite) {
  const lock = lockFor(db);
  class PGlitePool extends EventEmitter {
    private readonly client = new PGliteClient(db);

    connect(callback?: (err: Error | null, client?: PGliteClient, release?: (err?: unknown) => void) => void) {
      const acquired = lock.acquire().then(() => {
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          lock.release();
        };
        return { client: this.client, release };
      });
      if (callback) {
        acquired.then(
          ({ client, release }) => callback(null, client, release),
          (e: Error) => callback(e),
        );
        return undefined;
      }
      return acquired.then(({ client, release }) => Object.assign(client, { release }));
    }

    async query(sql: string, params?: unknown[]): Promise<PgLikeResult> {
      await lock.acquire();
      try {
        return await run(db, sql, params);
      } finally {
        lock.release();
      }
    }

    end(callback?: (err?: Error) => void) {
      // The PGlite instance is shared by every subgraph in the process; its owner closes it.
      callback?.();
    }
  }
  return { Pool: PGlitePool };
}

const instances = new Map<string, Promise<PGlite>>();

/** One PGlite per data directory per process; `memory://` gives a throwaway in-memory database. */
export function openEmbeddedDatabase(dataDir: string): Promise<PGlite> {
  let instance = instances.get(dataDir);
  if (!instance) {
    instance = PGlite.create(dataDir, {
      // The catalogue's search index needs btree_gin (listings-matching's SearchWithinTypeIndex migration).
      extensions: { btree_gin },
      // Match node-postgres: 64-bit integers and numerics as strings, so both paths read alike.
      parsers: { [types.INT8]: (v: string) => v, [types.NUMERIC]: (v: string) => v },
    });
    instances.set(dataDir, instance);
  }
  return instance;
}

export async function closeEmbeddedDatabase(dataDir: string): Promise<void> {
  const instance = instances.get(dataDir);
  if (!instance) return;
  instances.delete(dataDir);
  await (await instance).close();
}
