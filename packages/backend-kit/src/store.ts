/**
 * The one storage interface behind the kit. `memory`, `sqlite`, `redis` and `postgres` implement it and are
 * proven by one shared contract suite (test/store-contract.ts). Every guarantee the kit makes
 * (nothing lost, nothing twice) rests on the atomicity promised here, so each method documents it.
 *
 * Amounts and every other decimal stay strings: a store never turns one into a JS number.
 */

/** Transfer statuses Mesh sends. Others are stored and shown but never credited. */
export type TransferStatus = import('@mesh-pay/wire').TransferStatus;

/** One destination the merchant's resolver chose for a transaction. */
export interface Destination {
  /** Mesh network id (UUID) as sent in `toAddresses[].networkId`. */
  networkId: string;
  /** Chain name as Mesh's webhooks spell it (`Chain`), e.g. `Ethereum`. */
  chain: string;
  /** Token symbol as Mesh's webhooks spell it (`Token`), e.g. `USDC`. */
  token: string;
  /** Destination address. */
  address: string;
  /** Memo / destination tag for XRP-, XLM-style addresses (Mesh `toAddresses[].addressTag`). */
  addressTag?: string;
  /**
   * A price in the token itself: exact decimal string (Mesh `toAddresses[].amount`). When set, the
   * webhook's `DestinationAmount` (and Mesh's record of the transfer) must pay exactly this.
   */
  amount?: string;
}

/** What the kit remembers about a transaction it minted a link token for. */
export interface TransactionRecord {
  transactionId: string;
  orderId: string;
  userId: string;
  /**
   * USD (Mesh's `amountInFiat` is always USD), decimal string exactly as the resolver gave it.
   * Absent when the order is priced in the token (every destination has an `amount`).
   */
  amountInFiat?: string;
  /** The resolver asked Mesh to take fees out of the amount (changes which amount is checked; see README). */
  isInclusiveFeeEnabled?: boolean;
  destinations: Destination[];
  /** Epoch milliseconds. */
  createdAt: number;
}

/** A verified, normalized transfer-status webhook (PascalCase or camelCase input, strings kept). */
export interface TransferEvent {
  /** Stable across Mesh's retries: the dedupe key. */
  eventId: string;
  /** Changes on every delivery attempt. */
  id: string;
  transferId: string;
  transactionId: string;
  /** Lowercased `TransferStatus`, the value every comparison uses (Mesh may send `Succeeded`). */
  status: TransferStatus;
  /** `TransferStatus` exactly as Mesh sent it, e.g. `Succeeded` or `RefundPending`. */
  rawStatus?: string;
  /** Unix seconds (`SentTimestamp`), kept as sent. */
  sentTimestamp?: string;
  /** Mesh's own event time (`Timestamp`, Unix seconds), kept as sent. */
  timestamp?: string;
  txHash?: string;
  userId?: string;
  token?: string;
  chain?: string;
  sourceAmount?: string;
  sourceAccountProvider?: string;
  destinationAmount?: string;
  destinationAddress?: string;
  refundAddress?: string;
}

/** A well-formed transfer event that names no transaction (`TransactionId` null or absent). */
export type UnmatchedTransferEvent = Omit<TransferEvent, 'transactionId'> & { transactionId?: undefined };

/**
 * Record collection of acknowledged webhooks whose TransactionId is null or not one this store
 * holds (key: EventId; value: {@link UnmatchedRecord}). Never fulfilled; kept for the merchant.
 */
export const UNMATCHED_COLLECTION = 'mesh-pay:unmatched';

export interface UnmatchedRecord {
  event: UnmatchedTransferEvent | TransferEvent;
  /** Epoch ms. */
  receivedAt: number;
}

/**
 * The stored JSON of an {@link UnmatchedRecord}, from the event's JSON as already serialised for
 * the inbox: stores that send both to the database in one call serialise the event once.
 */
export function unmatchedRecordJson(eventJson: string, receivedAt: number): string {
  return `{"event":${eventJson},"receivedAt":${JSON.stringify(receivedAt)}}`;
}

/** What {@link KitStore.admitWebhook} did with a verified delivery. */
export interface WebhookAdmission {
  /** The event names a transaction this store holds: it went to the inbox (else to {@link UNMATCHED_COLLECTION}). */
  matched: boolean;
  /** First delivery of this EventId; `false` for a resend (nothing was written). */
  fresh: boolean;
}

/** One message on a status stream; `seq` is the SSE `id:`, increasing per transaction. */
export type StatusUpdate = import('@mesh-pay/wire').StatusEvent;

export interface StoredStatus {
  seq: number;
  update: StatusUpdate;
}

/**
 * `pending`: waiting for its (next) attempt; `processing`: claimed by a worker whose lease has not
 * lapsed; `done`: fulfilled; `dead`: given up on (retry window over, or a mismatch) and kept until
 * an operator retries it.
 */
