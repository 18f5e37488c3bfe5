import { Redis, type RedisOptions } from 'ioredis';
import { LEGACY_CLOSED_COLLECTION, LEGACY_OPEN_COLLECTION } from './legacy-open-records.js';
import { redactUrl } from './redact-url.js';
import { statusFanout } from './status-fanout.js';
import {
  boundedAttempt,
  INBOX_HISTORY_LIMIT,
  inboxPageSize,
  storableError,
  type InboxAttempt,
  type InboxEntry,
  type InspectableStore,
  type StatusUpdate,
  type StoredStatus,
  type StoreStats,
  type TransactionRecord,
  type TransferEvent,
  UNMATCHED_COLLECTION,
} from './store.js';

/*
 * Redis persistence: what "acknowledged ⇒ not lost" needs.
 *
 * The kit answers Mesh's webhook 200 once `addToInbox` resolves; after that Mesh will not resend,
 * so the write must survive a crash of Redis. That requires the append-only file:
 *
 *   appendonly yes        required. With RDB snapshots only (`save …`), everything since the last
 *                         snapshot is lost on a crash, including acknowledged webhooks.
 *   appendfsync always    Redis fsyncs the AOF before it replies, so an acknowledged write survives
 *                         a Redis crash, an OS crash and a power cut. Costs one fsync per write
 *                         (fine at webhook rates on an SSD). This is what the tests run with.
 *   appendfsync everysec  Redis write()s the AOF before replying (so a crash of redis-server alone
 *                         loses nothing) but fsyncs once a second: an OS crash or power cut can lose
 *                         the last ~1-2 s of acknowledged webhooks. Mesh would not resend them.
 *                         Acceptable only if that window is acceptable to you.
 *   appendfsync no        leaves flushing to the OS (~30 s window). Do not use for the inbox.
 *
 * With replicas and automatic failover, a write acknowledged by the primary but not yet replicated
 * can also be lost on failover; Redis gives no synchronous replication, so prefer a single durable
 * primary (or a managed Redis with durable AOF) for the inbox. `checkPersistence()` reads the live
 * settings and warns when they fall short.
 */

/** Options for {@link redisStore}. */
export interface RedisStoreOptions {
  /** Prefix for every key and channel, so several deployments can share one Redis. Default `meshpay:`. */
  keyPrefix?: string;
  /** Extra ioredis options (TLS, auth, timeouts). The URL's host, port, db and credentials win. */
  redis?: RedisOptions;
  /** Where persistence warnings go. Default `console`. */
  logger?: { warn(message: string): void };
}

/** What {@link RedisStore.checkPersistence} found. */
export interface RedisPersistenceReport {
  appendonly?: string;
  appendfsync?: string;
  /** `true` when `appendonly yes` (acknowledged writes survive a Redis crash). */
  durable: boolean;
  warnings: string[];
}

/** Listener counts plus what the Redis server itself reports for this key prefix. */
export interface RedisStoreStats extends StoreStats {
  /** Status channels under this prefix with at least one subscriber on the server, any instance. */
  serverChannels: number;
}

/** What {@link RedisStore.upgradeLegacyData} moved. */
export interface RedisLegacyUpgrade {
  /** Open transactions from `mesh-pay:open` put into the reconciliation index. */
  reconcile: number;
  /** Closed transactions from `mesh-pay:closed` put into the retention index. */
  closed: number;
  /** Inbox entries settled before the done/dead sets existed, now in them. */
  done: number;
  dead: number;
}

export interface RedisStore extends InspectableStore {
  /** Reads `CONFIG GET appendonly`/`appendfsync`, warns through the logger when not durable. */
  checkPersistence(): Promise<RedisPersistenceReport>;
  /**
   * Data written before the reconciliation index and the inbox's done/dead sets existed is moved
   * into them once per deployment (key `<prefix>schema`, set to {@link REDIS_DATA_VERSION} when
   * done): the old `mesh-pay:open`/`mesh-pay:closed` collections (see legacy-open-records.ts) and
   * entries settled `done` or `dead` before the sets (so `inbox list --state dead` shows them and
   * retention prunes old done ones). Paged with HSCAN and small scripts, never a KEYS or a whole
   * LRANGE, so the server keeps answering webhooks meanwhile; idempotent, so an instance that dies
   * half-way (or two starting at once) is harmless. The store starts it when created; this returns
   * that run's result (`undefined` when the data was already current). What an old instance still
   * running writes to the old collections afterwards is moved before each reconciliation sweep.
   */
  upgradeLegacyData(): Promise<RedisLegacyUpgrade | undefined>;
  stats(): Promise<RedisStoreStats>;
}

// Each script is one atomic step on the server; they only touch the keys they are given.

/** Data layout version this code writes; older (or unversioned) data is upgraded once. */
export const REDIS_DATA_VERSION = 2;
/** Hash fields per HSCAN page (and ids per script call) while upgrading. */
const UPGRADE_PAGE = 500;

/**
 * Legacy open transactions, one page: into the reconciliation index (due at createdAt, overdue)
 * unless closed or already indexed, and out of the legacy hash (a field an old instance writes
 * again later is moved by a later sweep). KEYS: reconcile due, prune set, legacy closed hash, legacy
 * open hash. ARGV: id, createdAt, …
 */
const LEGACY_OPEN_PAGE = `
local n = 0
for i = 1, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('HEXISTS', KEYS[3], id) == 0 and not redis.call('ZSCORE', KEYS[2], id) then
    n = n + redis.call('ZADD', KEYS[1], 'NX', ARGV[i + 1], id)
  end
  redis.call('HDEL', KEYS[4], id)
end
return n`;

/**
 * Legacy closed transactions, one page: out of the reconciliation index and into the retention
 * index at closedAt, except those listed after the pairs (a dead event: an operator may retry
 * them); all of them out of the legacy hash. KEYS: reconcile due, prune set, legacy closed hash.
 * ARGV: pair count, id, closedAt, …, kept id, …
 */
