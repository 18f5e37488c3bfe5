import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { migrate, quoteIdentifier } from './postgres-migrations.js';
import { redactUrl } from './redact-url.js';
import { statusFanout } from './status-fanout.js';
import { turnBatch } from './turn-batch.js';
import { boundedAttempt, INBOX_HISTORY_LIMIT, inboxPageSize, storableError, UNMATCHED_COLLECTION, unmatchedRecordJson } from './store.js';
import type {
  HookTransaction,
  InboxAttempt,
  InboxEntry,
  InspectableStore,
  StatusUpdate,
  StoredStatus,
  StoreStats,
  TransactionalStore,
  TransactionRecord,
  TransferEvent,
  UnmatchedTransferEvent,
  WebhookAdmission,
} from './store.js';

/** Options for {@link postgresStore}. */
export interface PostgresStoreOptions {
  /**
   * Schema holding the kit's tables, created and migrated at start. Default `mesh_pay`, so the kit's
   * tables never mix with yours; several deployments can share one database with one schema each.
   * Lower-case letters, digits and `_`, at most 48 characters.
   */
  schema?: string;
  /**
   * Most pooled connections. Default 20. A hook given `args.tx` holds one connection for as long as
   * it runs, so keep this above the worker's `batchSize` (default 16) plus a few for the webhook
   * route, the streams and lease renewals.
   */
  max?: number;
  /**
   * Connections kept for the webhook route's inserts alone (a second, small pool), so acknowledging
   * Mesh never waits for a connection behind the inbox worker's statements. Default 4 (webhooks of
   * one event-loop turn share one statement, so a few carry any burst). Counts on top of `max`.
   */
  webhookConnections?: number;
  /**
   * Prepare each statement once per connection (named statements). Default `true`. Set `false`
   * behind a pooler that cannot keep them across its server connections (PgBouncer in transaction
   * mode before 1.21, or without `max_prepared_statements`): every statement is then parsed and
   * planned on each call, as `pg` does by default.
   */
  preparedStatements?: boolean;
  /** Extra `pg` Pool options (ssl, timeouts…). Connection fields of the URL win. */
  pool?: PoolConfig;
  /** Where durability warnings go. Default `console`. */
  logger?: { warn(message: string): void };
  /** First delay before the LISTEN connection reconnects, doubling up to 2 s. Default 100 ms. */
  reconnectDelayMs?: number;
}

/** What {@link PostgresStore.checkDurability} found. */
export interface PostgresDurabilityReport {
  fsync?: string;
  synchronousCommit?: string;
  /** `true` when a committed (acknowledged) write survives a crash of PostgreSQL and of the OS. */
  durable: boolean;
  warnings: string[];
}

export interface PostgresStoreStats extends StoreStats {
  /** Whether the LISTEN connection is up. */
  listening: boolean;
  /** Backend pid of the LISTEN connection (tests terminate it to prove gap repair). */
  listenerPid?: number;
}

export interface PostgresStore extends InspectableStore, TransactionalStore {
  /** The store's pool: query your own tables with it (the demo's ledger does). */
  readonly pool: Pool;
  /** The schema holding the kit's tables. */
  readonly schema: string;
  /** Resolves once the schema is migrated; every method waits for it, so awaiting is optional. */
  readonly ready: Promise<void>;
  /** Reads `fsync` and `synchronous_commit`, warns through the logger when commits can be lost. */
  checkDurability(): Promise<PostgresDurabilityReport>;
  stats(): Promise<PostgresStoreStats>;
}

/** Thrown by {@link postgresStore} for a schema name it will not put into SQL. */
export class PostgresSchemaNameError extends Error {
  readonly code = 'MESH_PAY_STORE_SPEC_INVALID';
  constructor(readonly schema: string) {
    super(`Invalid PostgreSQL schema name ${JSON.stringify(schema)}: use lower-case letters, digits and "_", at most 48 characters, not starting with a digit.`);
    this.name = 'PostgresSchemaNameError';
  }
}

/** Thrown by `markOnceWithin` when the merchant's work left the transaction unable to commit. */
export class PostgresTransactionAbortedError extends Error {
  readonly code = 'MESH_PAY_STORE_TRANSACTION_ABORTED';
  constructor() {
    super(
      'The hook transaction could not commit: a statement in it failed (and was caught), so PostgreSQL rolled everything back. The hook will run again.',
    );
    this.name = 'PostgresTransactionAbortedError';
  }
}

/**
 * PostgreSQL text cannot hold NUL. Keys (event ids, record keys, scopes…) are stored through this
 * injective encoding: strings without NUL that do not start with U+FFFF are stored as they are (so
 * your queries see the real keys); the rest get a U+FFFF prefix with U+FFFF doubled and NUL as
 * U+FFFF "0". Values are JSON text, where NUL is already escaped.
 */
export function encodeKey(key: string): string {
  if (!key.includes('\0') && !key.startsWith('\uFFFF')) return key;
  return `\uFFFF${key.replaceAll('\uFFFF', '\uFFFF\uFFFF').replaceAll('\0', '\uFFFF0')}`;
}