export type InboxState = 'pending' | 'processing' | 'done' | 'dead';

export const INBOX_STATES: readonly InboxState[] = ['pending', 'processing', 'done', 'dead'];

export interface InboxEntry {
  event: TransferEvent;
  state: InboxState;
  /** Attempts in the current retry window (an operator's retry starts a new window at 0). */
  attempts: number;
  /** Epoch ms before which the entry is not handed out again (for `processing`: the lease's end). */
  nextAttemptAt: number;
  receivedAt: number;
  /** Epoch ms the current retry window opened: `receivedAt`, or an operator's last retry. */
  windowStart: number;
  lastError?: string;
}

/**
 * One fulfilment attempt of an inbox entry, as an operator sees it (`mesh-pay inbox show`). Written
 * in the same atomic step that settles or reschedules the entry, so the history never disagrees
 * with the state. Carries the error's message only: never a body, a header or a secret.
 */
export interface InboxAttempt {
  /** The attempt's number within its retry window (1, 2, 3…; an operator's retry starts again at 1). */
  attempt: number;
  /** Epoch ms the attempt started. */
  at: number;
  /** How long it ran, ms. */
  durationMs: number;
  outcome: 'ok' | 'failed';
  /** Why it failed (`outcome: 'failed'`), at most {@link INBOX_ERROR_MAX} characters. */
  error?: string;
  /** Which process ran it: `host/pid`. */
  instance?: string;
  /** A failed attempt that will be tried again: when (epoch ms). Absent when the entry went `dead`. */
  nextAttemptAt?: number;
}

/**
 * Attempts kept per event: the last 50, older ones dropped as new ones are written. A hook failing
 * for the whole 72 h window makes about 80 attempts (backoff capped at 1 h), so the last 50 hold
 * every attempt of the last two days and the story of the outage's start is in `receivedAt`.
 */
export const INBOX_HISTORY_LIMIT = 50;

/** Longest error message kept per attempt (and as `lastError`); longer ones are cut with `…`. */
export const INBOX_ERROR_MAX = 500;

/** An entry with its attempts, oldest first (the last {@link INBOX_HISTORY_LIMIT}). */
export interface InboxEntryWithHistory extends InboxEntry {
  history: InboxAttempt[];
}

/**
 * An error message as every store keeps it (`lastError` and each attempt's): NUL characters become
 * U+FFFD (PostgreSQL text cannot hold NUL, and a hook's error text is not ours to choose), and
 * anything past {@link INBOX_ERROR_MAX} characters is cut with `…`.
 */
export function storableError(error: string): string {
  const clean = error.includes('\u0000') ? error.replaceAll('\u0000', '\uFFFD') : error;
  return clean.length <= INBOX_ERROR_MAX ? clean : `${clean.slice(0, INBOX_ERROR_MAX - 1)}…`;
}

/** An attempt as every store keeps it: its error made {@link storableError}. */
export function boundedAttempt(attempt: InboxAttempt): InboxAttempt {
  return attempt.error === undefined ? attempt : { ...attempt, error: storableError(attempt.error) };
}

/** One page of {@link KitStore.listInbox}. */
export interface InboxPage {
  entries: InboxEntry[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  cursor?: string;
}

export interface InboxQuery {
  state?: InboxState;
  /** From a previous page; opaque. */
  cursor?: string;
  /** Page size, 1–1000. A page may hold fewer entries than this and still not be the last. */
  limit: number;
}

/** Clamps a requested page size to 1–1000 (garbage → 100), the same for every store. */
export function inboxPageSize(limit: unknown): number {
  const n = typeof limit === 'number' && Number.isFinite(limit) ? Math.trunc(limit) : 100;
  return Math.min(1000, Math.max(1, n));
}

/** What {@link KitStore.requeueInbox} found: the entry's state before, or `undefined` for an unknown id. */
export type RequeueResult = InboxState | undefined;

export interface KitStore {
  /** Human-readable kind for logs: `memory`, `sqlite:<path>`, `redis://…`. */
  readonly kind: string;

  saveTransaction(tx: TransactionRecord): Promise<void>;
  getTransaction(transactionId: string): Promise<TransactionRecord | undefined>;
  /** The most recent transaction minted for an order. */
  findTransactionByOrder(orderId: string): Promise<TransactionRecord | undefined>;