const LEGACY_CLOSED_PAGE = `
local n = 0
local count = tonumber(ARGV[1])
local kept = {}
for i = 2 + 2 * count, #ARGV do kept[ARGV[i]] = true end
for i = 2, 1 + 2 * count, 2 do
  local id = ARGV[i]
  redis.call('ZREM', KEYS[1], id)
  if not kept[id] then n = n + redis.call('ZADD', KEYS[2], 'NX', ARGV[i + 1], id) end
  redis.call('HDEL', KEYS[3], id)
end
return n`;

/**
 * Settled entries from before the done/dead sets, one page, each only if still in the state the
 * scan saw. KEYS: state, done, dead, next. ARGV: id, state, … Returns { done, dead } added.
 */
const LEGACY_SETTLED_PAGE = `
local done, dead = 0, 0
for i = 1, #ARGV, 2 do
  local id, seen = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', KEYS[1], id) == seen then
    if seen == 'dead' then dead = dead + redis.call('ZADD', KEYS[3], 'NX', 0, id)
    elseif seen == 'done' then done = done + redis.call('ZADD', KEYS[2], 'NX', tonumber(redis.call('HGET', KEYS[4], id) or '0'), id) end
  end
end
return { done, dead }`;

/**
 * Lua that adds an event to the inbox unless its EventId is there (then `return dup`): a pending
 * entry, due now, then `return fresh`. Spliced into every script that enqueues, so an entry is laid
 * out one way whichever path made it.
 * KEYS[k..k+5]: events, state, attempts, next, received, due. ARGV[a..a+2]: eventId, eventJson, now.
 */
const enqueue = (k: number, a: number, dup: number, fresh: number): string => `
if redis.call('HSETNX', KEYS[${k}], ARGV[${a}], ARGV[${a + 1}]) == 0 then return ${dup} end
redis.call('HSET', KEYS[${k + 1}], ARGV[${a}], 'pending')
redis.call('HSET', KEYS[${k + 2}], ARGV[${a}], 0)
redis.call('HSET', KEYS[${k + 3}], ARGV[${a}], ARGV[${a + 2}])
redis.call('HSET', KEYS[${k + 4}], ARGV[${a}], ARGV[${a + 2}])
redis.call('ZADD', KEYS[${k + 5}], ARGV[${a + 2}], ARGV[${a}])
return ${fresh}`;

/**
 * Lua for insert-if-absent keeping first-insertion order (`return dup` when the key is there, else
 * `return fresh`). KEYS[k], KEYS[k+1]: values, order. ARGV[key]; the value is ARGV[json], or the
 * Lua expression `json` when given as a string.
 */
const putOnce = (k: number, key: number, json: number | string, dup: number, fresh: number): string => `
if redis.call('HSETNX', KEYS[${k}], ARGV[${key}], ${typeof json === 'number' ? `ARGV[${json}]` : json}) == 0 then return ${dup} end
redis.call('RPUSH', KEYS[${k + 1}], ARGV[${key}])
return ${fresh}`;

/** KEYS: events, state, attempts, next, received, due. ARGV: eventId, eventJson, now. */
const ADD_TO_INBOX = enqueue(1, 1, 0, 1);

/**
 * The webhook route's one call: the transaction look-up and the insert in one atomic step. Returns
 * 3 (inbox, fresh), 2 (inbox, duplicate), 1 (unmatched, fresh), 0 (unmatched, duplicate).
 * KEYS: tx, events, state, attempts, next, received, due, records, records order.
 * ARGV: named ('1' when the event has a transactionId), eventId, eventJson, now (integer).
 * An unmatched event's record (`unmatchedRecordJson`) is put together here, from the event's JSON
 * the script already has: every webhook would otherwise carry its body to Redis twice.
 */
const ADMIT_WEBHOOK = `
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then${enqueue(2, 2, 2, 3)}
end${putOnce(8, 2, `'{"event":' .. ARGV[3] .. ',"receivedAt":' .. ARGV[4] .. '}'`, 0, 1)}`;

/**
 * The due set holds every unsettled (pending or processing) entry scored by when it may next be
 * handed out. Claiming moves the score to the lease expiry, so the entry is invisible to everyone
 * until the lease lapses and then comes back by itself (a crashed worker never strands it).
 * KEYS: due, events, attempts, next, received, error, state, window. ARGV: now, leaseUntil, limit.
 */
const CLAIM_INBOX = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for i, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], ARGV[2], id)
  local attempts = redis.call('HINCRBY', KEYS[3], id, 1)
  redis.call('HSET', KEYS[4], id, ARGV[2])
  redis.call('HSET', KEYS[7], id, 'processing')
  out[i] = { id, redis.call('HGET', KEYS[2], id), attempts, redis.call('HGET', KEYS[5], id),
    redis.call('HGET', KEYS[6], id), redis.call('HGET', KEYS[8], id) }
end
return out`;

/**
 * Appends an attempt (ARGV[n], '' for none) to an entry's history list KEYS[h], keeping the newest
 * ARGV[n+1]. Spliced into the scripts that settle or reschedule, so history and state move together.
 */
const recordAttempt = (h: number, n: number): string => `
if ARGV[${n}] ~= '' then
  redis.call('RPUSH', KEYS[${h}], ARGV[${n}])
  redis.call('LTRIM', KEYS[${h}], -tonumber(ARGV[${n + 1}]), -1)
end`;

/**
 * The dead index (score 0, so it pages in EventId order) is what operators list and retry.
 * KEYS: state, error, due, dead, done, next, history. ARGV: eventId, state, error ('' for none), hasError ('1'/'0'), attempt, historyLimit.
 */
const SETTLE_INBOX = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
${recordAttempt(7, 5)}
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[1])
if ARGV[2] == 'dead' then redis.call('ZADD', KEYS[4], 0, ARGV[1]) else redis.call('ZREM', KEYS[4], ARGV[1]) end
-- Done entries, by their last lease (≈ when settled), are what retention prunes.
if ARGV[2] == 'done' then redis.call('ZADD', KEYS[5], tonumber(redis.call('HGET', KEYS[6], ARGV[1]) or '0'), ARGV[1]) end
if ARGV[4] == '1' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[3]) end
return 1`;