/** The inverse of {@link encodeKey}, for keys read back from a table (reconciliation index). */
export function decodeKey(stored: string): string {
  if (!stored.startsWith('\uFFFF')) return stored;
  return stored.slice(1).replace(/\uFFFF(\uFFFF|0)/g, (_, c: string) => (c === '0' ? '\0' : '\uFFFF'));
}

const int = (value: unknown): number => Number(value);

interface InboxRow {
  event_json: string;
  state: InboxEntry['state'];
  attempts: number;
  next_attempt_at: string;
  received_at: string;
  last_error: string | null;
  window_start: string | null;
}

function toEntry(row: InboxRow): InboxEntry {
  const entry: InboxEntry = {
    event: JSON.parse(row.event_json) as TransferEvent,
    state: row.state,
    attempts: int(row.attempts),
    nextAttemptAt: int(row.next_attempt_at),
    receivedAt: int(row.received_at),
    windowStart: int(row.window_start ?? row.received_at),
  };
  if (row.last_error !== null) entry.lastError = row.last_error;
  return entry;
}

/** NOTIFY payloads are limited to 8000 bytes; a larger status is announced by seq alone and read. */
const NOTICE_LIMIT = 7000;

/**
 * Multi-instance store on PostgreSQL (`pg` with its Pool). Every rule of `KitStore` is one SQL
 * statement that PostgreSQL makes atomic: `INSERT … ON CONFLICT DO NOTHING` for the inbox, the
 * once-guards and records; `FOR UPDATE SKIP LOCKED` so two instances never claim one inbox entry;
 * an upsert guarded by owner/expiry for locks; a per-transaction head row whose lock makes seqs
 * gapless. With PostgreSQL's defaults (`fsync=on`, `synchronous_commit=on`) a statement has been
 * flushed to the WAL when it returns, so an acknowledged webhook survives a crash.
 *
 * Fan-out: the append and its `pg_notify` are one statement, so the notice is sent exactly when
 * the status commits, in commit order. One dedicated LISTEN connection per store hears every
 * status of the schema and hands those of watched transactions to the shared fan-out. NOTIFY is
 * lost while that connection is down, so after every reconnect each watched transaction is read
 * from the log past each listener's cursor: no status is lost, none repeated.
 *
 * Transactional fulfilment: {@link PostgresStore.markOnceWithin} runs the merchant's hook inside
 * the transaction that sets the credit mark (see README "Transactional fulfilment").
 */
