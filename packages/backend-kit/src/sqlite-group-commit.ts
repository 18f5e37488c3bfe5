import type { Database } from 'better-sqlite3';

/** Options for {@link groupCommit}. */
export interface GroupCommitOptions {
  /** A batch this long is committed at once instead of waiting for the end of the turn. Default 256. */
  maxBatch?: number;
  /**
   * Makes everything committed so far durable, off the event loop (the SQLite store: an fsync of
   * the WAL on libuv's thread pool, with the connection at `synchronous=NORMAL`). When given, a
   * committed batch settles only after a `sync()` that STARTED after its COMMIT has resolved: one
   * sync at a time, and the batches committed while it runs share the next one. When absent, the
   * COMMIT itself must be durable (`synchronous=FULL`), and blocks the event loop while it fsyncs.
   */
  sync?: () => Promise<void>;
}

interface Queued {
  run: () => unknown;
  write: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Runs one operation on the group committer: returns its result once its batch has committed. */
export interface GroupCommitter {
  /**
   * Queues `run` (synchronous statements on the same connection) behind everything queued before
   * it. `write: false` promises it changes nothing: with nothing queued it runs at once, outside
   * any transaction.
   */
  submit<T>(run: () => T, write: boolean): Promise<T>;
  /** Commits whatever is queued now. */
  flush(): void;
  /** Resolves once every committed batch has been made durable and settled (close() waits for it). */
  drain(): Promise<void>;
}

/**
 * Group commit for a synchronous SQLite connection under `synchronous=FULL`: every operation
 * submitted in one event-loop turn runs, in submission order, inside ONE `BEGIN IMMEDIATE … COMMIT`,
 * so a burst of webhooks pays one fsync instead of one each. Each caller's promise settles only
 * after that COMMIT returned, so "resolved ⇒ on disk" still holds per operation.
 *
 * Each operation runs inside its own SAVEPOINT: one that throws is rolled back alone and rejects
 * alone; its batch-mates commit. A failed BEGIN (another process held the lock past busy_timeout)
 * or COMMIT rejects the whole batch, since none of it is on disk.
 *
 * With `sync` (see {@link GroupCommitOptions.sync}) the fsync leaves the event loop: the loop goes on
 * parsing, verifying and committing the next batches while the disk flushes the last ones. A failed
 * sync rejects every batch waiting for it and every write after it: once an fsync has failed, the
 * kernel may have dropped the unwritten pages, so nothing can be promised durable any more.
 */
export function groupCommit(db: Database, options: GroupCommitOptions = {}): GroupCommitter {
  const maxBatch = Math.max(1, options.maxBatch ?? 256);
  const stmt = {
    begin: db.prepare<[]>('BEGIN IMMEDIATE'),
    commit: db.prepare<[]>('COMMIT'),
    rollback: db.prepare<[]>('ROLLBACK'),
    savepoint: db.prepare<[]>('SAVEPOINT op'),
    release: db.prepare<[]>('RELEASE op'),
    rollbackTo: db.prepare<[]>('ROLLBACK TO op'),
  };

  let queue: Queued[] = [];
  let scheduled = false;

  const runReadsOnly = (batch: Queued[]): void => {
    // Nothing to make durable: each read sees everything committed before it, in order.
    for (const op of batch) {
      try {
        op.resolve(op.run());
      } catch (err) {
        op.reject(err);
      }
    }
  };

  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    if (!batch.some((op) => op.write)) return runReadsOnly(batch);

    const results: { ok: boolean; value: unknown }[] = [];
    if (syncFailed) {
      for (const op of batch) op.reject(syncFailed.error);
      return;
    }
    try {
      stmt.begin.run();
    } catch (err) {
      for (const op of batch) op.reject(err);
      return;
    }
    for (const op of batch) {
      stmt.savepoint.run();
      try {
        const value = op.run();
        stmt.release.run();
        results.push({ ok: true, value });
      } catch (err) {
        results.push({ ok: false, value: err });
        try {
          stmt.rollbackTo.run();
          stmt.release.run();
        } catch {
          // Checked just below.
        }
        if (!db.inTransaction) {
          // Some errors (I/O, disk full) make SQLite roll back the whole transaction: nothing of
          // this batch is on disk, so nobody in it may be told otherwise.
          for (const each of batch) each.reject(err);
          return;
        }
      }
    }
    try {
      stmt.commit.run();
    } catch (err) {
      if (db.inTransaction) {
        try {
          stmt.rollback.run();
        } catch {
          // The connection already rolled back; the batch is rejected either way.
        }
      }
      for (const op of batch) op.reject(err);
      return;
    }
    const settle = (): void =>
      batch.forEach((op, i) => {
        const result = results[i]!;
        if (result.ok) op.resolve(result.value);
        else op.reject(result.value);
      });
    if (!options.sync) return settle();
    unsynced.push({ settle, fail: (err) => batch.forEach((op) => op.reject(err)) });
    if (!syncing) syncing = syncLoop(options.sync);
  };

  // Batches committed but not yet durable, in commit order; `syncing` is the one sync loop.
  let unsynced: { settle: () => void; fail: (error: unknown) => void }[] = [];
  let syncing: Promise<void> | undefined;
  let syncFailed: { error: unknown } | undefined;
  const syncLoop = async (sync: () => Promise<void>): Promise<void> => {
    while (unsynced.length > 0) {
      // Everything in `waiting` committed before this sync starts, so this sync covers it.
      const waiting = unsynced;
      unsynced = [];
      try {
        await sync();
      } catch (error) {
        syncFailed ??= { error };
        for (const each of [...waiting, ...unsynced.splice(0)]) each.fail(error);
        break;
      }
      for (const each of waiting) each.settle();
    }
    syncing = undefined;
  };

  return {
    submit<T>(run: () => T, write: boolean): Promise<T> {
      if (!write && queue.length === 0) {
        // Everything submitted earlier has committed (flushes are synchronous), so reading now
        // keeps the order.
        try {
          return Promise.resolve(run());
        } catch (err) {
          return Promise.reject(err);
        }
      }
      const promise = new Promise<T>((resolve, reject) => {
        queue.push({ run, write, resolve: resolve as (value: unknown) => void, reject });
      });
      if (queue.length >= maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return promise;
    },
    flush,
    async drain() {
      while (syncing) await syncing;
    },
  };
}
