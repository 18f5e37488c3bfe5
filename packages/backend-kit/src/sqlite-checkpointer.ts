/**
 * WAL checkpoints off the event loop. A checkpoint copies committed pages from the WAL back into
 * the database file and fsyncs it; SQLite runs it inside whichever COMMIT pushes the WAL past
 * `wal_autocheckpoint` pages, which on a large file (random pages all over a gigabyte) stalls the
 * process for tens of milliseconds: the webhook ack p99 grew with the number of rows stored.
 *
 * Here a worker thread with its own connection runs `PRAGMA wal_checkpoint(PASSIVE)` a short while
 * after writes, so the WAL stays small and the committing thread never checkpoints. PASSIVE never
 * waits for, or blocks, the writer. Should the thread fail, the store puts SQLite's own automatic
 * checkpoints back (see sqlite-store.ts): slower acks, never an unbounded WAL.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// CommonJS evaluated in the thread: no loader, no TypeScript, nothing of the host's execArgv.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true });
  } catch (error) {
    // SQLITE_BUSY (another process is checkpointing) is not a failure: the next round catches up.
    parentPort.postMessage({ ok: error && error.code === 'SQLITE_BUSY', error: String((error && error.message) || error) });
  }
});
`;

export interface Checkpointer {
  /** Something was committed: checkpoint within `intervalMs`. */
  poke(): void;
  close(): Promise<void>;
}

export function backgroundCheckpointer(options: {
  file: string;
  intervalMs: number;
  busyTimeoutMs: number;
  /** The thread failed: from now on the caller must checkpoint some other way. */
  onFailure: (error: Error) => void;
}): Checkpointer {
  let worker: Worker | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let dirty = false;
  let failed = false;
  let closed = false;

  const fail = (error: Error): void => {
    if (failed || closed) return;
    failed = true;
    clearTimeout(timer);
    void worker?.terminate();
    worker = undefined;
    options.onFailure(error);
  };

  const start = (): Worker => {
    const thread = new Worker(THREAD, {
      eval: true,
      execArgv: [],
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        file: options.file,
        busyTimeoutMs: options.busyTimeoutMs,
      },
    });
    // A checkpoint never keeps the process alive: close() (or the exit) ends it.
    thread.unref();
    thread.on('message', (reply: { ok: boolean; error?: string }) => {
      running = false;
      if (!reply.ok) return fail(new Error(`background WAL checkpoint failed: ${reply.error}`));
      if (dirty) schedule();
    });
    thread.on('error', fail);
    thread.on('exit', (code) => {
      if (!closed) fail(new Error(`background WAL checkpoint thread exited (${code})`));
    });
    return thread;
  };

  const run = (): void => {
    timer = undefined;
    if (failed || closed || running || !dirty) return;
    dirty = false;
    running = true;
    worker ??= start();
    worker.postMessage('checkpoint');
  };

  const schedule = (): void => {
    if (timer || running || failed || closed) return;
    timer = setTimeout(run, options.intervalMs);
    timer.unref();
  };

  return {
    poke() {
      dirty = true;
      schedule();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      const thread = worker;
      worker = undefined;
      if (!thread) return;
      const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      // Whoever awaits close() waits for the thread: it must hold the event loop open meanwhile.
      thread.ref();
      thread.postMessage('close');
      await exited;
    },
  };
}