  /**
   * Durably records a verified event before the webhook is acknowledged. Atomic and unique on
   * `eventId`: returns `true` to exactly one caller across all instances, `false` for a duplicate.
   * When it resolves, the event survives a crash of this process (and, for Redis, see README on
   * persistence).
   */
  addToInbox(event: TransferEvent, now: number): Promise<boolean>;
  /**
   * The webhook route's one durable call: in ONE atomic step (one statement, script or batch, so
   * one round trip), looks the event's transaction up and either adds the event to the inbox (as
   * {@link addToInbox}) or, when its `transactionId` is absent or unknown to this store, keeps
   * `{event, receivedAt: now}` once per EventId in {@link UNMATCHED_COLLECTION} (as {@link putOnce}).
   * Unique on `eventId` in whichever place it went: `fresh` is `true` to exactly one caller across
   * all instances. Durable when it resolves, like `addToInbox`.
   */
  admitWebhook(event: TransferEvent | UnmatchedTransferEvent, now: number): Promise<WebhookAdmission>;
  /**
   * Hands out up to `limit` pending entries whose `nextAttemptAt <= now`, each leased to the caller
   * until `now + leaseMs`: no other caller gets the same entry until the lease lapses (a crashed
   * worker's entries come back by themselves). Increments `attempts`; the entry is `processing`
   * until settled or retried (or, once its lease lapses, claimable again).
   */
  claimInbox(now: number, leaseMs: number, limit: number): Promise<InboxEntry[]>;
  /**
   * Marks an entry finished (`done`) or given up on (`dead`); it is never handed out again. With
   * `attempt`, appends it to the entry's history in the same atomic step (keeping the last
   * {@link INBOX_HISTORY_LIMIT}).
   */
  settleInbox(eventId: string, state: 'done' | 'dead', error?: string, attempt?: InboxAttempt): Promise<void>;
  /** Schedules a failed entry for another try at `nextAttemptAt`; `attempt` as in {@link settleInbox}. */
  retryInbox(eventId: string, nextAttemptAt: number, error: string, attempt?: InboxAttempt): Promise<void>;
  /** One entry with its attempt history (oldest first); `undefined` for an unknown EventId. */
  getInboxEntry(eventId: string): Promise<InboxEntryWithHistory | undefined>;

  /**
   * Operator view: entries (optionally of one state) a page at a time, in a stable order, so a
   * listing of millions never loads them all. Reads only; never changes an entry.
   */
  listInbox(query: InboxQuery): Promise<InboxPage>;
  /**
   * Operator retry: a `dead` or `pending` entry becomes `pending`, due at `now`, with a fresh retry
   * window (`windowStart = now`, `attempts = 0`). A `done` or `processing` entry is left alone
   * (`done` was fulfilled; `processing` is being tried right now). Atomic: concurrent requeues of
   * one entry leave it requeued once. Returns the state it was in, or `undefined` if unknown.
   */
  requeueInbox(eventId: string, now: number): Promise<RequeueResult>;
  /** Requeues up to `limit` `dead` entries as {@link requeueInbox} does; returns their EventIds (empty when none are left). */
  requeueDeadInbox(now: number, limit: number): Promise<string[]>;

  /**
   * Pushes a lease this caller still holds out to `now + leaseMs`, so an entry whose hook runs long
   * is not handed to another worker. `false` when the entry is no longer pending (settled), i.e.
   * nothing was renewed. Renewing is blind to WHO holds the lease (the inbox keeps no owner): the
   * `credit:`/`failed:` locks below are what keep two workers out of one hook.
   */
  renewInboxLease(eventId: string, now: number, leaseMs: number): Promise<boolean>;

  /**
   * Expiring mutual-exclusion lock, atomic across instances. `true` when `key` was free, its
   * holder's ttl had run out (`expiresAt <= now`), or `owner` already holds it (the ttl is then
   * extended to `now + ttlMs`); `false` while another owner holds it. The ttl is what lets a
   * crashed holder's work go on: nobody has to release for the lock to come free.
   */
  acquireLock(key: string, owner: string, ttlMs: number, now: number): Promise<boolean>;
  /** Extends `owner`'s hold to `now + ttlMs`. `false` when `owner` no longer holds it (expired and taken, or released). */
  renewLock(key: string, owner: string, ttlMs: number, now: number): Promise<boolean>;
  /** Frees `key` if, and only if, `owner` holds it; another owner's lock is left alone. */
  releaseLock(key: string, owner: string): Promise<void>;

  /**
   * Reconciliation index: the transactions still waiting for a terminal status, by when they are
   * next due for a lookup at Mesh. A sweep reads only what is overdue, a page at a time, so it costs
   * what is open, not everything that ever happened. `scheduleReconcile` upserts the due time.
   */
  scheduleReconcile(transactionId: string, dueAt: number): Promise<void>;
  /** Removes a transaction from the index (it reached a terminal status, or is past looking up). */
  unscheduleReconcile(transactionId: string): Promise<void>;
  /**
   * Up to `limit` transactions due at `now` (oldest due first), each moved to `nextDueAt` in the
   * same atomic step: two instances sweeping at once never look the same one up twice.
   */
  claimReconcile(now: number, nextDueAt: number, limit: number): Promise<string[]>;
  /** The same for one transaction: `true` (and moved to `nextDueAt`) only if it is indexed and due. */
  claimReconcileOne(transactionId: string, now: number, nextDueAt: number): Promise<boolean>;

