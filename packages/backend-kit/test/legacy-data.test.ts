/**
 * A merchant upgrades the kit on a store the previous version wrote. Back then open transactions
 * were tracked in two record collections (`mesh-pay:open`, `mesh-pay:closed`) instead of the
 * reconciliation index, and Redis had no done/dead sets for settled inbox entries. Each story
 * writes that old format exactly as the old code did (its SQL schema, its Redis keys, PostgreSQL
 * at migration 1), opens today's store on it, and shows that the transaction whose webhook never
 * came is still found by reconciliation and credited once; that an old dead event is still listed
 * as dead; that old closed transactions and done entries are pruned by retention — except a
 * transaction an operator may still need for a dead event.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS, quoteIdentifier } from '../src/postgres-migrations.js';
import { postgresStore } from '../src/postgres-store.js';
import { redisStore } from '../src/redis-store.js';
import { sqliteStore } from '../src/sqlite-store.js';
import type { KitStore, TransactionRecord, TransferEvent } from '../src/store.js';
import type { FakeMeshTransfer } from './fake-mesh.js';
import { DESTINATION, ORDER_AMOUNT, eventually, startKit, succeededAtMesh, type Kit } from './harness.js';
import { startPostgresServer, type PostgresServer } from './postgres-server.js';
import { startRedisServer, type RedisServer } from './redis-server.js';

const temp = mkdtempSync(join(tmpdir(), 'mesh-pay-legacy-'));
after(() => rmSync(temp, { recursive: true, force: true }));

const NOW = Date.now();
const ANCIENT = 1_000;

function tx(transactionId: string, createdAt: number): TransactionRecord {
  return { transactionId, orderId: `order-${transactionId}`, userId: 'user-1', amountInFiat: ORDER_AMOUNT, destinations: [DESTINATION], createdAt };
}

/** What the old kit left behind, as rows and keys (written per store below). */
const old = {
  /** Minted an hour ago; its webhook never came. Only the old `mesh-pay:open` record says it is open. */
  open: tx('mp_old_open', NOW - 3_600_000),
  /** Finished long ago: open and closed records. */
  closed: tx('mp_old_closed', ANCIENT),
  /** Finished long ago, but one of its events is dead: an operator may still retry it. */
  closedWithDead: tx('mp_old_closed_dead', ANCIENT),
  openRecords: [] as [string, unknown][],
  closedRecords: [] as [string, unknown][],
  done: { eventId: 'evt-old-done', id: 'd1', transferId: 'tr-old-done', transactionId: 'mp_old_closed', status: 'succeeded' } as TransferEvent,
  dead: { eventId: 'evt-old-dead', id: 'd2', transferId: 'tr-old-dead', transactionId: 'mp_old_closed_dead', status: 'succeeded' } as TransferEvent,
};
for (const t of [old.open, old.closed, old.closedWithDead]) old.openRecords.push([t.transactionId, { transactionId: t.transactionId, createdAt: t.createdAt }]);
for (const t of [old.closed, old.closedWithDead]) old.closedRecords.push([t.transactionId, { transactionId: t.transactionId, closedAt: ANCIENT + 5 }]);
/** The old inbox: [event, state, attempts, next_attempt_at, received_at, last_error]. */
const oldInbox: [TransferEvent, string, number, number, number, string | null][] = [
  [old.done, 'done', 1, ANCIENT, ANCIENT, null],
  [old.dead, 'dead', 8, ANCIENT, ANCIENT, 'ledger down'],
];

/**
 * Today's kit on `store`, where Mesh's record says `transfer` paid: after `meanwhile` (run once the kit
 * is up), a reconciliation sweep asks Mesh about the transfer's transaction, and only it, and credits
 * it once, however often it sweeps.
 */