/** A settled entry stays settled. KEYS: state, next, error, due, history. ARGV: eventId, nextAttemptAt, error, attempt, historyLimit. */
const RETRY_INBOX = `
local state = redis.call('HGET', KEYS[1], ARGV[1])
if not state then return 0 end
${recordAttempt(5, 4)}
if state ~= 'pending' and state ~= 'processing' then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], 'pending')
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
return 1`;

/** Only an unsettled entry's lease moves. KEYS: state, next, due. ARGV: eventId, leaseUntil. */
const RENEW_LEASE = `
local state = redis.call('HGET', KEYS[1], ARGV[1])
if state ~= 'pending' and state ~= 'processing' then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1`;

/**
 * Operator retry of one entry (dead or pending only). Returns its state before, or false.
 * KEYS: state, attempts, next, window, due, dead. ARGV: eventId, now.
 */
const REQUEUE_INBOX = `
local state = redis.call('HGET', KEYS[1], ARGV[1])
if not state then return false end
if state == 'dead' or state == 'pending' then
  redis.call('HSET', KEYS[1], ARGV[1], 'pending')
  redis.call('HSET', KEYS[2], ARGV[1], 0)
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
  redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
  redis.call('ZADD', KEYS[5], ARGV[2], ARGV[1])
  redis.call('ZREM', KEYS[6], ARGV[1])
end
return state`;

/** Requeues up to `limit` dead entries. KEYS: as REQUEUE_INBOX. ARGV: now, limit. */
const REQUEUE_DEAD = `
local ids = redis.call('ZRANGE', KEYS[6], 0, tonumber(ARGV[2]) - 1)
for _, id in ipairs(ids) do
  redis.call('HSET', KEYS[1], id, 'pending')
  redis.call('HSET', KEYS[2], id, 0)
  redis.call('HSET', KEYS[3], id, ARGV[1])
  redis.call('HSET', KEYS[4], id, ARGV[1])
  redis.call('ZADD', KEYS[5], ARGV[1], id)
  redis.call('ZREM', KEYS[6], id)
end
return ids`;

/*
 * Locks are a hash {owner, exp}. `exp` is the caller's clock (like the inbox's `now`), so every
 * store expires a lock at the same moment; PEXPIRE only sweeps away abandoned keys well after that.
 */

/** KEYS: lock. ARGV: owner, now, expiresAt, sweepMs. */
const ACQUIRE_LOCK = `
local held = redis.call('HMGET', KEYS[1], 'owner', 'exp')
if held[1] and held[1] ~= ARGV[1] and tonumber(held[2]) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'exp', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

/** KEYS: lock. ARGV: owner, expiresAt, sweepMs. */
const RENEW_LOCK = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'exp', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/**
 * Retention of one done entry settled before `before` (checked again here, atomically): removed from
 * every inbox hash, with its history list and `update` mark. KEYS: done, events, state, attempts,
 * next, received, error, window, updateMarks, history. ARGV: eventId, before.
 */
const PRUNE_INBOX = `
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not at or tonumber(at) >= tonumber(ARGV[2]) then return 0 end
for i = 2, 9 do redis.call('HDEL', KEYS[i], ARGV[1]) end
redis.call('DEL', KEYS[10])
redis.call('ZREM', KEYS[1], ARGV[1])
return 1`;

/** One closed transaction. KEYS: tx, status log, order pointer, prune set. ARGV: transactionId. */
const PRUNE_TX = `
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1`;

/** KEYS: reconcile due set, prune set. ARGV: transactionId, closedAt. */
const CLOSE_TX = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1`;

