import type { EntityManager } from 'typeorm';

/**
 * Writes a consumer's handlers hand over instead of running one statement per event: one writer
 * call per batch, in the same transaction, after the batch's last handler and before the commit.
 * A failing write fails the batch like a failing handler does (it rolls back and its events are
 * applied one at a time), so nothing is recorded processed without its effect.
 */
export interface BatchWriter<R> {
  readonly name: string;
  write(manager: EntityManager, rows: R[]): Promise<void>;
}

/** The rows a transaction's handlers deferred, per writer, in the order they were handed over. */
export class DeferredWrites {
  private readonly pending = new Map<BatchWriter<unknown>, unknown[]>();

  readonly add = <R>(writer: BatchWriter<R>, row: R): void => {
    const rows = this.pending.get(writer as BatchWriter<unknown>);
    if (rows) rows.push(row);
    else this.pending.set(writer as BatchWriter<unknown>, [row]);
  };

  async flush(manager: EntityManager): Promise<void> {
    for (const [writer, rows] of this.pending) await writer.write(manager, rows);
    this.pending.clear();
  }
}