async function sweepCreditsOnce(store: KitStore, transfer: FakeMeshTransfer, meanwhile: (kit: Kit) => Promise<void> = async () => {}): Promise<void> {
  const credits: string[] = [];
  const k = await startKit({ store, reconcileAfterMs: 0, reconcileIntervalMs: 3_600_000, onTransferSucceeded: ({ idempotencyKey }) => void credits.push(idempotencyKey) });
  try {
    await meanwhile(k);
    k.mesh.transfers.push(transfer);
    const before = k.mesh.transfersQueries.length;
    await k.kit.reconcileNow();
    const asked = k.mesh.transfersQueries.slice(before).map((q) => new URL(q, 'http://x').searchParams.get('ClientTransactionId'));
    assert.deepEqual(asked, [transfer.clientTransactionId], 'the sweep asks Mesh about that transaction, and only it');
    await eventually(() => credits.length === 1, 'the credit found by reconciliation');
    await k.kit.reconcileNow();
    assert.deepEqual(credits, [transfer.id], 'credited once');
  } finally {
    await k.close({ closeStore: false });
  }
}

/**
 * Today's kit on the upgraded store: the forgotten transaction is looked up at Mesh (which says it
 * succeeded), credited once; then what retention and the operator see.
 */
async function upgradedStory(store: KitStore): Promise<void> {
  await sweepCreditsOnce(store, succeededAtMesh('tr-found-late', old.open.transactionId, '25.000000000000000001'));

  assert.deepEqual(await store.listRecords('mesh-pay:open'), [], 'the old collections are gone');
  assert.deepEqual(await store.listRecords('mesh-pay:closed'), []);
  const dead = await store.listInbox({ state: 'dead', limit: 10 });
  assert.deepEqual(dead.entries.map((e) => e.event.eventId), [old.dead.eventId], 'the old dead event is listed as dead');
  const done = await store.listInbox({ state: 'done', limit: 10 });
  assert.ok(done.entries.some((e) => e.event.eventId === old.done.eventId));

  // Retention: the old done entry and the old closed transaction go; the one with a dead event stays.
  let pruned = { inbox: 0, transactions: 0 };
  for (let i = 0; i < 5; i++) {
    const pass = await store.pruneSettled(NOW - 86_400_000, 100);
    pruned = { inbox: pruned.inbox + pass.inbox, transactions: pruned.transactions + pass.transactions };
  }
  assert.deepEqual(pruned, { inbox: 1, transactions: 1 });
  assert.equal(await store.getInboxEntry(old.done.eventId), undefined);
  assert.equal(await store.getTransaction(old.closed.transactionId), undefined);
  assert.equal((await store.getTransaction(old.closedWithDead.transactionId))?.transactionId, old.closedWithDead.transactionId);
  assert.equal((await store.getInboxEntry(old.dead.eventId))?.state, 'dead');
  assert.equal((await store.getTransaction(old.open.transactionId))?.transactionId, old.open.transactionId, 'the credited one is recent: kept');
}

/** Written by an instance of the old version still running after the upgrade (a rolling upgrade). */
const rolling = {
  /** Minted by the old instance after the upgrade; its webhook never comes. */
  open: tx('mp_rolling_open', NOW - 1_800_000),
  /** Minted and finished on the old instance after the upgrade. */
  closed: tx('mp_rolling_closed', ANCIENT),
};

/**
 * The old instance files `rolling.open` and `rolling.closed` the old way (through `writeOld`, the
 * store's exact old format) while today's store is already upgraded: the next sweep asks Mesh about
 * the open one and credits it once, retention prunes the closed one, and no old collection is left.
 */
async function rollingUpgradeStory(store: KitStore, writeOld: (t: TransactionRecord, records: [collection: string, value: unknown][]) => Promise<void>): Promise<void> {
  await sweepCreditsOnce(store, succeededAtMesh('tr-rolling', rolling.open.transactionId, '25'), async (k) => {
    await k.kit.reconcileNow(); // whatever the upgrade itself left is swept first
    await writeOld(rolling.open, [['mesh-pay:open', { transactionId: rolling.open.transactionId, createdAt: rolling.open.createdAt }]]);
    await writeOld(rolling.closed, [
      ['mesh-pay:open', { transactionId: rolling.closed.transactionId, createdAt: rolling.closed.createdAt }],
      ['mesh-pay:closed', { transactionId: rolling.closed.transactionId, closedAt: ANCIENT + 5 }],
    ]);
  });
  assert.deepEqual(await store.listRecords('mesh-pay:open'), [], 'nothing left in the old collections');
  assert.deepEqual(await store.listRecords('mesh-pay:closed'), []);
  let pruned = 0;
  for (let i = 0; i < 5; i++) pruned += (await store.pruneSettled(NOW - 86_400_000, 100)).transactions;
  assert.ok(pruned >= 1, 'the transaction the old instance closed long ago is pruned');
  assert.equal(await store.getTransaction(rolling.closed.transactionId), undefined);
  assert.equal((await store.getTransaction(rolling.open.transactionId))?.transactionId, rolling.open.transactionId);
}