/** KEYS: reconcile due set. ARGV: now, nextDueAt, limit. */
const CLAIM_RECONCILE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return ids`;

/** KEYS: reconcile due set. ARGV: transactionId, now, nextDueAt. */
const CLAIM_RECONCILE_ONE = `
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not at or tonumber(at) > tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1`;

/** KEYS: lock. ARGV: owner. */
const RELEASE_LOCK = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

/** KEYS: events, state, attempts, next, received, error, window. ARGV: eventId. */
const GET_INBOX = `
local event = redis.call('HGET', KEYS[1], ARGV[1])
if not event then return false end
return { event, redis.call('HGET', KEYS[2], ARGV[1]), redis.call('HGET', KEYS[3], ARGV[1]),
  redis.call('HGET', KEYS[4], ARGV[1]), redis.call('HGET', KEYS[5], ARGV[1]),
  redis.call('HGET', KEYS[6], ARGV[1]), redis.call('HGET', KEYS[7], ARGV[1]) }`;

/** GET_INBOX plus the entry's history list, as of the same moment. KEYS: as GET_INBOX, history. ARGV: eventId. */
const GET_INBOX_WITH_HISTORY = `
local event = redis.call('HGET', KEYS[1], ARGV[1])
if not event then return false end
return { event, redis.call('HGET', KEYS[2], ARGV[1]), redis.call('HGET', KEYS[3], ARGV[1]),
  redis.call('HGET', KEYS[4], ARGV[1]), redis.call('HGET', KEYS[5], ARGV[1]),
  redis.call('HGET', KEYS[6], ARGV[1]), redis.call('HGET', KEYS[7], ARGV[1]),
  redis.call('LRANGE', KEYS[8], 0, -1) }`;

/**
 * The log's length is the seq, and the publish happens in the same atomic step, so subscribers see
 * seqs in log order. KEYS: log. ARGV: updateJson, channel.
 */
const APPEND_STATUS = `
local seq = redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], seq .. '\\n' .. ARGV[1])
return seq`;

/** Insert-if-absent keeping first-insertion order. KEYS: values, order. ARGV: key, json. */
const PUT_ONCE = putOnce(1, 1, 2, 0, 1);

/** Upsert keeping the key's first-insertion position. KEYS: values, order. ARGV: key, json. */
const UPSERT_ORDERED = `
if redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) == 1 then redis.call('RPUSH', KEYS[2], ARGV[1]) end
return 1`;

/** KEYS: values, order. */
const LIST_ORDERED = `
local keys = redis.call('LRANGE', KEYS[2], 0, -1)
local out = {}
for i, key in ipairs(keys) do out[i] = redis.call('HGET', KEYS[1], key) end
return out`;

const SCRIPTS = {
  meshAddToInbox: { numberOfKeys: 6, lua: ADD_TO_INBOX },
  meshAdmitWebhook: { numberOfKeys: 9, lua: ADMIT_WEBHOOK },
  meshClaimInbox: { numberOfKeys: 8, lua: CLAIM_INBOX },
  meshSettleInbox: { numberOfKeys: 7, lua: SETTLE_INBOX },
  meshPruneInbox: { numberOfKeys: 10, lua: PRUNE_INBOX },
  meshPruneTx: { numberOfKeys: 4, lua: PRUNE_TX },
  meshCloseTx: { numberOfKeys: 2, lua: CLOSE_TX },
  meshRetryInbox: { numberOfKeys: 5, lua: RETRY_INBOX },
  meshGetInbox: { numberOfKeys: 7, lua: GET_INBOX },
  meshGetInboxWithHistory: { numberOfKeys: 8, lua: GET_INBOX_WITH_HISTORY },
  meshRequeueInbox: { numberOfKeys: 6, lua: REQUEUE_INBOX },
  meshRequeueDead: { numberOfKeys: 6, lua: REQUEUE_DEAD },
  meshRenewLease: { numberOfKeys: 3, lua: RENEW_LEASE },
  meshAcquireLock: { numberOfKeys: 1, lua: ACQUIRE_LOCK },
  meshRenewLock: { numberOfKeys: 1, lua: RENEW_LOCK },
  meshReleaseLock: { numberOfKeys: 1, lua: RELEASE_LOCK },
  meshAppendStatus: { numberOfKeys: 1, lua: APPEND_STATUS },
  meshLegacyOpenPage: { numberOfKeys: 4, lua: LEGACY_OPEN_PAGE },
  meshLegacyClosedPage: { numberOfKeys: 3, lua: LEGACY_CLOSED_PAGE },
  meshLegacySettledPage: { numberOfKeys: 4, lua: LEGACY_SETTLED_PAGE },
  meshClaimReconcile: { numberOfKeys: 1, lua: CLAIM_RECONCILE },
  meshClaimReconcileOne: { numberOfKeys: 1, lua: CLAIM_RECONCILE_ONE },
  meshPutOnce: { numberOfKeys: 2, lua: PUT_ONCE },
  meshUpsertOrdered: { numberOfKeys: 2, lua: UPSERT_ORDERED },
  meshListOrdered: { numberOfKeys: 2, lua: LIST_ORDERED },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptRunner = (...args: (string | number)[]) => Promise<unknown>;

/** `redis://user:secret@host` → `redis://user:***@host`: a store's `kind` is logged. */
export function redactRedisUrl(url: string): string {
  return URL.canParse(url) ? redactUrl(url) : 'redis://(invalid url)';
}