export function postgresStore(url: string, options: PostgresStoreOptions = {}): PostgresStore {
  const schema = options.schema ?? 'mesh_pay';
  if (!/^[a-z_][a-z0-9_]{0,47}$/.test(schema)) throw new PostgresSchemaNameError(schema);
  const s = quoteIdentifier(schema);
  const channel = `${schema}_status`;
  const logger = options.logger ?? console;
  const reconnectDelayMs = Math.max(1, options.reconnectDelayMs ?? 100);
  const kind = redactUrl(url);

  const connection: PoolConfig = { ...options.pool, connectionString: url, application_name: 'mesh-pay' };
  const pool = new pg.Pool({ max: options.max ?? 20, ...connection });
  const webhookConnections = Number.isFinite(options.webhookConnections) ? Math.max(1, Math.trunc(options.webhookConnections!)) : 4;
  const webhookPool = new pg.Pool({ max: webhookConnections, ...connection });
  // An idle pooled connection that breaks (server restart) is dropped by the pool; callers see
  // errors on their own queries, so the event must not crash the process as "unhandled".
  pool.on('error', () => {});
  webhookPool.on('error', () => {});

  let closed = false;
  const ready = migrate(pool, schema).then(() => undefined);
  // Methods surface a migration failure themselves; this only keeps it from being "unhandled".
  ready.catch(() => {});

  const open = async (): Promise<void> => {
    if (closed) throw new Error(`postgres store ${kind} is closed`);
    await ready;
  };

  // The kit's statements are fixed texts, so each is prepared once per pooled connection (a named
  // statement): PostgreSQL parses and plans it once, not on every call (planning was half the time
  // of the webhook's insert). A text with `*` stays unnamed: a prepared `SELECT *` fails ("cached
  // plan must not change result type") once a newer kit's migration adds a column.
  const names = new Map<string, string | undefined>();
  const prepare = options.preparedStatements !== false;
  const named = (text: string): { name?: string; text: string } => {
    if (!prepare) return { text };
    let name = names.get(text);
    if (!names.has(text)) {
      name = text.includes('*') ? undefined : `mesh_pay_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      names.set(text, name);
    }
    return name === undefined ? { text } : { name, text };
  };
  const query = async <R extends object>(text: string, values: unknown[] = [], on: Pool = pool): Promise<pg.QueryResult<R>> => {
    await open();
    return on.query<R>({ ...named(text), values });
  };

  // A pool runs calls on different connections, so two calls made back to back could reach the
  // server in either order. Calls on the same key (one mark, one inbox entry, one transaction's
  // log, one lock, one record) are therefore chained: each starts after the previous one on its
  // key has finished, and a caller reads its own writes in the order it made them. Calls on
  // different keys still run side by side, which is what lets PostgreSQL group-commit them.
  //
  // A key a call only reads (`reads`) orders it after the last call that may change that key, but
  // not after other readers: webhooks for one transaction each look the transaction up, and must
  // not queue behind one another (or behind the worker's look-ups) for that.
  const tails = new Map<string, { write?: Promise<void>; reads: Promise<void>[] }>();
  const inOrder = <T>(keys: string[], run: () => Promise<T>, reads: string[] = []): Promise<T> => {
    const before: Promise<void>[] = [];
    for (const key of keys) {
      const tail = tails.get(key);
      if (tail?.write) before.push(tail.write);
      if (tail) before.push(...tail.reads);
    }
    for (const key of reads) {
      const write = tails.get(key)?.write;
      if (write) before.push(write);
    }
    const result = before.length === 0 ? run() : Promise.all(before).then(run);
    const done = result.then(
      () => {},
      () => {},
    );
    for (const key of keys) tails.set(key, { write: done, reads: [] });
    for (const key of reads) {
      const tail = tails.get(key);
      if (tail) tail.reads.push(done);
      else tails.set(key, { reads: [done] });
    }
    void done.then(() => {
      for (const key of keys) if (tails.get(key)?.write === done) tails.delete(key);
      for (const key of reads) {
        const tail = tails.get(key);
        if (!tail) continue;
        tail.reads = tail.reads.filter((read) => read !== done);
        if (tail.write === undefined && tail.reads.length === 0) tails.delete(key);
      }
    });
    return result;
  };
  /**
   * Runs `update` (an inbox UPDATE whose `$3` is the encoded EventId) and, with `attempt`, appends it
   * to the entry's history and drops all but the newest INBOX_HISTORY_LIMIT — one statement, so one
   * atomic step. (The DELETE sees the rows from before the INSERT, hence one fewer kept.)
   */
  const withAttempt = async (update: string, values: unknown[], attempt: InboxAttempt | undefined): Promise<void> => {
    if (!attempt) {
      await query(update, values);
      return;
    }
    await query(
      `WITH up AS (${update} RETURNING 1),
       added AS (
         INSERT INTO ${s}.inbox_attempts (event_id, json)
         SELECT $3, $4 WHERE EXISTS (SELECT 1 FROM ${s}.inbox WHERE event_id = $3)
       ),
       trimmed AS (
         DELETE FROM ${s}.inbox_attempts WHERE id IN (
           SELECT id FROM ${s}.inbox_attempts WHERE event_id = $3 ORDER BY id DESC OFFSET ${INBOX_HISTORY_LIMIT - 1})
       )
       SELECT 1`,
      [...values, JSON.stringify(boundedAttempt(attempt))],
    );
  };
  const k = {
    tx: (id: string) => `tx\0${id}`,
    order: (id: string) => `order\0${id}`,
    inbox: (id: string) => `inbox\0${id}`,
    lock: (key: string) => `lock\0${key}`,
    mark: (scope: string, key: string) => `mark\0${scope}\0${key}`,
    status: (id: string) => `status\0${id}`,
    tokens: (id: string) => `tokens\0${id}`,
    record: (collection: string, key: string) => `record\0${collection}\0${key}`,
  };

  /**
   * Reads made in one event-loop turn go out as one statement. The inbox worker starts the entries
   * of a claim together, so their look-ups (each entry's transaction, then its status log) arrive
   * in the same turn: one round trip for the lot instead of one per entry.
   */
  const readTransactions = turnBatch<string, TransactionRecord | undefined>(async (ids) => {
    const { rows } = await query<{ transaction_id: string; json: string }>(
      `SELECT transaction_id, json FROM ${s}.transactions WHERE transaction_id = ANY($1::text[])`,
      [ids.map(encodeKey)],
    );
    const found = new Map(rows.map((row) => [row.transaction_id, row.json]));
    // Parsed per caller: nobody shares (and could change) another caller's record.
    return ids.map((id) => {
      const json = found.get(encodeKey(id));
      return json === undefined ? undefined : (JSON.parse(json) as TransactionRecord);
    });
  });
  const readLogs = turnBatch<{ transactionId: string; afterSeq: number }, StoredStatus[]>(async (asks) => {
    const { rows } = await query<{ n: number; seq: number; json: string }>(
      `SELECT q.n::int AS n, x.seq, x.json
       FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS q(transaction_id, after_seq, n)
       JOIN ${s}.statuses x ON x.transaction_id = q.transaction_id AND x.seq > q.after_seq
       ORDER BY q.n, x.seq`,
      [asks.map((ask) => encodeKey(ask.transactionId)), asks.map((ask) => Math.max(0, Math.floor(ask.afterSeq)))],
    );
    const logs = asks.map((): StoredStatus[] => []);
    for (const row of rows) logs[row.n - 1]!.push({ seq: row.seq, update: JSON.parse(row.json) as StatusUpdate });
    return logs;
  });
  const readSince = (transactionId: string, afterSeq: number): Promise<StoredStatus[]> => readLogs({ transactionId, afterSeq });

  // ---- fan-out over LISTEN/NOTIFY ------------------------------------------------------------
  let listener: pg.Client | undefined;
  let listenerPid: number | undefined;
  let listening: Promise<void> | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let reconnectDelay = reconnectDelayMs;

  const fanout = statusFanout({
    readSince,
    latestSeq: async (transactionId) => {
      const { rows } = await query<{ seq: number }>(`SELECT seq FROM ${s}.status_heads WHERE transaction_id = $1`, [
        encodeKey(transactionId),
      ]);
      return rows[0]?.seq ?? 0;
    },
    // One LISTEN hears every transaction; watching one more costs nothing on the server.
    watch: () => ensureListening(),
    unwatch: () => {
      if (fanout.watching().length === 0) stopListening();
    },
  });

  const onNotice = (message: pg.Notification): void => {
    if (message.channel !== channel || message.payload === undefined) return;
    const newline = message.payload.indexOf('\n');
    const seq = Number(message.payload.slice(0, newline));
    if (newline < 0 || !Number.isSafeInteger(seq)) return;
    let notice: Partial<StatusUpdate>;
    try {
      notice = JSON.parse(message.payload.slice(newline + 1)) as Partial<StatusUpdate>;
    } catch {
      return;
    }
    if (typeof notice.transactionId !== 'string') return;
    if (typeof notice.status === 'string') fanout.publish({ seq, update: notice as StatusUpdate }).catch(() => {});
    else fanout.refresh(notice.transactionId).catch(() => {});
  };

  const scheduleReconnect = (): void => {
    if (closed || reconnectTimer || fanout.watching().length === 0) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      ensureListening().then(
        () => {
          reconnectDelay = reconnectDelayMs;
          // Whatever was appended while nobody listened is in the log: read it, in order, once.
          for (const transactionId of fanout.watching()) fanout.refresh(transactionId).catch(() => {});
        },
        () => {
          reconnectDelay = Math.min(reconnectDelay * 2, 2000);
          scheduleReconnect();
        },
      );
    }, reconnectDelay);
    reconnectTimer.unref();
  };

  function ensureListening(): Promise<void> {
    if (closed) return Promise.reject(new Error(`postgres store ${kind} is closed`));
    if (listening) return listening;
    const client = new pg.Client(connection);
    // Declared first: the handlers below compare against it once it exists.
    let attempt: Promise<void> | undefined = undefined;
    attempt = (async () => {
      client.on('error', () => {});
      client.on('notification', onNotice);
      client.on('end', () => {
        if (listener !== client && listening !== attempt) return;
        listener = undefined;
        listenerPid = undefined;
        listening = undefined;
        scheduleReconnect();
      });
      await open();
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(channel)}`);
      listenerPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      if (closed) throw new Error(`postgres store ${kind} is closed`);
      if (listening !== attempt) {
        // Everyone stopped watching while this connected: nothing to listen for.
        client.removeAllListeners('end');
        await client.end().catch(() => {});
        return;
      }
      listener = client;
    })();
    listening = attempt;
    const started = attempt;
    started.catch(() => {
      if (listening === started) listening = undefined;
      client.end().catch(() => {});
    });
    return started;
  }

  function stopListening(): void {
    const client = listener;
    listener = undefined;
    listenerPid = undefined;
    listening = undefined;
    if (reconnectTimer) clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
    client?.removeAllListeners('end');
    client?.end().catch(() => {});
  }

  /**
   * The webhook route's one durable call, for every webhook of an event-loop turn at once: ONE
   * statement (one round trip, one commit flushed to the WAL before it returns) looks each event's
   * transaction up and adds it to the inbox, or keeps it as unmatched. Each row's unique key
   * decides its race, as it did one statement per webhook. Inserts go in EventId order, so two
   * instances' batches that share events take their row locks in one order and never deadlock.
   * (PostgreSQL runs every data-modifying WITH once, whether or not the outer query reads it.)
   */
  const admit = turnBatch<{ event: TransferEvent | UnmatchedTransferEvent; at: number }, WebhookAdmission>(async (items) => {
    const eventJson = items.map(({ event }) => JSON.stringify(event));
    const { rows } = await query<{ n: number; matched: boolean; fresh: boolean }>(
      `WITH input AS (
         SELECT n, transaction_id, event_id, event_json, at, unmatched_json
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) WITH ORDINALITY
           AS i(transaction_id, event_id, event_json, at, unmatched_json, n)
       ),
       known AS (
         SELECT n, event_id, event_json, at, unmatched_json,
                EXISTS (SELECT 1 FROM ${s}.transactions t WHERE t.transaction_id = input.transaction_id) AS matched
         FROM input
       ),
       queued AS (
         INSERT INTO ${s}.inbox (event_id, event_json, state, attempts, next_attempt_at, received_at)
         SELECT event_id, event_json, 'pending', 0, at, at FROM known WHERE matched ORDER BY event_id
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id
       ),
       kept AS (
         INSERT INTO ${s}.records (collection, key, json)
         SELECT $6, event_id, unmatched_json FROM known WHERE NOT matched ORDER BY event_id
         ON CONFLICT DO NOTHING RETURNING key
       )
       SELECT n::int AS n, matched,
              EXISTS (SELECT 1 FROM queued q WHERE q.event_id = known.event_id)
                OR EXISTS (SELECT 1 FROM kept r WHERE r.key = known.event_id) AS fresh
       FROM known ORDER BY n`,
      [
        items.map(({ event }) => (event.transactionId === undefined ? null : encodeKey(event.transactionId))),
        items.map(({ event }) => encodeKey(event.eventId)),
        eventJson,
        items.map(({ at }) => at),
        items.map(({ at }, i) => unmatchedRecordJson(eventJson[i]!, at)),
        encodeKey(UNMATCHED_COLLECTION),
      ],
      webhookPool,
    );
    return rows.map((row) => ({ matched: row.matched, fresh: row.fresh }));
  });

  const store: PostgresStore = {
    kind,
    pool,
    schema,
    ready,

    saveTransaction(tx: TransactionRecord) {
      return inOrder([k.tx(tx.transactionId), k.order(tx.orderId)], async () => {
        await query(
          `WITH saved AS (
             INSERT INTO ${s}.transactions (transaction_id, order_id, json) VALUES ($1, $2, $3)
             ON CONFLICT (transaction_id) DO UPDATE SET order_id = excluded.order_id, json = excluded.json
           )
           INSERT INTO ${s}.order_latest (order_id, transaction_id) VALUES ($2, $1)
           ON CONFLICT (order_id) DO UPDATE SET transaction_id = excluded.transaction_id`,
          [encodeKey(tx.transactionId), encodeKey(tx.orderId), JSON.stringify(tx)],
        );
      });
    },

    getTransaction(transactionId) {
      return inOrder([], () => readTransactions(transactionId), [k.tx(transactionId)]);
    },

    findTransactionByOrder(orderId) {
      return inOrder([k.order(orderId)], async () => {
        const { rows } = await query<{ json: string }>(
          `SELECT t.json FROM ${s}.order_latest o JOIN ${s}.transactions t ON t.transaction_id = o.transaction_id
           WHERE o.order_id = $1`,
          [encodeKey(orderId)],
        );
        return rows[0] ? (JSON.parse(rows[0].json) as TransactionRecord) : undefined;
      });
    },

    addToInbox(event, now) {
      return inOrder([k.inbox(event.eventId)], async () => {
        // The primary key decides the race; the statement returns after its commit reached the WAL.
        const { rowCount } = await query(
          `INSERT INTO ${s}.inbox (event_id, event_json, state, attempts, next_attempt_at, received_at)
           VALUES ($1, $2, 'pending', 0, $3, $3) ON CONFLICT (event_id) DO NOTHING`,
          [encodeKey(event.eventId), JSON.stringify(event), Math.trunc(now)],
        );
        return rowCount === 1;
      });
    },

    admitWebhook(event, now) {
      const transactionId = event.transactionId;
      // Its transaction is only read: concurrent webhooks for one transaction go out together.
      return inOrder(
        [k.inbox(event.eventId), k.record(UNMATCHED_COLLECTION, event.eventId)],
        () => admit({ event, at: Math.trunc(now) }),
        transactionId === undefined ? [] : [k.tx(transactionId)],
      );
    },

    async claimInbox(now, leaseMs, limit) {
      if (limit <= 0) return [];
      // SKIP LOCKED: rows another instance is claiming right now are passed over, not waited for,
      // and once it commits their due time is the lease's end, so nobody else sees them as due.
      const { rows } = await query<InboxRow & { was: string; event_id: string }>(
        `WITH due AS (
           SELECT event_id, next_attempt_at AS was FROM ${s}.inbox
           WHERE state IN ('pending', 'processing') AND next_attempt_at <= $1
           ORDER BY next_attempt_at, received_at, event_id
           LIMIT $3
           FOR UPDATE SKIP LOCKED
         )
         UPDATE ${s}.inbox i SET attempts = i.attempts + 1, next_attempt_at = $2, state = 'processing'
         FROM due WHERE i.event_id = due.event_id
         RETURNING i.event_id, i.event_json, i.state, i.attempts, i.next_attempt_at, i.received_at, i.last_error,
                   i.window_start, due.was`,
        [Math.trunc(now), Math.trunc(now + leaseMs), Math.trunc(limit)],
      );
      return rows
        .sort((a, b) => int(a.was) - int(b.was) || int(a.received_at) - int(b.received_at) || (a.event_id < b.event_id ? -1 : 1))
        .map(toEntry);
    },

    settleInbox(eventId, state, error, attempt) {
      return inOrder([k.inbox(eventId)], async () => {
        await withAttempt(
          `UPDATE ${s}.inbox SET state = $1, last_error = COALESCE($2, last_error) WHERE event_id = $3`,
          [state, error === undefined ? null : storableError(error), encodeKey(eventId)],
          attempt,
        );
      });
    },

    retryInbox(eventId, nextAttemptAt, error, attempt) {
      return inOrder([k.inbox(eventId)], async () => {
        // A settled entry stays settled: a late retry from a worker whose lease lapsed must not revive it.
        await withAttempt(
          `UPDATE ${s}.inbox SET next_attempt_at = $1, last_error = $2, state = 'pending'
           WHERE event_id = $3 AND state IN ('pending', 'processing')`,
          [Math.trunc(nextAttemptAt), storableError(error), encodeKey(eventId)],
          attempt,
        );
      });
    },

    getInboxEntry(eventId) {
      return inOrder([k.inbox(eventId)], async () => {
        const { rows } = await query<InboxRow & { history: string[] }>(
          `SELECT i.*, ARRAY(SELECT a.json FROM ${s}.inbox_attempts a WHERE a.event_id = i.event_id ORDER BY a.id) AS history
           FROM ${s}.inbox i WHERE i.event_id = $1`,
          [encodeKey(eventId)],
        );
        const row = rows[0];
        return row ? { ...toEntry(row), history: row.history.map((json) => JSON.parse(json) as InboxAttempt) } : undefined;
      });
    },

    renewInboxLease(eventId, now, leaseMs) {
      return inOrder([k.inbox(eventId)], async () => {
        const { rowCount } = await query(
          `UPDATE ${s}.inbox SET next_attempt_at = $1 WHERE event_id = $2 AND state IN ('pending', 'processing')`,
          [Math.trunc(now + leaseMs), encodeKey(eventId)],
        );
        return rowCount === 1;
      });
    },

    async listInbox({ state, cursor, limit }) {
      const size = inboxPageSize(limit);
      // Cursors are stored keys, which never hold NUL (encodeKey); a forged one with NUL is cut there.
      const after = typeof cursor === 'string' ? cursor.split('\0')[0]! : '';
      const { rows } = await query<InboxRow & { event_id: string }>(
        state === undefined
          ? `SELECT * FROM ${s}.inbox WHERE event_id > $1 ORDER BY event_id LIMIT $2`
          : `SELECT * FROM ${s}.inbox WHERE state = $3 AND event_id > $1 ORDER BY event_id LIMIT $2`,
        state === undefined ? [after, size + 1] : [after, size + 1, state],
      );
      const page = rows.slice(0, size);
      // The cursor is the stored (escaped) key: opaque to callers, exact for the next page.
      return { entries: page.map(toEntry), ...(rows.length > size ? { cursor: page.at(-1)!.event_id } : {}) };
    },

    requeueInbox(eventId, now) {
      return inOrder([k.inbox(eventId)], async () => {
        // One statement: the old state is read under the row lock the update takes.
        const { rows } = await query<{ state: InboxEntry['state'] }>(
          `WITH old AS (SELECT event_id, state FROM ${s}.inbox WHERE event_id = $1 FOR UPDATE),
                moved AS (
                  UPDATE ${s}.inbox i SET state = 'pending', attempts = 0, next_attempt_at = $2, window_start = $2
                  FROM old WHERE i.event_id = old.event_id AND old.state IN ('pending', 'dead')
                )
           SELECT state FROM old`,
          [encodeKey(eventId), Math.trunc(now)],
        );
        return rows[0]?.state;
      });
    },

    async requeueDeadInbox(now, limit) {
      const { rows } = await query<{ event_json: string }>(
        `WITH dead AS (
           SELECT event_id FROM ${s}.inbox WHERE state = 'dead' ORDER BY event_id LIMIT $2 FOR UPDATE SKIP LOCKED
         )
         UPDATE ${s}.inbox i SET state = 'pending', attempts = 0, next_attempt_at = $1, window_start = $1
         FROM dead WHERE i.event_id = dead.event_id
         RETURNING i.event_json`,
        [Math.trunc(now), inboxPageSize(limit)],
      );
      return rows.map((row) => (JSON.parse(row.event_json) as TransferEvent).eventId);
    },

    async scheduleReconcile(transactionId, dueAt) {
      await query(
        `INSERT INTO ${s}.reconcile_due (transaction_id, due_at) VALUES ($1, $2)
         ON CONFLICT (transaction_id) DO UPDATE SET due_at = excluded.due_at`,
        [encodeKey(transactionId), Math.trunc(dueAt)],
      );
    },

    async unscheduleReconcile(transactionId) {
      await query(`DELETE FROM ${s}.reconcile_due WHERE transaction_id = $1`, [encodeKey(transactionId)]);
    },

    async claimReconcile(now, nextDueAt, limit) {
      const { rows } = await query<{ transaction_id: string; was: string }>(
        `WITH due AS (
           SELECT transaction_id, due_at AS was FROM ${s}.reconcile_due WHERE due_at <= $1
           ORDER BY due_at, transaction_id LIMIT $3 FOR UPDATE SKIP LOCKED
         )
         UPDATE ${s}.reconcile_due r SET due_at = $2 FROM due WHERE r.transaction_id = due.transaction_id
         RETURNING r.transaction_id, due.was`,
        [Math.trunc(now), Math.trunc(nextDueAt), inboxPageSize(limit)],
      );
      return rows
        .sort((a, b) => int(a.was) - int(b.was) || (a.transaction_id < b.transaction_id ? -1 : 1))
        .map((row) => decodeKey(row.transaction_id));
    },

    async claimReconcileOne(transactionId, now, nextDueAt) {
      const { rowCount } = await query(
        `UPDATE ${s}.reconcile_due SET due_at = $3 WHERE transaction_id = $1 AND due_at <= $2`,
        [encodeKey(transactionId), Math.trunc(now), Math.trunc(nextDueAt)],
      );
      return rowCount === 1;
    },

    async closeTransaction(transactionId, closedAt) {
      await query(
        `WITH gone AS (DELETE FROM ${s}.reconcile_due WHERE transaction_id = $1)
         INSERT INTO ${s}.prune_due (transaction_id, closed_at) VALUES ($1, $2)
         ON CONFLICT (transaction_id) DO UPDATE SET closed_at = excluded.closed_at`,
        [encodeKey(transactionId), Math.trunc(closedAt)],
      );
    },

    async keepTransaction(transactionId) {
      await query(`DELETE FROM ${s}.prune_due WHERE transaction_id = $1`, [encodeKey(transactionId)]);
    },

    async pruneSettled(before, limit) {
      const max = inboxPageSize(limit);
      const inbox = await query<{ n: number }>(
        `WITH old AS (
           SELECT event_id FROM ${s}.inbox WHERE state = 'done' AND next_attempt_at < $1
           ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ),
         gone AS (DELETE FROM ${s}.inbox i USING old WHERE i.event_id = old.event_id RETURNING i.event_id),
         marks AS (DELETE FROM ${s}.marks m USING gone WHERE m.scope = 'update' AND m.key = gone.event_id),
         history AS (DELETE FROM ${s}.inbox_attempts a USING gone WHERE a.event_id = gone.event_id)
         SELECT count(*)::int AS n FROM gone`,
        [Math.trunc(before), max],
      );
      const { rows } = await query<{ transaction_id: string }>(
        `WITH old AS (
           SELECT transaction_id FROM ${s}.prune_due WHERE closed_at < $1
           ORDER BY closed_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ),
         tx AS (DELETE FROM ${s}.transactions t USING old WHERE t.transaction_id = old.transaction_id RETURNING t.transaction_id, t.order_id),
         pointer AS (DELETE FROM ${s}.order_latest o USING tx WHERE o.order_id = tx.order_id AND o.transaction_id = tx.transaction_id),
         st AS (DELETE FROM ${s}.statuses x USING old WHERE x.transaction_id = old.transaction_id),
         heads AS (DELETE FROM ${s}.status_heads h USING old WHERE h.transaction_id = old.transaction_id)
         DELETE FROM ${s}.prune_due p USING old WHERE p.transaction_id = old.transaction_id RETURNING p.transaction_id`,
        [Math.trunc(before), max],
      );
      return { inbox: inbox.rows[0]?.n ?? 0, transactions: rows.length };
    },

    acquireLock(key, owner, ttlMs, now) {
      return inOrder([k.lock(key)], async () => {
        // One statement decides: the upsert only overwrites a lock that is ours or has run out.
        const { rowCount } = await query(
          `INSERT INTO ${s}.locks (key, owner, expires_at) VALUES ($1, $2, $3)
           ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
           WHERE ${s}.locks.owner = excluded.owner OR ${s}.locks.expires_at <= $4`,
          [encodeKey(key), owner, Math.trunc(now + ttlMs), Math.trunc(now)],
        );
        return rowCount === 1;
      });
    },

    renewLock(key, owner, ttlMs, now) {
      return inOrder([k.lock(key)], async () => {
        const { rowCount } = await query(`UPDATE ${s}.locks SET expires_at = $1 WHERE key = $2 AND owner = $3`, [
          Math.trunc(now + ttlMs),
          encodeKey(key),
          owner,
        ]);
        return rowCount === 1;
      });
    },

    releaseLock(key, owner) {
      return inOrder([k.lock(key)], async () => {
        await query(`DELETE FROM ${s}.locks WHERE key = $1 AND owner = $2`, [encodeKey(key), owner]);
      });
    },

    markOnce(scope, key) {
      return inOrder([k.mark(scope, key)], async () => {
        const { rowCount } = await query(`INSERT INTO ${s}.marks (scope, key) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
          encodeKey(scope),
          encodeKey(key),
        ]);
        return rowCount === 1;
      });
    },

    hasMark(scope, key) {
      return inOrder([k.mark(scope, key)], async () => {
        const { rows } = await query(`SELECT 1 FROM ${s}.marks WHERE scope = $1 AND key = $2`, [encodeKey(scope), encodeKey(key)]);
        return rows.length > 0;
      });
    },

    markOnceWithin(scope, key, work) {
      return inOrder([k.mark(scope, key)], async () => {
        await open();
        const client: PoolClient = await pool.connect();
        // While checked out, a connection the server drops emits 'error' on the client itself (the
        // pool only listens to idle ones): unheard, that would crash the process. The statement in
        // flight rejects with the same error, which is what reaches the caller.
        const dropped = (): void => {};
        client.on('error', dropped);
        let healthy = false;
        try {
          await client.query('BEGIN');
          // A concurrent caller's uncommitted insert of the same mark makes this one wait for its
          // outcome: committed → no row here; rolled back → this one inserts and runs.
          const { rowCount } = await client.query({
            ...named(`INSERT INTO ${s}.marks (scope, key) VALUES ($1, $2) ON CONFLICT DO NOTHING`),
            values: [encodeKey(scope), encodeKey(key)],
          });
          if (rowCount !== 1) {
            await client.query('ROLLBACK');
            healthy = true;
            return false;
          }
          await work(client as HookTransaction);
          const committed = await client.query('COMMIT');
          // A statement of `work` failed and was caught: PostgreSQL answers COMMIT with ROLLBACK.
          if (committed.command !== 'COMMIT') {
            healthy = true;
            throw new PostgresTransactionAbortedError();
          }
          healthy = true;
          return true;
        } catch (error) {
          if (!healthy) {
            try {
              await client.query('ROLLBACK');
              healthy = true;
            } catch {
              // The connection is gone; the server rolled back when it went.
            }
          }
          throw error;
        } finally {
          client.off('error', dropped);
          client.release(!healthy);
        }
      });
    },

    appendStatus(update) {
      return inOrder([k.status(update.transactionId)], async () => {
        const json = JSON.stringify(update);
        const notice = json.length <= NOTICE_LIMIT ? json : JSON.stringify({ transactionId: update.transactionId });
        // Head, row and notice in one statement: one commit, and the notice leaves only with it.
        const { rows } = await query<{ seq: number }>(
          `WITH head AS (
             INSERT INTO ${s}.status_heads AS h (transaction_id, seq) VALUES ($1, 1)
             ON CONFLICT (transaction_id) DO UPDATE SET seq = h.seq + 1
             RETURNING seq
           ), added AS (
             INSERT INTO ${s}.statuses (transaction_id, seq, json) SELECT $1, seq, $2 FROM head RETURNING seq
           )
           SELECT seq, pg_notify($3, seq::text || E'\\n' || $4::text) FROM added`,
          [encodeKey(update.transactionId), json, channel, notice],
        );
        const stored: StoredStatus = { seq: rows[0]!.seq, update: structuredClone(update) };
        // Local listeners hear it now; the NOTIFY echo is dropped by their cursors.
        fanout.publish(structuredClone(stored)).catch(() => {});
        return stored;
      });
    },

    statusesSince(transactionId, afterSeq) {
      // A read: after the appends made before it, not after other reads of the log.
      return inOrder([], () => readSince(transactionId, afterSeq), [k.status(transactionId)]);
    },

    subscribe(transactionId, listener) {
      return inOrder([k.status(transactionId)], async () => {
        await open();
        return fanout.subscribe(transactionId, listener);
      });
    },

    saveAccessTokens(userId, key, tokens) {
      return inOrder([k.tokens(userId)], async () => {
        await query(
          `INSERT INTO ${s}.access_tokens (user_id, key, json) VALUES ($1, $2, $3)
           ON CONFLICT (user_id, key) DO UPDATE SET json = excluded.json`,
          [encodeKey(userId), encodeKey(key), JSON.stringify(tokens)],
        );
      });
    },

    getAccessTokens(userId) {
      return inOrder([k.tokens(userId)], async () => {
        const { rows } = await query<{ json: string }>(`SELECT json FROM ${s}.access_tokens WHERE user_id = $1 ORDER BY id`, [
          encodeKey(userId),
        ]);
        return rows.map((row) => JSON.parse(row.json) as unknown);
      });
    },

    putOnce(collection, key, value) {
      return inOrder([k.record(collection, key)], async () => {
        const { rowCount } = await query(
          `INSERT INTO ${s}.records (collection, key, json) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [encodeKey(collection), encodeKey(key), JSON.stringify(value)],
        );
        return rowCount === 1;
      });
    },

    getRecord(collection, key) {
      return inOrder([k.record(collection, key)], async () => {
        const { rows } = await query<{ json: string }>(`SELECT json FROM ${s}.records WHERE collection = $1 AND key = $2`, [
          encodeKey(collection),
          encodeKey(key),
        ]);
        return rows[0] ? (JSON.parse(rows[0].json) as unknown) : undefined;
      });
    },

    async listRecords(collection) {
      const { rows } = await query<{ json: string }>(`SELECT json FROM ${s}.records WHERE collection = $1 ORDER BY id`, [
        encodeKey(collection),
      ]);
      return rows.map((row) => JSON.parse(row.json) as unknown);
    },

    async checkDurability() {
      const report: PostgresDurabilityReport = { durable: false, warnings: [] };
      try {
        const { rows } = await query<{ fsync: string; synchronous_commit: string }>(
          `SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit`,
        );
        report.fsync = rows[0]?.fsync;
        report.synchronousCommit = rows[0]?.synchronous_commit;
        report.durable = report.fsync === 'on' && report.synchronousCommit !== 'off' && report.synchronousCommit !== 'local';
        if (report.fsync !== 'on') {
          report.warnings.push(`PostgreSQL fsync is "${report.fsync}": an OS crash or power cut can lose acknowledged webhooks and corrupt the database. Set fsync = on.`);
        }
        if (report.synchronousCommit === 'off') {
          report.warnings.push('PostgreSQL synchronous_commit is "off": a crash can lose the last acknowledged webhooks. Set synchronous_commit = on for the kit (ALTER ROLE … SET synchronous_commit = on).');
        } else if (report.synchronousCommit === 'local') {
          report.warnings.push('PostgreSQL synchronous_commit is "local": with a synchronous standby, a failover can lose acknowledged webhooks.');
        }
      } catch (error) {
        report.warnings.push(`Could not read PostgreSQL durability settings (${(error as Error).message}).`);
      }
      for (const warning of report.warnings) logger.warn(`[mesh-pay] ${warning}`);
      return report;
    },

    async stats() {
      return {
        ...fanout.stats(),
        listening: listener !== undefined,
        ...(listenerPid === undefined ? {} : { listenerPid }),
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      fanout.close();
      stopListening();
      await ready.catch(() => {});
      await Promise.all([pool.end().catch(() => {}), webhookPool.end().catch(() => {})]);
    },
  };
  return store;
}