  /**
   * A transaction reached a terminal status (or is past looking up): it leaves the reconciliation
   * index and joins the retention index, to be pruned once `closedAt` is older than the retention
   * period. Atomic.
   */
  closeTransaction(transactionId: string, closedAt: number): Promise<void>;
  /** Exempts a transaction from pruning: one of its events is dead and an operator may retry it. */
  keepTransaction(transactionId: string): Promise<void>;
  /**
   * Bounded storage: deletes up to `limit` `done` inbox entries settled before `before` (with their
   * attempt history and `update` once-marks), and up to `limit` transactions closed before `before` (record, the order's
   * pointer if it still points at it, status log). Never touches `dead` or unsettled entries, the
   * `credit`/`failed` marks (they keep a transfer from being credited twice, however late a resend
   * comes) or merchant records. Each call is small, so it never holds up webhooks for long.
   */
  pruneSettled(before: number, limit: number): Promise<{ inbox: number; transactions: number }>;

  /**
   * Atomic once-guard: `true` only to the first caller for `(scope, key)`, ever, across instances.
   * Used for "success hook once per TransferId" and "update hook once per EventId".
   */
  markOnce(scope: string, key: string): Promise<boolean>;
  /** Whether `markOnce(scope, key)` has already succeeded. */
  hasMark(scope: string, key: string): Promise<boolean>;

  /**
   * Appends a status to the transaction's log and publishes it to every subscriber on every
   * instance. Returns the stored entry with its new `seq` (1, 2, 3… per transaction).
   */
  appendStatus(update: StatusUpdate): Promise<StoredStatus>;
  /** Statuses with `seq > afterSeq`, oldest first (SSE `Last-Event-ID` resume). */
  statusesSince(transactionId: string, afterSeq: number): Promise<StoredStatus[]>;
  /**
   * Calls `listener` for every status appended to this transaction from now on, wherever it was
   * appended. Returns the unsubscribe function; after it, nothing of the listener stays behind.
   */
  subscribe(transactionId: string, listener: (status: StoredStatus) => void): Promise<() => void>;

  /** Return users: Mesh access tokens saved for a user, replaced per `tokenId`/broker. Never logged. */
  saveAccessTokens(userId: string, key: string, tokens: unknown): Promise<void>;
  getAccessTokens(userId: string): Promise<unknown[]>;

  /**
   * Merchant records (the demo keeps its ledger here, so instances sharing a store share it).
   * Atomic insert-if-absent on `(collection, key)`: `true` to exactly one caller.
   */
  putOnce(collection: string, key: string, value: unknown): Promise<boolean>;
  getRecord(collection: string, key: string): Promise<unknown | undefined>;
  /** All records of a collection in insertion order. */
  listRecords(collection: string): Promise<unknown[]>;

  close(): Promise<void>;
}

/**
 * Listener and subscription counts a store exposes for tests and health checks, so a leak (an SSE
 * client gone, its listener still attached) is something a test can see rather than guess.
 */
export interface StoreStats {
  /** Status listeners currently attached on this store instance. */
  listeners: number;
  /** Transactions this instance is currently watching (one entry however many listeners). */
  subscribedTransactions: number;
}

/** A `KitStore` that can also report its listener counts. Every store the kit ships is one. */
export interface InspectableStore extends KitStore {
  stats(): Promise<StoreStats>;
}

/**
 * The database transaction a transactional store hands to `onTransferSucceeded`/`onTransferFailed`
 * as `args.tx`: the merchant's writes through it commit together with the kit's once-guard, or not
 * at all. On PostgreSQL it is the `pg` `PoolClient` inside `BEGIN` (cast to use more of it). Do not
 * `COMMIT`, `ROLLBACK` or `release()` it: the kit does.
 */
export interface HookTransaction {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
}

/** A store that can make a merchant's writes and a once-guard one atomic commit (PostgreSQL). */
export interface TransactionalStore extends KitStore {
  /**
   * Sets the once-guard `(scope, key)` and runs `work` inside ONE database transaction: when it
   * resolves `true`, the mark and everything `work` wrote are committed together; when it throws,
   * neither is (and a SIGKILL at any point leaves neither, or both if COMMIT had returned).
   * Resolves `false`, without running `work`, when the mark is already set. Concurrent callers
   * for one `(scope, key)` queue on the mark's row: one runs, the others then see the mark.
   */
  markOnceWithin(scope: string, key: string, work: (tx: HookTransaction) => Promise<void>): Promise<boolean>;
}