/** An attempt as its history list holds it; '' (nothing to record) when there is none. */
function attemptJson(attempt: InboxAttempt | undefined): string {
  return attempt ? JSON.stringify(boundedAttempt(attempt)) : '';
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Server-side lifetime of a lock key: long after its logical expiry, so clocks never disagree on it. */
const lockSweepMs = (ttlMs: number): number => Math.max(1, Math.trunc(ttlMs)) + 60_000;

/**
 * Multi-instance store on Redis (ioredis). Dedupe is `HSETNX` inside Lua scripts, so exactly one
 * caller wins across every instance; the inbox is a hash of entries plus a sorted set of due times
 * whose scores double as lease expiries; each transaction's status log is a list whose length is
 * the seq.
 *
 * Fan-out is pub/sub rather than Streams: a status is published in the same script that appends it,
 * a dedicated subscriber connection holds one SUBSCRIBE per transaction while it has local
 * listeners, and the list stays the source of truth. Pub/sub is at-most-once (a dropped connection
 * drops messages), so each listener tracks the last seq it saw: a gap, or a reconnect, is filled
 * from the list before anything newer is delivered. Streams would need a blocking XREAD per
 * instance that must be interrupted whenever the set of watched transactions changes; pub/sub plus
 * the log gives the same ordering and completeness with simpler bookkeeping.
 */
export function redisStore(url: string, options: RedisStoreOptions = {}): RedisStore {
  const prefix = options.keyPrefix ?? 'meshpay:';
  const logger = options.logger ?? console;
  // Auto-pipelining sends every command issued in one event-loop turn in one write; Redis runs
  // them in order and, with appendfsync always, fsyncs once for the lot before replying to any.
  // Order per connection is unchanged, so a process still reads its own writes.
  const redis = new Redis(url, { enableAutoPipelining: true, ...options.redis });
  // Errors reach callers as rejected commands; the event would otherwise print as "unhandled".
  redis.on('error', () => {});
  for (const [name, { numberOfKeys, lua }] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, { numberOfKeys, lua });
  }
  const script = (name: ScriptName): ScriptRunner =>
    (redis as unknown as Record<ScriptName, ScriptRunner>)[name].bind(redis);

  const k = {
    tx: (id: string) => `${prefix}tx:${id}`,
    order: (orderId: string) => `${prefix}order:${orderId}`,
    inboxEvents: `${prefix}inbox:events`,
    inboxState: `${prefix}inbox:state`,
    inboxAttempts: `${prefix}inbox:attempts`,
    inboxNext: `${prefix}inbox:next`,
    inboxReceived: `${prefix}inbox:received`,
    inboxError: `${prefix}inbox:error`,
    inboxDue: `${prefix}inbox:due`,
    inboxWindow: `${prefix}inbox:window`,
    inboxDead: `${prefix}inbox:dead`,
    reconcileDue: `${prefix}reconcile:due`,
    pruneDue: `${prefix}prune:due`,
    inboxDone: `${prefix}inbox:done`,
    inboxHistory: (eventId: string) => `${prefix}inbox:history:${eventId}`,
    dataVersion: `${prefix}schema`,
    marks: (scope: string) => `${prefix}marks:${scope}`,
    lock: (key: string) => `${prefix}lock:${key}`,
    statusLog: (transactionId: string) => `${prefix}status:${transactionId}`,
    statusChannel: (transactionId: string) => `${prefix}status-events:${transactionId}`,
    tokens: (userId: string) => `${prefix}tokens:${userId}`,
    tokensOrder: (userId: string) => `${prefix}tokens-order:${userId}`,
    records: (collection: string) => `${prefix}records:${collection}`,
    recordsOrder: (collection: string) => `${prefix}records-order:${collection}`,
  };

  const readSince = async (transactionId: string, afterSeq: number): Promise<StoredStatus[]> => {
    const start = Math.max(0, Math.floor(afterSeq));
    const rows = await redis.lrange(k.statusLog(transactionId), start, -1);
    return rows.map((json, i) => ({ seq: start + i + 1, update: JSON.parse(json) as StatusUpdate }));
  };

  // ---- fan-out --------------------------------------------------------------------------------
  let subscriber: Redis | undefined;
  let closed = false;
  const channelPrefix = k.statusChannel('');

  const fanout = statusFanout({
    readSince,
    latestSeq: (transactionId) => redis.llen(k.statusLog(transactionId)),
    watch: async (transactionId) => {
      await getSubscriber().subscribe(k.statusChannel(transactionId));
    },
    unwatch: (transactionId) => {
      // Commands on one connection run in order, so a later SUBSCRIBE for the same channel wins.
      subscriber?.unsubscribe(k.statusChannel(transactionId)).catch(() => {});
    },
  });

  const onMessage = (channel: string, message: string): void => {
    if (!channel.startsWith(channelPrefix)) return;
    const newline = message.indexOf('\n');
    const seq = Number(message.slice(0, newline));
    if (newline < 0 || !Number.isSafeInteger(seq)) return;
    const update = JSON.parse(message.slice(newline + 1)) as StatusUpdate;
    if (update.transactionId !== channel.slice(channelPrefix.length)) return;
    fanout.publish({ seq, update }).catch(() => {});
  };

  const getSubscriber = (): Redis => {
    if (subscriber) return subscriber;
    // No INFO ready check: a SUBSCRIBE sent while connecting races it and wedges the connection (ioredis#2037).
    // No auto-pipelining either: it can queue a SELECT behind a SUBSCRIBE on reconnect (ioredis#1505).
    const sub = redis.duplicate({ enableReadyCheck: false, enableAutoPipelining: false });
    sub.on('error', () => {});
    sub.on('message', onMessage);
    let connectedOnce = false;
    sub.on('ready', () => {
      if (!connectedOnce) {
        connectedOnce = true;
        return;
      }
      // Reconnected: messages published while we were away are gone from pub/sub, not from the
      // log. Subscribe again (a no-op if ioredis already did) so nothing new slips past, then read.
      for (const transactionId of fanout.watching()) {
        fanout
          .refresh(transactionId, async () => {
            await sub.subscribe(k.statusChannel(transactionId));
          })
          .catch(() => {});
      }
    });
    subscriber = sub;
    return sub;
  };

  const open = (): void => {
    if (closed) throw new Error(`redis store ${redactRedisUrl(url)} is closed`);
  };

  const toEntry = (row: unknown[]): InboxEntry => {
    const [eventJson, state, attempts, next, received, error, window] = row as (string | null)[];
    const entry: InboxEntry = {
      event: JSON.parse(eventJson ?? 'null') as TransferEvent,
      state: (state ?? 'pending') as InboxEntry['state'],
      attempts: Number(attempts ?? 0),
      nextAttemptAt: Number(next ?? 0),
      receivedAt: Number(received ?? 0),
      windowStart: Number(window ?? received ?? 0),
    };
    if (error !== null && error !== undefined) entry.lastError = error;
    return entry;
  };

  const inboxKeys = [k.inboxEvents, k.inboxState, k.inboxAttempts, k.inboxNext, k.inboxReceived, k.inboxError, k.inboxWindow];
  const requeueKeys = [k.inboxState, k.inboxAttempts, k.inboxNext, k.inboxWindow, k.inboxDue, k.inboxDead];
  const getEntries = async (ids: string[]): Promise<InboxEntry[]> => {
    // Auto-pipelining sends these together; an id settled and pruned meanwhile is skipped.
    const rows = (await Promise.all(ids.map((id) => script('meshGetInbox')(...inboxKeys, id)))) as (unknown[] | null)[];
    return rows.filter((row): row is unknown[] => row !== null).map(toEntry);
  };

  /** Every field of a hash, a page at a time (HSCAN: the server never blocks on a big one). */
  const scanHash = async (key: string, page: (flat: string[]) => Promise<void>): Promise<void> => {
    let cursor = '0';
    do {
      const [next, flat] = await redis.hscan(key, cursor, 'COUNT', UPGRADE_PAGE);
      if (flat.length > 0) await page(flat);
      cursor = next;
    } while (cursor !== '0');
  };
  /** The `[field, value]` pairs of a flat HSCAN reply that pass `keep`, flat again. */
  const pairsWhere = (flat: string[], keep: (field: string, value: string) => boolean): string[] => {
    const out: string[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) if (keep(flat[i]!, flat[i + 1]!)) out.push(flat[i]!, flat[i + 1]!);
    return out;
  };
  /** `[field, json, …]` → `[field, json[name] as a whole number (0 if not one), …]`. */
  const numberField = (flat: string[], name: string): string[] =>
    flat.map((value, i) => {
      if (i % 2 === 0) return value;
      let n: unknown;
      try {
        n = (JSON.parse(value) as Record<string, unknown> | null)?.[name];
      } catch {
        // Not JSON: due (or prunable) at once rather than an upgrade that fails on every start.
      }
      return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? String(n) : '0';
    });

  const legacyOpen = k.records(LEGACY_OPEN_COLLECTION);
  const legacyClosed = k.records(LEGACY_CLOSED_COLLECTION);
  /**
   * The old `mesh-pay:open`/`mesh-pay:closed` hashes into the indexes, page by page, each field
   * deleted as it is moved (never the whole hash at once: an old instance still running during a
   * rolling upgrade may be writing to it, and what it writes next is moved by the next sweep).
   */
  const moveLegacyCollections = async (report: RedisLegacyUpgrade): Promise<void> => {
    await scanHash(legacyOpen, async (flat) => {
      report.reconcile += Number(await script('meshLegacyOpenPage')(k.reconcileDue, k.pruneDue, legacyClosed, legacyOpen, ...numberField(flat, 'createdAt')));
    });
    // A closed transaction with a dead event stays (an operator may retry it): like keepTransaction.
    const keep = new Set<string>();
    let deadFrom = '-';
    for (;;) {
      const ids = await redis.zrangebylex(k.inboxDead, deadFrom, '+', 'LIMIT', 0, UPGRADE_PAGE);
      if (ids.length === 0) break;
      for (const json of await redis.hmget(k.inboxEvents, ...ids)) {
        if (json) keep.add((JSON.parse(json) as TransferEvent).transactionId);
      }
      deadFrom = `(${ids.at(-1)!}`;
    }
    await scanHash(legacyClosed, async (flat) => {
      const pairs = numberField(flat, 'closedAt');
      const kept = pairsWhere(pairs, (id) => keep.has(id)).filter((_, i) => i % 2 === 0);
      report.closed += Number(await script('meshLegacyClosedPage')(k.reconcileDue, k.pruneDue, legacyClosed, pairs.length / 2, ...pairs, ...kept));
    });
    // The old code's insertion-order lists go with their hashes (empty hashes no longer exist).
    for (const collection of [LEGACY_OPEN_COLLECTION, LEGACY_CLOSED_COLLECTION]) {
      if (!(await redis.exists(k.records(collection)))) await redis.unlink(k.recordsOrder(collection));
    }
  };
  /** Sweep-time check for what an old instance wrote since: one EXISTS while there is nothing. */
  let movingLegacy: Promise<void> | undefined;
  const moveLegacyWrites = (): Promise<void> =>
    (movingLegacy ??= (async () => {
      if (await redis.exists(legacyOpen, legacyClosed)) await moveLegacyCollections({ reconcile: 0, closed: 0, done: 0, dead: 0 });
    })().finally(() => (movingLegacy = undefined)));

  const upgrade = async (): Promise<RedisLegacyUpgrade | undefined> => {
    if (Number((await redis.get(k.dataVersion)) ?? 0) >= REDIS_DATA_VERSION) return undefined;
    const report: RedisLegacyUpgrade = { reconcile: 0, closed: 0, done: 0, dead: 0 };
    await scanHash(k.inboxState, async (flat) => {
      const settled = pairsWhere(flat, (_, state) => state === 'done' || state === 'dead');
      if (settled.length === 0) return;
      const [done, dead] = (await script('meshLegacySettledPage')(k.inboxState, k.inboxDone, k.inboxDead, k.inboxNext, ...settled)) as [number, number];
      report.done += done;
      report.dead += dead;
    });
    await moveLegacyCollections(report);
    await redis.set(k.dataVersion, String(REDIS_DATA_VERSION));
    return report;
  };
  let upgrading: Promise<RedisLegacyUpgrade | undefined> | undefined;
  const upgradeOnce = (): Promise<RedisLegacyUpgrade | undefined> =>
    (upgrading ??= upgrade().catch((error: unknown) => {
      upgrading = undefined; // the next call (or the next start) tries again
      throw error;
    }));
  // Started with the store; a failure (Redis down at start) is retried by the next instance start.
  upgradeOnce().catch((error: unknown) => {
    if (!closed) logger.warn(`[mesh-pay] could not upgrade data written by an older version yet: ${(error as Error).message}`);
  });

  return {
    kind: redactRedisUrl(url),

    upgradeLegacyData: upgradeOnce,

    async saveTransaction(tx: TransactionRecord) {
      open();
      await redis
        .multi()
        .set(k.tx(tx.transactionId), JSON.stringify(tx))
        .set(k.order(tx.orderId), tx.transactionId)
        .exec();
    },

    async getTransaction(transactionId) {
      open();
      const json = await redis.get(k.tx(transactionId));
      return json === null ? undefined : (JSON.parse(json) as TransactionRecord);
    },

    async findTransactionByOrder(orderId) {
      open();
      const id = await redis.get(k.order(orderId));
      if (id === null) return undefined;
      const json = await redis.get(k.tx(id));
      return json === null ? undefined : (JSON.parse(json) as TransactionRecord);
    },

    async addToInbox(event, now) {
      open();
      const added = await script('meshAddToInbox')(
        k.inboxEvents, k.inboxState, k.inboxAttempts, k.inboxNext, k.inboxReceived, k.inboxDue,
        event.eventId, JSON.stringify(event), Math.trunc(now),
      );
      return added === 1;
    },

    async admitWebhook(event, now) {
      open();
      const json = JSON.stringify(event);
      const at = Math.trunc(now);
      const named = event.transactionId !== undefined;
      const outcome = (await script('meshAdmitWebhook')(
        named ? k.tx(event.transactionId!) : k.tx(''), k.inboxEvents, k.inboxState, k.inboxAttempts, k.inboxNext, k.inboxReceived, k.inboxDue,
        k.records(UNMATCHED_COLLECTION), k.recordsOrder(UNMATCHED_COLLECTION),
        named ? '1' : '0', event.eventId, json, String(at),
      )) as number;
      return { matched: outcome >= 2, fresh: outcome % 2 === 1 };
    },

    async claimInbox(now, leaseMs, limit) {
      open();
      if (limit <= 0) return [];
      const rows = (await script('meshClaimInbox')(
        k.inboxDue, k.inboxEvents, k.inboxAttempts, k.inboxNext, k.inboxReceived, k.inboxError, k.inboxState, k.inboxWindow,
        Math.trunc(now), Math.trunc(now + leaseMs), Math.trunc(limit),
      )) as [string, string, number, string, string | null, string | null][];
      const until = Math.trunc(now + leaseMs);
      return rows.map(([, eventJson, attempts, received, error, window]) =>
        toEntry([eventJson, 'processing', attempts, until, received, error, window]),
      );
    },

    async settleInbox(eventId, state, error, attempt) {
      open();
      await script('meshSettleInbox')(
        k.inboxState, k.inboxError, k.inboxDue, k.inboxDead, k.inboxDone, k.inboxNext, k.inboxHistory(eventId),
        eventId, state, error === undefined ? '' : storableError(error), error === undefined ? '0' : '1', attemptJson(attempt), INBOX_HISTORY_LIMIT,
      );
    },

    async retryInbox(eventId, nextAttemptAt, error, attempt) {
      open();
      await script('meshRetryInbox')(
        k.inboxState, k.inboxNext, k.inboxError, k.inboxDue, k.inboxHistory(eventId),
        eventId, Math.trunc(nextAttemptAt), storableError(error), attemptJson(attempt), INBOX_HISTORY_LIMIT,
      );
    },

    async getInboxEntry(eventId) {
      open();
      const row = (await script('meshGetInboxWithHistory')(...inboxKeys, k.inboxHistory(eventId), eventId)) as unknown[] | null;
      if (!row) return undefined;
      return { ...toEntry(row), history: (row[7] as string[]).map((json) => JSON.parse(json) as InboxAttempt) };
    },

    async listInbox({ state, cursor, limit }) {
      open();
      const size = inboxPageSize(limit);
      if (state === 'dead') {
        // The dead index pages in EventId order (all scores 0).
        const ids = await redis.zrangebylex(k.inboxDead, cursor ? `(${cursor}` : '-', '+', 'LIMIT', 0, size + 1);
        const page = ids.slice(0, size);
        return { entries: await getEntries(page), ...(ids.length > size ? { cursor: page.at(-1)! } : {}) };
      }
      if (state === 'pending' || state === 'processing') {
        // Unsettled entries are the open work (the due set), never the whole history.
        const ids = (await redis.zrange(k.inboxDue, 0, -1)).filter((id) => !cursor || id > cursor).sort();
        const entries: InboxEntry[] = [];
        let examined = 0;
        while (examined < ids.length && entries.length < size) {
          const chunk = ids.slice(examined, examined + size);
          const byId = new Map((await getEntries(chunk)).map((e) => [e.event.eventId, e]));
          for (const id of chunk) {
            examined++;
            const entry = byId.get(id);
            if (entry?.state === state && entries.push(entry) >= size) break;
          }
        }
        return { entries, ...(examined < ids.length ? { cursor: ids[examined - 1]! } : {}) };
      }
      // Everything, or `done`: a cursor-driven HSCAN of the state hash, so memory stays flat.
      const [next, flat] = await redis.hscan(k.inboxState, cursor && /^\d+$/.test(cursor) ? cursor : '0', 'COUNT', size);
      const ids: string[] = [];
      for (let i = 0; i < flat.length; i += 2) if (state === undefined || flat[i + 1] === state) ids.push(flat[i]!);
      return { entries: await getEntries(ids), ...(next !== '0' ? { cursor: next } : {}) };
    },

    async requeueInbox(eventId, now) {
      open();
      const before = (await script('meshRequeueInbox')(...requeueKeys, eventId, Math.trunc(now))) as string | null;
      return before === null ? undefined : (before as InboxEntry['state']);
    },

    async requeueDeadInbox(now, limit) {
      open();
      return (await script('meshRequeueDead')(...requeueKeys, Math.trunc(now), inboxPageSize(limit))) as string[];
    },

    async renewInboxLease(eventId, now, leaseMs) {
      open();
      const renewed = await script('meshRenewLease')(k.inboxState, k.inboxNext, k.inboxDue, eventId, Math.trunc(now + leaseMs));
      return renewed === 1;
    },

    async acquireLock(key, owner, ttlMs, now) {
      open();
      const got = await script('meshAcquireLock')(
        k.lock(key), owner, Math.trunc(now), Math.trunc(now + ttlMs), lockSweepMs(ttlMs),
      );
      return got === 1;
    },

    async renewLock(key, owner, ttlMs, now) {
      open();
      const renewed = await script('meshRenewLock')(k.lock(key), owner, Math.trunc(now + ttlMs), lockSweepMs(ttlMs));
      return renewed === 1;
    },

    async releaseLock(key, owner) {
      open();
      await script('meshReleaseLock')(k.lock(key), owner);
    },

    async scheduleReconcile(transactionId, dueAt) {
      open();
      await redis.zadd(k.reconcileDue, Math.trunc(dueAt), transactionId);
    },

    async unscheduleReconcile(transactionId) {
      open();
      await redis.zrem(k.reconcileDue, transactionId);
    },

    async claimReconcile(now, nextDueAt, limit) {
      open();
      // A not-yet-upgraded instance of a rolling upgrade still files open transactions the old way.
      await moveLegacyWrites();
      return (await script('meshClaimReconcile')(k.reconcileDue, Math.trunc(now), Math.trunc(nextDueAt), inboxPageSize(limit))) as string[];
    },

    async claimReconcileOne(transactionId, now, nextDueAt) {
      open();
      return (await script('meshClaimReconcileOne')(k.reconcileDue, transactionId, Math.trunc(now), Math.trunc(nextDueAt))) === 1;
    },

    async closeTransaction(transactionId, closedAt) {
      open();
      await script('meshCloseTx')(k.reconcileDue, k.pruneDue, transactionId, Math.trunc(closedAt));
    },

    async keepTransaction(transactionId) {
      open();
      await redis.zrem(k.pruneDue, transactionId);
    },

    async pruneSettled(before, limit) {
      open();
      const max = inboxPageSize(limit);
      const done = await redis.zrangebyscore(k.inboxDone, '-inf', `(${Math.trunc(before)}`, 'LIMIT', 0, max);
      const pruned = await Promise.all(
        done.map((id) =>
          script('meshPruneInbox')(
            k.inboxDone, k.inboxEvents, k.inboxState, k.inboxAttempts, k.inboxNext, k.inboxReceived, k.inboxError, k.inboxWindow,
            k.marks('update'), k.inboxHistory(id), id, Math.trunc(before),
          ),
        ),
      );
      const inbox = pruned.filter((n) => n === 1).length;
      const closed = await redis.zrangebyscore(k.pruneDue, '-inf', `(${Math.trunc(before)}`, 'LIMIT', 0, max);
      // The order pointer's key needs the orderId, which only the record knows: read it first.
      const records = await Promise.all(closed.map((id) => redis.get(k.tx(id))));
      await Promise.all(
        closed.map((id, i) => {
          const orderId = records[i] ? (JSON.parse(records[i]!) as TransactionRecord).orderId : `${id}:no-record`;
          return script('meshPruneTx')(k.tx(id), k.statusLog(id), k.order(orderId), k.pruneDue, id);
        }),
      );
      return { inbox, transactions: closed.length };
    },

    async markOnce(scope, key) {
      open();
      return (await redis.hsetnx(k.marks(scope), key, '1')) === 1;
    },

    async hasMark(scope, key) {
      open();
      return (await redis.hexists(k.marks(scope), key)) === 1;
    },

    async appendStatus(update) {
      open();
      const seq = Number(
        await script('meshAppendStatus')(
          k.statusLog(update.transactionId), JSON.stringify(update), k.statusChannel(update.transactionId),
        ),
      );
      return { seq, update: structuredClone(update) };
    },

    async statusesSince(transactionId, afterSeq) {
      open();
      return readSince(transactionId, afterSeq);
    },

    async subscribe(transactionId, listener) {
      open();
      return fanout.subscribe(transactionId, listener);
    },

    async saveAccessTokens(userId, key, tokens) {
      open();
      await script('meshUpsertOrdered')(k.tokens(userId), k.tokensOrder(userId), key, JSON.stringify(tokens));
    },

    async getAccessTokens(userId) {
      open();
      const rows = (await script('meshListOrdered')(k.tokens(userId), k.tokensOrder(userId))) as (string | null)[];
      return rows.filter((r): r is string => r !== null).map((json) => JSON.parse(json) as unknown);
    },

    async putOnce(collection, key, value) {
      open();
      const added = await script('meshPutOnce')(
        k.records(collection), k.recordsOrder(collection), key, JSON.stringify(value),
      );
      return added === 1;
    },

    async getRecord(collection, key) {
      open();
      const json = await redis.hget(k.records(collection), key);
      return json === null ? undefined : (JSON.parse(json) as unknown);
    },

    async listRecords(collection) {
      open();
      const rows = (await script('meshListOrdered')(k.records(collection), k.recordsOrder(collection))) as (
        | string
        | null
      )[];
      return rows.filter((r): r is string => r !== null).map((json) => JSON.parse(json) as unknown);
    },

    async checkPersistence() {
      const report: RedisPersistenceReport = { durable: false, warnings: [] };
      try {
        const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
        const [, appendfsync] = (await redis.config('GET', 'appendfsync')) as string[];
        if (appendonly !== undefined) report.appendonly = appendonly;
        if (appendfsync !== undefined) report.appendfsync = appendfsync;
        report.durable = appendonly === 'yes';
        if (appendonly !== 'yes') {
          report.warnings.push(
            `Redis appendonly is "${appendonly ?? 'unknown'}": acknowledged webhooks can be lost if Redis crashes. Set "appendonly yes".`,
          );
        } else if (appendfsync === 'everysec') {
          report.warnings.push(
            'Redis appendfsync is "everysec": an OS crash or power cut can lose the last second of acknowledged webhooks. Use "appendfsync always" to close that window.',
          );
        } else if (appendfsync !== 'always') {
          report.durable = false;
          report.warnings.push(
            `Redis appendfsync is "${appendfsync ?? 'unknown'}": the OS decides when the AOF reaches disk. Use "always" (or "everysec").`,
          );
        }
      } catch (error) {
        report.warnings.push(
          `Could not read Redis persistence settings (${(error as Error).message}); make sure "appendonly yes" is set.`,
        );
      }
      for (const warning of report.warnings) logger.warn(`[mesh-pay] ${warning}`);
      return report;
    },

    async stats() {
      const channels = (await redis.pubsub('CHANNELS', `${escapeGlob(prefix)}status-events:*`)) as string[];
      return { ...fanout.stats(), serverChannels: channels.length };
    },

    async close() {
      if (closed) return;
      closed = true;
      fanout.close();
      const quit = async (connection: Redis): Promise<void> => {
        try {
          await connection.quit();
        } catch {
          connection.disconnect();
        }
      };
      await Promise.all([quit(redis), ...(subscriber ? [quit(subscriber)] : [])]);
    },
  };
}
