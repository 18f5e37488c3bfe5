import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { LEGACY_CLOSED_COLLECTION, LEGACY_OPEN_COLLECTION } from './legacy-open-records.js';
import { backgroundCheckpointer } from './sqlite-checkpointer.js';
import { groupCommit } from './sqlite-group-commit.js';
import { walSync } from './sqlite-wal-sync.js';
import { statusFanout } from './status-fanout.js';
import {
  boundedAttempt,
  INBOX_HISTORY_LIMIT,
  inboxPageSize,
  storableError,
  type InboxAttempt,
  type InboxEntry,
  type InspectableStore,
  type StoredStatus,
  type StoreStats,
  type TransactionRecord,
  type TransferEvent,
  UNMATCHED_COLLECTION,
  unmatchedRecordJson,
} from './store.js';

/** Options for {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * How often (ms) a store with live status subscribers looks for statuses appended by OTHER
   * processes sharing the file. Local appends are delivered at once regardless. Default 150.
   */
  pollIntervalMs?: number;
  /** How long (ms) a write waits for another process's lock before failing. Default 5000. */
  busyTimeoutMs?: number;
  /** Most operations committed together in one transaction (see group commit below). Default 256. */
  maxBatch?: number;
  /**
   * How soon (ms) after a write a background thread checkpoints the WAL into the database file
   * (sqlite-checkpointer.ts), so no webhook's COMMIT ever pays for a checkpoint. Default 200.
   */
  checkpointIntervalMs?: number;
}

/**
 * SQLite's own checkpoint inside a COMMIT, kept only as a bound: the background checkpointer keeps
 * the WAL far below it, except under writes so steady that its PASSIVE checkpoints never catch the
 * tail, when one COMMIT in this many frames copies that tail (the rest is already in the file).
 */