/** The SQLite schema of the version before the reconciliation index (562d676^), verbatim. */
const OLD_SQLITE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS transactions (transaction_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, json TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS order_latest (order_id TEXT PRIMARY KEY, transaction_id TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS inbox (
    event_id TEXT PRIMARY KEY, event_json TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL, received_at INTEGER NOT NULL, last_error TEXT, window_start INTEGER
  );
  CREATE INDEX IF NOT EXISTS inbox_due ON inbox (state, next_attempt_at);
  CREATE TABLE IF NOT EXISTS marks (scope TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (scope, key)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS locks (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS statuses (
    id INTEGER PRIMARY KEY AUTOINCREMENT, transaction_id TEXT NOT NULL, seq INTEGER NOT NULL, json TEXT NOT NULL,
    UNIQUE (transaction_id, seq)
  );
  CREATE TABLE IF NOT EXISTS access_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, UNIQUE (user_id, key)
  );
  CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT, collection TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL,
    UNIQUE (collection, key)
  );
`;

describe('a store opened on data written before the reconciliation index', () => {
  it('SQLite: the old open transaction joins the index and is reconciled; closed ones are pruned', async () => {
    const file = join(temp, 'old.db');
    const db = new Database(file);
    db.exec(OLD_SQLITE_SCHEMA);
    for (const t of [old.open, old.closed, old.closedWithDead]) {
      db.prepare(`INSERT INTO transactions VALUES (?, ?, ?)`).run(t.transactionId, t.orderId, JSON.stringify(t));
      db.prepare(`INSERT INTO order_latest VALUES (?, ?)`).run(t.orderId, t.transactionId);
    }
    for (const [collection, rows] of [['mesh-pay:open', old.openRecords], ['mesh-pay:closed', old.closedRecords]] as const) {
      for (const [key, value] of rows) db.prepare(`INSERT INTO records (collection, key, json) VALUES (?, ?, ?)`).run(collection, key, JSON.stringify(value));
    }
    for (const [e, state, attempts, next, received, error] of oldInbox) {
      db.prepare(`INSERT INTO inbox VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`).run(e.eventId, JSON.stringify(e), state, attempts, next, received, error);
    }
    db.close();

    const store = sqliteStore(file);
    try {
      await upgradedStory(store);
    } finally {
      await store.close();
    }
    // Opening again moves nothing twice and finds nothing left to move.
    const again = sqliteStore(file);
    try {
      assert.deepEqual(await again.claimReconcile(NOW - 7_200_000, NOW, 100), [], 'nothing due before the credited one was minted');
      assert.deepEqual(await again.listRecords('mesh-pay:open'), []);
    } finally {
      await again.close();
    }
  });

  describe('Redis', () => {
    let server: RedisServer;
    before(async () => {
      server = await startRedisServer();
    });
    after(async () => {
      await server?.stop();
    });

    /** The old keys, written as the old scripts wrote them (no done/dead sets, no reconcile index). */
    async function writeOldRedis(prefix: string): Promise<void> {
      const c = (...args: string[]) => server.command(...args);
      for (const t of [old.open, old.closed, old.closedWithDead]) {
        await c('SET', `${prefix}tx:${t.transactionId}`, JSON.stringify(t));
        await c('SET', `${prefix}order:${t.orderId}`, t.transactionId);
      }
      for (const [collection, rows] of [['mesh-pay:open', old.openRecords], ['mesh-pay:closed', old.closedRecords]] as const) {
        for (const [key, value] of rows) {
          await c('HSET', `${prefix}records:${collection}`, key, JSON.stringify(value));
          await c('RPUSH', `${prefix}records-order:${collection}`, key);
        }
      }
      for (const [e, state, attempts, next, received, error] of oldInbox) {
        await c('HSET', `${prefix}inbox:events`, e.eventId, JSON.stringify(e));
        await c('HSET', `${prefix}inbox:state`, e.eventId, state);
        await c('HSET', `${prefix}inbox:attempts`, e.eventId, String(attempts));
        await c('HSET', `${prefix}inbox:next`, e.eventId, String(next));
        await c('HSET', `${prefix}inbox:received`, e.eventId, String(received));
        if (error !== null) await c('HSET', `${prefix}inbox:error`, e.eventId, error);
      }
    }

    it('a one-time paged backfill: the old open transaction is reconciled, old dead entries listed, old done ones pruned', async () => {
      await writeOldRedis('old1:');
      const store = redisStore(server.url, { keyPrefix: 'old1:' });
      try {
        assert.deepEqual(await store.upgradeLegacyData(), { reconcile: 1, closed: 1, done: 1, dead: 1 });
        await upgradedStory(store);
      } finally {
        await store.close();
      }
      assert.match(await server.command('GET', 'old1:schema'), /^\$1\r\n2\r\n$/, 'the version key says it is done');
      assert.match(await server.command('EXISTS', 'old1:records-order:mesh-pay:open'), /^:0/);
      // The next start reads the version key and does nothing more.
      const again = redisStore(server.url, { keyPrefix: 'old1:' });
      try {
        assert.equal(await again.upgradeLegacyData(), undefined);
      } finally {
        await again.close();
      }
    });

    it('two instances starting at once on old data move each thing once', async () => {
      await writeOldRedis('old2:');
      const [a, b] = [redisStore(server.url, { keyPrefix: 'old2:' }), redisStore(server.url, { keyPrefix: 'old2:' })];
      try {
        const reports = await Promise.all([a.upgradeLegacyData(), b.upgradeLegacyData()]);
        const moved = reports.reduce(
          (sum: { reconcile: number; closed: number; done: number; dead: number }, r) => ({ reconcile: sum.reconcile + (r?.reconcile ?? 0), closed: sum.closed + (r?.closed ?? 0), done: sum.done + (r?.done ?? 0), dead: sum.dead + (r?.dead ?? 0) }),
          { reconcile: 0, closed: 0, done: 0, dead: 0 },
        );
        assert.deepEqual(moved, { reconcile: 1, closed: 1, done: 1, dead: 1 });
        assert.deepEqual(await a.claimReconcile(NOW, NOW + 1, 100), [old.open.transactionId]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('a rolling upgrade: what an old instance still running files the old way is swept into the indexes', async () => {
      const prefix = 'old5:';
      const store = redisStore(server.url, { keyPrefix: prefix });
      try {
        assert.deepEqual(await store.upgradeLegacyData(), { reconcile: 0, closed: 0, done: 0, dead: 0 }, 'nothing old at the upgrade');
        await rollingUpgradeStory(store, async (t, records) => {
          await server.command('SET', `${prefix}tx:${t.transactionId}`, JSON.stringify(t));
          await server.command('SET', `${prefix}order:${t.orderId}`, t.transactionId);
          for (const [collection, value] of records) {
            await server.command('HSET', `${prefix}records:${collection}`, t.transactionId, JSON.stringify(value));
            await server.command('RPUSH', `${prefix}records-order:${collection}`, t.transactionId);
          }
        });
        for (const key of ['records:mesh-pay:open', 'records-order:mesh-pay:open', 'records:mesh-pay:closed', 'records-order:mesh-pay:closed']) {
          assert.match(await server.command('EXISTS', `${prefix}${key}`), /^:0/, `${key} is gone`);
        }
      } finally {
        await store.close();
      }
    });

    it('survives garbage in the old records: not JSON, no createdAt, a huge collection paged', async () => {
      const prefix = 'old3:';
      const c = (...args: string[]) => server.command(...args);
      await c('HSET', `${prefix}records:mesh-pay:open`, 'mp_garbage', 'not json{', 'mp_no_time', '{}', 'mp_negative', '{"createdAt":-5}');
      // More than one HSCAN page of open transactions.
      const many = Array.from({ length: 1200 }, (_, i) => [`mp_many_${i}`, JSON.stringify({ transactionId: `mp_many_${i}`, createdAt: 7 })]).flat();
      await c('HSET', `${prefix}records:mesh-pay:open`, ...many);
      const store = redisStore(server.url, { keyPrefix: prefix });
      try {
        assert.deepEqual(await store.upgradeLegacyData(), { reconcile: 1203, closed: 0, done: 0, dead: 0 });
        const due = await store.claimReconcile(6, 100, 1000);
        assert.deepEqual(due.sort(), ['mp_garbage', 'mp_negative', 'mp_no_time'], 'unreadable times are due at once, not lost');
      } finally {
        await store.close();
      }
    });
  });

  describe('PostgreSQL', () => {
    let server: PostgresServer;
    let database: string;
    before(async () => {
      server = await startPostgresServer();
      database = await server.createDatabase('legacy');
    });
    after(async () => {
      await server?.stop();
    });

    it('a schema at migration 1 is migrated; the old open transaction is reconciled, closed ones pruned', async () => {
      const schema = 'old_kit';
      const s = quoteIdentifier(schema);
      const q = (sql: string, values: unknown[] = []) => server.query(sql, values, database);
      await q(`CREATE SCHEMA ${s}`);
      await q(`CREATE TABLE ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      await q(MIGRATIONS[0]!.sql(s));
      await q(`INSERT INTO ${s}.schema_migrations (version, name) VALUES (1, $1)`, [MIGRATIONS[0]!.name]);
      for (const t of [old.open, old.closed, old.closedWithDead]) {
        await q(`INSERT INTO ${s}.transactions VALUES ($1, $2, $3)`, [t.transactionId, t.orderId, JSON.stringify(t)]);
        await q(`INSERT INTO ${s}.order_latest VALUES ($1, $2)`, [t.orderId, t.transactionId]);
      }
      for (const [collection, rows] of [['mesh-pay:open', old.openRecords], ['mesh-pay:closed', old.closedRecords]] as const) {
        for (const [key, value] of rows) await q(`INSERT INTO ${s}.records (collection, key, json) VALUES ($1, $2, $3)`, [collection, key, JSON.stringify(value)]);
      }
      for (const [e, state, attempts, next, received, error] of oldInbox) {
        await q(`INSERT INTO ${s}.inbox VALUES ($1, $2, $3, $4, $5, $6, $7)`, [e.eventId, JSON.stringify(e), state, attempts, next, received, error]);
      }

      const store = postgresStore(database, { schema, logger: { warn: () => {} } });
      try {
        await upgradedStory(store);
      } finally {
        await store.close();
      }
      const versions = await q(`SELECT version FROM ${s}.schema_migrations ORDER BY version`);
      assert.deepEqual(versions.map((r) => (r as { version: number }).version), MIGRATIONS.map((m) => m.version));
    });

    it('a rolling upgrade: what an old instance still running inserts the old way lands in the indexes', async () => {
      const schema = 'rolling_kit';
      const s = quoteIdentifier(schema);
      const q = (sql: string, values: unknown[] = []) => server.query(sql, values, database);
      const store = postgresStore(database, { schema, logger: { warn: () => {} } });
      try {
        // The old instance's statements, verbatim (its schema is the same tables, its writes the same rows).
        await rollingUpgradeStory(store, async (t, records) => {
          await q(`INSERT INTO ${s}.transactions VALUES ($1, $2, $3)`, [t.transactionId, t.orderId, JSON.stringify(t)]);
          await q(`INSERT INTO ${s}.order_latest VALUES ($1, $2) ON CONFLICT (order_id) DO UPDATE SET transaction_id = EXCLUDED.transaction_id`, [t.orderId, t.transactionId]);
          for (const [collection, value] of records) {
            await q(`INSERT INTO ${s}.records (collection, key, json) VALUES ($1, $2, $3) ON CONFLICT (collection, key) DO UPDATE SET json = EXCLUDED.json`, [collection, t.transactionId, JSON.stringify(value)]);
          }
        });
        // Garbage from an old instance is due at once rather than an insert that fails on it.
        await q(`INSERT INTO ${s}.records (collection, key, json) VALUES ('mesh-pay:open', 'mp_rolling_garbage', 'not json{')`);
        assert.deepEqual(await store.claimReconcile(1, 100, 10), ['mp_rolling_garbage']);
        assert.deepEqual(await q(`SELECT key FROM ${s}.records`), [], 'the old rows are never kept');
      } finally {
        await store.close();
      }
    });
  });
});
