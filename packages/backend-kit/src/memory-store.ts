import { statusFanout } from './status-fanout.js';
import type {
  InboxAttempt,
  InboxEntry,
  InboxState,
  InspectableStore,
  StatusUpdate,
  StoredStatus,
  TransactionRecord,
  TransferEvent,
  UnmatchedRecord,
} from './store.js';
import { boundedAttempt, INBOX_HISTORY_LIMIT, inboxPageSize as pageSize, storableError, UNMATCHED_COLLECTION } from './store.js';

/**
 * Values cross the store boundary as JSON, exactly as they would through SQLite or Redis: the
 * caller can never mutate what is stored by holding on to an object, and memory behaves like the
 * durable stores in tests (undefined fields vanish, decimal strings stay strings).
 */
function copy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Not yet settled: waiting for an attempt, or in one. */
const open_ = (state: InboxState): boolean => state === 'pending' || state === 'processing';

/**
 * In-process store for tests and local development. Everything lives in this process and dies
 * with it; nothing here is shared between instances. Each method is atomic because it runs
 * synchronously on the event loop between two awaits.
 */
export function memoryStore(): InspectableStore {
  const transactions = new Map<string, TransactionRecord>();
  const latestByOrder = new Map<string, string>();
  const inbox = new Map<string, InboxEntry>();
  /** Each entry's last INBOX_HISTORY_LIMIT attempts, oldest first; deleted with the entry. */
  const history = new Map<string, InboxAttempt[]>();
  // Only pending entries are ever scanned, so a long history of settled ones costs nothing per claim.
  const pending = new Set<string>();
  const marks = new Map<string, Set<string>>();
  const reconcileDue = new Map<string, number>();
  const pruneDue = new Map<string, number>();
  const locks = new Map<string, { owner: string; expiresAt: number }>();
  const statuses = new Map<string, StoredStatus[]>();
  const accessTokens = new Map<string, Map<string, unknown>>();
  const records = new Map<string, Map<string, unknown>>();
  // In-process: the log is right here, and an append hands its status straight to the fan-out.
  const fanout = statusFanout({
    readSince: async (transactionId, afterSeq) =>
      copy((statuses.get(transactionId) ?? []).filter((s) => s.seq > afterSeq)),
    latestSeq: async (transactionId) => statuses.get(transactionId)?.length ?? 0,
  });
  let closed = false;

  const open = (): void => {
    if (closed) throw new Error('memory store is closed');
  };
  const record = (eventId: string, attempt: InboxAttempt | undefined): void => {
    if (!attempt || !inbox.has(eventId)) return;
    const list = history.get(eventId) ?? [];
    list.push(copy(boundedAttempt(attempt)));
    history.set(eventId, list.slice(-INBOX_HISTORY_LIMIT));
  };
  const requeue = (entry: InboxEntry, now: number): void => {
    entry.state = 'pending';
    entry.attempts = 0;
    entry.nextAttemptAt = now;
    entry.windowStart = now;
    pending.add(entry.event.eventId);
  };

  const addEntry = (event: TransferEvent, now: number): boolean => {
    if (inbox.has(event.eventId)) return false;
    inbox.set(event.eventId, {
      event: copy(event),
      state: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      receivedAt: now,
      windowStart: now,
    });
    pending.add(event.eventId);
    return true;
  };
  const putRecord = (collection: string, key: string, value: unknown): boolean => {
    let byKey = records.get(collection);
    if (!byKey) records.set(collection, (byKey = new Map()));
    if (byKey.has(key)) return false;
    byKey.set(key, copy(value));
    return true;
  };

  return {
    kind: 'memory',

    async saveTransaction(tx) {
      open();
      transactions.set(tx.transactionId, copy(tx));
      latestByOrder.set(tx.orderId, tx.transactionId);
    },

    async getTransaction(transactionId) {
      open();
      return copy(transactions.get(transactionId));
    },

    async findTransactionByOrder(orderId) {
      open();
      const id = latestByOrder.get(orderId);
      return id === undefined ? undefined : copy(transactions.get(id));
    },

    async addToInbox(event: TransferEvent, now: number) {
      open();
      return addEntry(event, now);
    },

    async admitWebhook(event, now) {
      open();
      if (event.transactionId !== undefined && transactions.has(event.transactionId)) {
        return { matched: true, fresh: addEntry(event as TransferEvent, now) };
      }
      const record: UnmatchedRecord = { event, receivedAt: now };
      return { matched: false, fresh: putRecord(UNMATCHED_COLLECTION, event.eventId, record) };
    },

    async claimInbox(now, leaseMs, limit) {
      open();
      const due = [...pending]
        .map((id) => inbox.get(id))
        .filter((entry): entry is InboxEntry => entry !== undefined && entry.nextAttemptAt <= now)
        .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.receivedAt - b.receivedAt)
        .slice(0, Math.max(0, limit));
      // The lease is the entry's next due time: nobody sees it as due again until it lapses.
      for (const entry of due) {
        entry.attempts += 1;
        entry.nextAttemptAt = now + leaseMs;
        entry.state = 'processing';
      }
      return due.map((entry) => copy(entry));
    },

    async settleInbox(eventId, state, error, attempt) {
      open();
      const entry = inbox.get(eventId);
      if (!entry) return;
      record(eventId, attempt);
      entry.state = state;
      pending.delete(eventId);
      if (error !== undefined) entry.lastError = storableError(error);
    },

    async retryInbox(eventId, nextAttemptAt, error, attempt) {
      open();
      const entry = inbox.get(eventId);
      record(eventId, attempt);
      // A settled entry stays settled: a late retry from a worker whose lease lapsed must not revive it.
      if (!entry || !open_(entry.state)) return;
      entry.state = 'pending';
      entry.nextAttemptAt = nextAttemptAt;
      entry.lastError = storableError(error);
    },

    async getInboxEntry(eventId) {
      open();
      const entry = inbox.get(eventId);
      return entry && copy({ ...entry, history: history.get(eventId) ?? [] });
    },

    async renewInboxLease(eventId, now, leaseMs) {
      open();
      const entry = inbox.get(eventId);
      if (!entry || !open_(entry.state)) return false;
      entry.nextAttemptAt = now + leaseMs;
      return true;
    },

    async listInbox({ state, cursor, limit }) {
      open();
      const size = pageSize(limit);
      const ids = [...inbox.keys()]
        .filter((id) => (cursor === undefined || id > cursor) && (state === undefined || inbox.get(id)!.state === state))
        .sort()
        .slice(0, size + 1);
      const page = ids.slice(0, size);
      return {
        entries: page.map((id) => copy(inbox.get(id)!)),
        ...(ids.length > size ? { cursor: page.at(-1)! } : {}),
      };
    },

    async requeueInbox(eventId, now) {
      open();
      const entry = inbox.get(eventId);
      if (!entry) return undefined;
      const before = entry.state;
      if (before === 'dead' || before === 'pending') requeue(entry, now);
      return before;
    },

    async requeueDeadInbox(now, limit) {
      open();
      const ids: string[] = [];
      for (const entry of inbox.values()) {
        if (ids.length >= pageSize(limit)) break;
        if (entry.state !== 'dead') continue;
        requeue(entry, now);
        ids.push(entry.event.eventId);
      }
      return ids;
    },

    async acquireLock(key, owner, ttlMs, now) {
      open();
      const held = locks.get(key);
      if (held && held.owner !== owner && held.expiresAt > now) return false;
      locks.set(key, { owner, expiresAt: now + ttlMs });
      return true;
    },

    async renewLock(key, owner, ttlMs, now) {
      open();
      const held = locks.get(key);
      if (!held || held.owner !== owner) return false;
      held.expiresAt = now + ttlMs;
      return true;
    },

    async releaseLock(key, owner) {
      open();
      if (locks.get(key)?.owner === owner) locks.delete(key);
    },

    async scheduleReconcile(transactionId, dueAt) {
      open();
      reconcileDue.set(transactionId, dueAt);
    },

    async unscheduleReconcile(transactionId) {
      open();
      reconcileDue.delete(transactionId);
    },

    async claimReconcile(now, nextDueAt, limit) {
      open();
      const due = [...reconcileDue]
        .filter(([, at]) => at <= now)
        .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, pageSize(limit))
        .map(([id]) => id);
      for (const id of due) reconcileDue.set(id, nextDueAt);
      return due;
    },

    async claimReconcileOne(transactionId, now, nextDueAt) {
      open();
      const at = reconcileDue.get(transactionId);
      if (at === undefined || at > now) return false;
      reconcileDue.set(transactionId, nextDueAt);
      return true;
    },

    async closeTransaction(transactionId, closedAt) {
      open();
      reconcileDue.delete(transactionId);
      pruneDue.set(transactionId, closedAt);
    },

    async keepTransaction(transactionId) {
      open();
      pruneDue.delete(transactionId);
    },

    async pruneSettled(before, limit) {
      open();
      const max = pageSize(limit);
      let inboxCount = 0;
      for (const [eventId, entry] of inbox) {
        if (inboxCount >= max) break;
        // A done entry's nextAttemptAt is its last lease: when it was settled, or just after.
        if (entry.state !== 'done' || entry.nextAttemptAt >= before) continue;
        inbox.delete(eventId);
        history.delete(eventId);
        marks.get('update')?.delete(eventId);
        inboxCount++;
      }
      let txCount = 0;
      for (const [transactionId, closedAt] of pruneDue) {
        if (txCount >= max) break;
        if (closedAt >= before) continue;
        const tx = transactions.get(transactionId);
        transactions.delete(transactionId);
        if (tx && latestByOrder.get(tx.orderId) === transactionId) latestByOrder.delete(tx.orderId);
        statuses.delete(transactionId);
        pruneDue.delete(transactionId);
        txCount++;
      }
      return { inbox: inboxCount, transactions: txCount };
    },

    async markOnce(scope, key) {
      open();
      let set = marks.get(scope);
      if (!set) marks.set(scope, (set = new Set()));
      if (set.has(key)) return false;
      set.add(key);
      return true;
    },

    async hasMark(scope, key) {
      open();
      return marks.get(scope)?.has(key) ?? false;
    },

    async appendStatus(update: StatusUpdate) {
      open();
      let log = statuses.get(update.transactionId);
      if (!log) statuses.set(update.transactionId, (log = []));
      const stored: StoredStatus = { seq: log.length + 1, update: copy(update) };
      log.push(stored);
      void fanout.publish(copy(stored));
      return copy(stored);
    },

    async statusesSince(transactionId, afterSeq) {
      open();
      return copy((statuses.get(transactionId) ?? []).filter((s) => s.seq > afterSeq));
    },

    async subscribe(transactionId, listener) {
      open();
      return fanout.subscribe(transactionId, listener);
    },

    async saveAccessTokens(userId, key, tokens) {
      open();
      let byKey = accessTokens.get(userId);
      if (!byKey) accessTokens.set(userId, (byKey = new Map()));
      byKey.set(key, copy(tokens));
    },

    async getAccessTokens(userId) {
      open();
      return copy([...(accessTokens.get(userId)?.values() ?? [])]);
    },

    async putOnce(collection, key, value) {
      open();
      return putRecord(collection, key, value);
    },

    async getRecord(collection, key) {
      open();
      return copy(records.get(collection)?.get(key));
    },

    async listRecords(collection) {
      open();
      return copy([...(records.get(collection)?.values() ?? [])]);
    },

    async stats() {
      return fanout.stats();
    },

    async close() {
      closed = true;
      fanout.close();
    },
  };
}