const FALLBACK_AUTOCHECKPOINT_PAGES = 8192;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS transactions (
    transaction_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    json TEXT NOT NULL
  );
  -- Latest transaction per order: upserted on every save, so "latest wins" is "last saved wins".
  CREATE TABLE IF NOT EXISTS order_latest (
    order_id TEXT PRIMARY KEY,
    transaction_id TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS inbox (
    event_id TEXT PRIMARY KEY,
    event_json TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    last_error TEXT,
    -- NULL: the window opened at received_at (files made before operator retries existed).
    window_start INTEGER
  );
  CREATE INDEX IF NOT EXISTS inbox_due ON inbox (state, next_attempt_at);
  -- What claimInbox hands out, in the order it hands it out: a claim reads its LIMIT rows off the
  -- front of this index instead of sorting every due entry (a backlog of thousands under load).
  CREATE INDEX IF NOT EXISTS inbox_claimable ON inbox (next_attempt_at, received_at, event_id)
    WHERE state IN ('pending', 'processing');
  -- Each entry's last attempts (INBOX_HISTORY_LIMIT), for operators; deleted with the entry.
  CREATE TABLE IF NOT EXISTS inbox_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS inbox_attempts_event ON inbox_attempts (event_id, id);
  -- Transactions waiting for a terminal status, by next reconciliation lookup: sweeps read only
  -- the overdue head of this index, never every transaction ever minted.
  CREATE TABLE IF NOT EXISTS reconcile_due (
    transaction_id TEXT PRIMARY KEY,
    due_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS reconcile_due_at ON reconcile_due (due_at, transaction_id);
  -- Closed transactions by when they closed: pruned after the retention period.
  CREATE TABLE IF NOT EXISTS prune_due (
    transaction_id TEXT PRIMARY KEY,
    closed_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS prune_due_at ON prune_due (closed_at, transaction_id);
  CREATE TABLE IF NOT EXISTS marks (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  -- Expiring locks (acquireLock): expires_at is the holder's clock, epoch ms.
  CREATE TABLE IF NOT EXISTS locks (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  -- id orders every status ever appended, across transactions and processes (writes are
  -- serialized), so one "id > cursor" query finds what other processes appended since the last look.
  CREATE TABLE IF NOT EXISTS statuses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    json TEXT NOT NULL,
    UNIQUE (transaction_id, seq)
  );
  CREATE TABLE IF NOT EXISTS access_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    json TEXT NOT NULL,
    UNIQUE (user_id, key)
  );
  CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    json TEXT NOT NULL,
    UNIQUE (collection, key)
  );
`;

/** Open, not closed, record still there, in neither index yet: due at its createdAt (overdue). */
const LEGACY_OPEN_TO_INDEX = `
  INSERT INTO reconcile_due (transaction_id, due_at)
  SELECT o.key, COALESCE(CAST(json_extract(o.json, '$.createdAt') AS INTEGER), 0)
  FROM records o JOIN transactions t ON t.transaction_id = o.key
  WHERE o.collection = ?
    AND NOT EXISTS (SELECT 1 FROM records c WHERE c.collection = ? AND c.key = o.key)
    AND NOT EXISTS (SELECT 1 FROM prune_due p WHERE p.transaction_id = o.key)
  ON CONFLICT (transaction_id) DO NOTHING`;

/** Closed: pruned after the retention period from its closedAt, unless it has a dead event. */
const LEGACY_CLOSED_TO_RETENTION = `
  INSERT INTO prune_due (transaction_id, closed_at)
  SELECT c.key, COALESCE(CAST(json_extract(c.json, '$.closedAt') AS INTEGER), 0)
  FROM records c
  WHERE c.collection = ?
    AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.state = 'dead' AND json_extract(i.event_json, '$.transactionId') = c.key)
  ON CONFLICT (transaction_id) DO NOTHING`;

interface InboxRow {
  event_id: string;
  event_json: string;
  state: InboxEntry['state'];
  attempts: number;
  next_attempt_at: number;
  received_at: number;
  last_error: string | null;
  window_start: number | null;
}

function toEntry(row: InboxRow): InboxEntry {
  const entry: InboxEntry = {
    event: JSON.parse(row.event_json) as TransferEvent,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    receivedAt: row.received_at,
    windowStart: row.window_start ?? row.received_at,
  };
  if (row.last_error !== null) entry.lastError = row.last_error;
  return entry;
}

/**
 * The embedded durable store: one SQLite file, which several processes on one machine may share
 * (WAL lets readers run beside the single writer; `busy_timeout` makes writers queue instead of
 * failing; WAL needs shared memory, so not over a network filesystem — use Redis across hosts).
 * Writers queue on one lock: a process writing flat out can keep another waiting up to
 * `busyTimeoutMs`, after which the write fails (the webhook answers 5xx and Mesh resends). Every rule of `KitStore` is enforced by SQLite itself — UNIQUE constraints for the
 * once-guards and the inbox, IMMEDIATE transactions where a read decides a write — so it holds
 * across processes, not just inside this one.
 *
 * Durability: `journal_mode=WAL`, and every write's promise settles only once its commit has been
 * fsynced — "acknowledged ⇒ durable", through a power cut or an OS crash. SQLite's own way,
 * `synchronous=FULL`, fsyncs inside each COMMIT and so stops this whole process for the fsync; on a
 * file the store runs `synchronous=NORMAL` (a COMMIT only writes the WAL) and fsyncs the WAL itself
 * on the thread pool (sqlite-wal-sync.ts) before resolving anyone, while the event loop goes on
 * with the next requests. Writes are group-committed (sqlite-group-commit.ts): everything submitted
 * in one event-loop turn shares one `BEGIN IMMEDIATE … COMMIT`, in submission order, and the turns
 * committed while an fsync runs share the next one. Checkpoints run on a background thread
 * (sqlite-checkpointer.ts), never inside a webhook's COMMIT. Another connection can read a commit
 * before its fsync has finished (nobody has been told it is stored yet). Local subscribers hear an
 * appended status after its commit.
 *
 * Amounts and payloads are stored as JSON text; nothing passes through a JS number.
 */
export function sqliteStore(path: string, options: SqliteStoreOptions = {}): InspectableStore {
  const pollIntervalMs = options.pollIntervalMs ?? 150;
  const file = path === ':memory:' ? path : resolve(path);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });

  const busyTimeoutMs = Math.trunc(options.busyTimeoutMs ?? 5000);
  const db = new Database(file, { timeout: busyTimeoutMs });
  db.pragma('journal_mode = WAL');
  // Durable commits either way (see the store's comment): FULL fsyncs inside the COMMIT; on a file,
  // NORMAL + walSync fsyncs the same WAL on the thread pool before any promise resolves.
  const onDisk = file !== ':memory:';
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  // Two processes creating the schema at once: the IMMEDIATE lock makes the second wait, then no-op.
  db.transaction(() => {
    db.exec(SCHEMA);
    // A file from before operator retries: add the column (NULL reads as "window opened at receipt").
    const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(inbox)`).all();
    if (!columns.some((c) => c.name === 'window_start')) db.exec(`ALTER TABLE inbox ADD COLUMN window_start INTEGER`);
    // Operator listings page through one state in EventId order.
    db.exec(`CREATE INDEX IF NOT EXISTS inbox_state ON inbox (state, event_id)`);
    // A file from before the reconciliation index: its open transactions join the index (see
    // legacy-open-records.ts). Two indexed look-ups when there is nothing to move.
    db.prepare(LEGACY_OPEN_TO_INDEX).run(LEGACY_OPEN_COLLECTION, LEGACY_CLOSED_COLLECTION);
    db.prepare(LEGACY_CLOSED_TO_RETENTION).run(LEGACY_CLOSED_COLLECTION);
    db.prepare(`DELETE FROM records WHERE collection IN (?, ?)`).run(LEGACY_OPEN_COLLECTION, LEGACY_CLOSED_COLLECTION);
  }).immediate();

  const q = {
    saveTx: db.prepare(
      `INSERT INTO transactions (transaction_id, order_id, json) VALUES (?, ?, ?)
       ON CONFLICT (transaction_id) DO UPDATE SET order_id = excluded.order_id, json = excluded.json`,
    ),
    saveOrder: db.prepare(
      `INSERT INTO order_latest (order_id, transaction_id) VALUES (?, ?)
       ON CONFLICT (order_id) DO UPDATE SET transaction_id = excluded.transaction_id`,
    ),
    getTx: db.prepare<[string], { json: string }>(`SELECT json FROM transactions WHERE transaction_id = ?`),
    hasTx: db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM transactions WHERE transaction_id = ?`),
    txByOrder: db.prepare<[string], { json: string }>(
      `SELECT t.json FROM order_latest o JOIN transactions t ON t.transaction_id = o.transaction_id
       WHERE o.order_id = ?`,
    ),
    addInbox: db.prepare(
      `INSERT INTO inbox (event_id, event_json, state, attempts, next_attempt_at, received_at)
       VALUES (?, ?, 'pending', 0, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
    ),
    due: db.prepare<[number, number], InboxRow>(
      // INDEXED BY: without ANALYZE statistics SQLite would pick inbox_due and sort the whole backlog.
      `SELECT * FROM inbox INDEXED BY inbox_claimable WHERE state IN ('pending', 'processing') AND next_attempt_at <= ?
       ORDER BY next_attempt_at, received_at, event_id LIMIT ?`,
    ),
    lease: db.prepare(
      `UPDATE inbox SET attempts = attempts + 1, next_attempt_at = ?, state = 'processing' WHERE event_id = ?`,
    ),
    settle: db.prepare(
      `UPDATE inbox SET state = ?, last_error = COALESCE(?, last_error) WHERE event_id = ?`,
    ),
    retry: db.prepare(
      `UPDATE inbox SET next_attempt_at = ?, last_error = ?, state = 'pending'
       WHERE event_id = ? AND state IN ('pending', 'processing')`,
    ),
    // Only for an entry that exists: an attempt row never outlives (or precedes) its entry.
    addAttempt: db.prepare(
      `INSERT INTO inbox_attempts (event_id, json) SELECT ?, ? WHERE EXISTS (SELECT 1 FROM inbox WHERE event_id = ?)`,
    ),
    trimAttempts: db.prepare(
      `DELETE FROM inbox_attempts WHERE event_id = ? AND id <= (
         SELECT id FROM inbox_attempts WHERE event_id = ? ORDER BY id DESC LIMIT 1 OFFSET ${INBOX_HISTORY_LIMIT})`,
    ),
    attempts: db.prepare<[string], { json: string }>(`SELECT json FROM inbox_attempts WHERE event_id = ? ORDER BY id`),
    deleteAttempts: db.prepare(`DELETE FROM inbox_attempts WHERE event_id = ?`),
    renewLease: db.prepare(
      `UPDATE inbox SET next_attempt_at = ? WHERE event_id = ? AND state IN ('pending', 'processing')`,
    ),
    // One statement decides: the upsert only overwrites a lock that is ours or has run out.
    acquireLock: db.prepare(
      `INSERT INTO locks (key, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE locks.owner = excluded.owner OR locks.expires_at <= ?`,
    ),
    renewLock: db.prepare(`UPDATE locks SET expires_at = ? WHERE key = ? AND owner = ?`),
    releaseLock: db.prepare(`DELETE FROM locks WHERE key = ? AND owner = ?`),
    getInbox: db.prepare<[string], InboxRow>(`SELECT * FROM inbox WHERE event_id = ?`),
    listAll: db.prepare<[string, number], InboxRow>(`SELECT * FROM inbox WHERE event_id > ? ORDER BY event_id LIMIT ?`),
    listState: db.prepare<[string, string, number], InboxRow>(
      `SELECT * FROM inbox WHERE state = ? AND event_id > ? ORDER BY event_id LIMIT ?`,
    ),
    requeue: db.prepare(
      `UPDATE inbox SET state = 'pending', attempts = 0, next_attempt_at = ?, window_start = ?
       WHERE event_id = ? AND state IN ('pending', 'dead')`,
    ),
    deadIds: db.prepare<[number], { event_id: string }>(`SELECT event_id FROM inbox WHERE state = 'dead' LIMIT ?`),
    scheduleReconcile: db.prepare(
      `INSERT INTO reconcile_due (transaction_id, due_at) VALUES (?, ?)
       ON CONFLICT (transaction_id) DO UPDATE SET due_at = excluded.due_at`,
    ),
    unscheduleReconcile: db.prepare(`DELETE FROM reconcile_due WHERE transaction_id = ?`),
    dueReconcile: db.prepare<[number, number], { transaction_id: string }>(
      `SELECT transaction_id FROM reconcile_due WHERE due_at <= ? ORDER BY due_at, transaction_id LIMIT ?`,
    ),
    moveReconcile: db.prepare(`UPDATE reconcile_due SET due_at = ? WHERE transaction_id = ? AND due_at <= ?`),
    closePrune: db.prepare(
      `INSERT INTO prune_due (transaction_id, closed_at) VALUES (?, ?)
       ON CONFLICT (transaction_id) DO UPDATE SET closed_at = excluded.closed_at`,
    ),
    keep: db.prepare(`DELETE FROM prune_due WHERE transaction_id = ?`),
    // A done entry's next_attempt_at is its last lease (settled then, or just before): the
    // (state, next_attempt_at) index finds the oldest without a new index on every insert.
    oldDone: db.prepare<[number, number], { event_id: string }>(
      `SELECT event_id FROM inbox WHERE state = 'done' AND next_attempt_at < ? ORDER BY next_attempt_at LIMIT ?`,
    ),
    deleteInbox: db.prepare(`DELETE FROM inbox WHERE event_id = ?`),
    deleteUpdateMark: db.prepare(`DELETE FROM marks WHERE scope = 'update' AND key = ?`),
    oldClosed: db.prepare<[number, number], { transaction_id: string }>(
      `SELECT transaction_id FROM prune_due WHERE closed_at < ? ORDER BY closed_at LIMIT ?`,
    ),
    txOrder: db.prepare<[string], { order_id: string }>(`SELECT order_id FROM transactions WHERE transaction_id = ?`),
    deleteTx: db.prepare(`DELETE FROM transactions WHERE transaction_id = ?`),
    deleteOrderPointer: db.prepare(`DELETE FROM order_latest WHERE order_id = ? AND transaction_id = ?`),
    deleteStatuses: db.prepare(`DELETE FROM statuses WHERE transaction_id = ?`),
    mark: db.prepare(`INSERT INTO marks (scope, key) VALUES (?, ?) ON CONFLICT DO NOTHING`),
    hasMark: db.prepare<[string, string], { one: number }>(
      `SELECT 1 AS one FROM marks WHERE scope = ? AND key = ?`,
    ),
    maxSeq: db.prepare<[string], { seq: number | null }>(
      `SELECT MAX(seq) AS seq FROM statuses WHERE transaction_id = ?`,
    ),
    addStatus: db.prepare(`INSERT INTO statuses (transaction_id, seq, json) VALUES (?, ?, ?)`),
    maxId: db.prepare<[], { id: number | null }>(`SELECT MAX(id) AS id FROM statuses`),
    newSince: db.prepare<[number], { id: number; transaction_id: string }>(
      `SELECT id, transaction_id FROM statuses WHERE id > ? ORDER BY id`,
    ),
    since: db.prepare<[string, number], { seq: number; json: string }>(
      `SELECT seq, json FROM statuses WHERE transaction_id = ? AND seq > ? ORDER BY seq`,
    ),
    saveTokens: db.prepare(
      `INSERT INTO access_tokens (user_id, key, json) VALUES (?, ?, ?)
       ON CONFLICT (user_id, key) DO UPDATE SET json = excluded.json`,
    ),
    getTokens: db.prepare<[string], { json: string }>(
      `SELECT json FROM access_tokens WHERE user_id = ? ORDER BY id`,
    ),
    putRecord: db.prepare(
      `INSERT INTO records (collection, key, json) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    getRecord: db.prepare<[string, string], { json: string }>(
      `SELECT json FROM records WHERE collection = ? AND key = ?`,
    ),
    listRecords: db.prepare<[string], { json: string }>(
      `SELECT json FROM records WHERE collection = ? ORDER BY id`,
    ),
  };

  // Both run inside a batch's transaction, each in its own savepoint (see groupCommit).
  const claim = (now: number, leaseMs: number, limit: number): InboxEntry[] => {
    const rows = q.due.all(now, Math.max(0, Math.trunc(limit)));
    const until = now + leaseMs;
    return rows.map((row) => {
      q.lease.run(until, row.event_id);
      return toEntry({ ...row, state: 'processing', attempts: row.attempts + 1, next_attempt_at: until });
    });
  };

  const record = (eventId: string, attempt: InboxAttempt | undefined): void => {
    if (!attempt) return;
    if (q.addAttempt.run(eventId, JSON.stringify(boundedAttempt(attempt)), eventId).changes === 1) q.trimAttempts.run(eventId, eventId);
  };

  const append = (transactionId: string, json: string): number => {
    const seq = (q.maxSeq.get(transactionId)?.seq ?? 0) + 1;
    q.addStatus.run(transactionId, seq, json);
    return seq;
  };

  // Schema created (durably, FULL): from here on the fsync and the checkpoints leave the event loop.
  const wal = onDisk ? walSync(file) : undefined;
  const checkpoints = onDisk
    ? backgroundCheckpointer({
        file,
        intervalMs: Math.max(1, options.checkpointIntervalMs ?? 200),
        busyTimeoutMs,
        // Without the thread, SQLite checkpoints inside COMMITs again, as it does by default.
        onFailure: () => {
          if (!closed) db.pragma('wal_autocheckpoint = 1000');
        },
      })
    : undefined;
  if (onDisk) {
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  }
  const batches = groupCommit(db, {
    ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
    ...(wal && checkpoints
      ? {
          sync: async () => {
            await wal.sync();
            checkpoints.poke();
          },
        }
      : {}),
  });
  const write = <T>(run: () => T): Promise<T> => batches.submit(run, true);
  const read = <T>(run: () => T): Promise<T> => batches.submit(run, false);

  const readSince = (transactionId: string, afterSeq: number): StoredStatus[] =>
    q.since.all(transactionId, afterSeq).map((row) => ({
      seq: row.seq,
      update: JSON.parse(row.json) as StoredStatus['update'],
    }));

  // Status fan-out. Other processes can only be seen by reading the file, so while anyone listens
  // one shared timer looks for new rows; local appends are delivered at once without waiting.
  // Each tick costs one `PRAGMA data_version` (it changes only when ANOTHER connection commits)
  // and, only then, one query for rows past a global cursor — however many transactions are
  // watched.
  let timer: NodeJS.Timeout | undefined;
  let dataVersion = -1;
  let cursor = 0;
  let polling = false;
  let closed = false;

  const fanout = statusFanout({
    // Queued like any read, so an append submitted before a subscribe is history to it.
    readSince: (transactionId, afterSeq) => read(() => readSince(transactionId, afterSeq)),
    latestSeq: (transactionId) => read(() => q.maxSeq.get(transactionId)?.seq ?? 0),
    watch: () => syncTimer(),
    unwatch: () => syncTimer(),
  });

  const poll = async (): Promise<void> => {
    if (closed || polling) return;
    polling = true;
    try {
      const version = db.pragma('data_version', { simple: true }) as number;
      if (version === dataVersion) return;
      dataVersion = version;
      const rows = q.newSince.all(cursor);
      const watched = new Set(fanout.watching());
      const touched = new Set<string>();
      for (const row of rows) if (watched.has(row.transaction_id)) touched.add(row.transaction_id);
      await Promise.all([...touched].map((transactionId) => fanout.refresh(transactionId)));
      // Only now: if anything above threw, the next tick reads the same rows again and each
      // subscriber's own cursor drops what it already heard.
      cursor = rows.at(-1)?.id ?? cursor;
    } catch {
      // SQLITE_BUSY beyond busy_timeout: try again on the next tick rather than crash the timer.
      dataVersion = -1;
    } finally {
      polling = false;
    }
  };

  function syncTimer(): void {
    const watching = fanout.watching().length > 0;
    if (watching && !timer && !closed) {
      // Everything already in the file is history: subscribers start from their own cursor.
      dataVersion = db.pragma('data_version', { simple: true }) as number;
      cursor = q.maxId.get()?.id ?? 0;
      timer = setInterval(() => void poll(), pollIntervalMs);
      timer.unref();
    } else if (!watching && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  const open = (): void => {
    if (closed) throw new Error(`sqlite store ${file} is closed`);
  };

  return {
    kind: `sqlite:${file}`,

    async saveTransaction(tx: TransactionRecord) {
      open();
      const json = JSON.stringify(tx);
      await write(() => {
        q.saveTx.run(tx.transactionId, tx.orderId, json);
        q.saveOrder.run(tx.orderId, tx.transactionId);
      });
    },

    async getTransaction(transactionId) {
      open();
      const row = await read(() => q.getTx.get(transactionId));
      return row ? (JSON.parse(row.json) as TransactionRecord) : undefined;
    },

    async findTransactionByOrder(orderId) {
      open();
      const row = await read(() => q.txByOrder.get(orderId));
      return row ? (JSON.parse(row.json) as TransactionRecord) : undefined;
    },

    async addToInbox(event, now) {
      open();
      const json = JSON.stringify(event);
      // The PRIMARY KEY decides the race; the promise settles after the batch's fsync'd COMMIT.
      return write(() => q.addInbox.run(event.eventId, json, now, now).changes === 1);
    },

    async admitWebhook(event, now) {
      open();
      const json = JSON.stringify(event);
      const transactionId = event.transactionId;
      // Look-up and insert share one write of the batch: one step, one COMMIT, for the webhook route.
      return write(() => {
        if (transactionId !== undefined && q.hasTx.get(transactionId) !== undefined) {
          return { matched: true, fresh: q.addInbox.run(event.eventId, json, now, now).changes === 1 };
        }
        return { matched: false, fresh: q.putRecord.run(UNMATCHED_COLLECTION, event.eventId, unmatchedRecordJson(json, now)).changes === 1 };
      });
    },

    async claimInbox(now, leaseMs, limit) {
      open();
      // Every batch is BEGIN IMMEDIATE: the write lock is held before reading, so two processes
      // cannot select the same rows.
      return write(() => claim(now, leaseMs, limit));
    },

    async settleInbox(eventId, state, error, attempt) {
      open();
      await write(() => {
        q.settle.run(state, error === undefined ? null : storableError(error), eventId);
        record(eventId, attempt);
      });
    },

    async retryInbox(eventId, nextAttemptAt, error, attempt) {
      open();
      await write(() => {
        q.retry.run(nextAttemptAt, storableError(error), eventId);
        record(eventId, attempt);
      });
    },

    async getInboxEntry(eventId) {
      open();
      return read(() => {
        const row = q.getInbox.get(eventId);
        if (!row) return undefined;
        return { ...toEntry(row), history: q.attempts.all(eventId).map((a) => JSON.parse(a.json) as InboxAttempt) };
      });
    },

    async renewInboxLease(eventId, now, leaseMs) {
      open();
      return write(() => q.renewLease.run(now + leaseMs, eventId).changes === 1);
    },

    async listInbox({ state, cursor, limit }) {
      open();
      const size = inboxPageSize(limit);
      const after = typeof cursor === 'string' ? cursor : '';
      const rows = await read(() =>
        state === undefined ? q.listAll.all(after, size + 1) : q.listState.all(state, after, size + 1),
      );
      const page = rows.slice(0, size).map(toEntry);
      return { entries: page, ...(rows.length > size ? { cursor: page.at(-1)!.event.eventId } : {}) };
    },

    async requeueInbox(eventId, now) {
      open();
      return write(() => {
        const row = q.getInbox.get(eventId);
        if (!row) return undefined;
        q.requeue.run(now, now, eventId);
        return row.state;
      });
    },

    async requeueDeadInbox(now, limit) {
      open();
      return write(() =>
        q.deadIds.all(inboxPageSize(limit)).map(({ event_id }) => {
          q.requeue.run(now, now, event_id);
          return event_id;
        }),
      );
    },

    async acquireLock(key, owner, ttlMs, now) {
      open();
      return write(() => q.acquireLock.run(key, owner, now + ttlMs, now).changes === 1);
    },

    async renewLock(key, owner, ttlMs, now) {
      open();
      return write(() => q.renewLock.run(now + ttlMs, key, owner).changes === 1);
    },

    async releaseLock(key, owner) {
      open();
      await write(() => q.releaseLock.run(key, owner));
    },

    async scheduleReconcile(transactionId, dueAt) {
      open();
      await write(() => q.scheduleReconcile.run(transactionId, Math.trunc(dueAt)));
    },

    async unscheduleReconcile(transactionId) {
      open();
      await write(() => q.unscheduleReconcile.run(transactionId));
    },

    async claimReconcile(now, nextDueAt, limit) {
      open();
      // Inside the batch's BEGIN IMMEDIATE: no other process selects the same rows meanwhile.
      return write(() =>
        q.dueReconcile.all(now, inboxPageSize(limit)).map(({ transaction_id }) => {
          q.moveReconcile.run(Math.trunc(nextDueAt), transaction_id, now);
          return transaction_id;
        }),
      );
    },

    async claimReconcileOne(transactionId, now, nextDueAt) {
      open();
      return write(() => q.moveReconcile.run(Math.trunc(nextDueAt), transactionId, now).changes === 1);
    },

    async closeTransaction(transactionId, closedAt) {
      open();
      await write(() => {
        q.unscheduleReconcile.run(transactionId);
        q.closePrune.run(transactionId, Math.trunc(closedAt));
      });
    },

    async keepTransaction(transactionId) {
      open();
      await write(() => q.keep.run(transactionId));
    },

    async pruneSettled(before, limit) {
      open();
      const max = inboxPageSize(limit);
      return write(() => {
        const done = q.oldDone.all(before, max);
        for (const { event_id } of done) {
          q.deleteInbox.run(event_id);
          q.deleteAttempts.run(event_id);
          q.deleteUpdateMark.run(event_id);
        }
        const closed = q.oldClosed.all(before, max);
        for (const { transaction_id } of closed) {
          const order = q.txOrder.get(transaction_id);
          q.deleteTx.run(transaction_id);
          if (order) q.deleteOrderPointer.run(order.order_id, transaction_id);
          q.deleteStatuses.run(transaction_id);
          q.keep.run(transaction_id);
        }
        return { inbox: done.length, transactions: closed.length };
      });
    },

    async markOnce(scope, key) {
      open();
      return write(() => q.mark.run(scope, key).changes === 1);
    },

    async hasMark(scope, key) {
      open();
      return read(() => q.hasMark.get(scope, key) !== undefined);
    },

    async appendStatus(update) {
      open();
      const json = JSON.stringify(update);
      const seq = await write(() => append(update.transactionId, json));
      const stored: StoredStatus = { seq, update: structuredClone(update) };
      // Local listeners hear it now; one behind (another process appended before us) gets the gap
      // from the file first. A failure here is the poll's to repair: the status is stored, and
      // failing the append would invite a duplicate.
      fanout.publish(stored).catch(() => {});
      return structuredClone(stored);
    },

    async statusesSince(transactionId, afterSeq) {
      open();
      return read(() => readSince(transactionId, afterSeq));
    },

    async subscribe(transactionId, listener) {
      open();
      return fanout.subscribe(transactionId, listener);
    },

    async saveAccessTokens(userId, key, tokens) {
      open();
      const json = JSON.stringify(tokens);
      await write(() => q.saveTokens.run(userId, key, json));
    },

    async getAccessTokens(userId) {
      open();
      const rows = await read(() => q.getTokens.all(userId));
      return rows.map((row) => JSON.parse(row.json) as unknown);
    },

    async putOnce(collection, key, value) {
      open();
      const json = JSON.stringify(value);
      return write(() => q.putRecord.run(collection, key, json).changes === 1);
    },

    async getRecord(collection, key) {
      open();
      const row = await read(() => q.getRecord.get(collection, key));
      return row ? (JSON.parse(row.json) as unknown) : undefined;
    },

    async listRecords(collection) {
      open();
      const rows = await read(() => q.listRecords.all(collection));
      return rows.map((row) => JSON.parse(row.json) as unknown);
    },

    async stats(): Promise<StoreStats & { polling: boolean }> {
      return { ...fanout.stats(), polling: timer !== undefined };
    },

    async close() {
      if (closed) return;
      closed = true;
      // Whatever callers were promised is committed (and synced) before the connection goes.
      batches.flush();
      fanout.close();
      if (timer) clearInterval(timer);
      timer = undefined;
      await batches.drain();
      await checkpoints?.close();
      await wal?.close();
      db.close();
    },
  };
}
