/**
 * The SQLite store commits every write of one event-loop turn together (one fsync for a burst of
 * webhooks). These stories pin down what that must never cost: an acknowledgement before the data
 * is on disk, a caller getting a batch-mate's answer, or one bad write sinking the others.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { groupCommit } from '../src/sqlite-group-commit.js';
import { sqliteStore } from '../src/sqlite-store.js';
import type { TransferEvent } from '../src/store.js';

const temp = mkdtempSync(join(tmpdir(), 'mesh-pay-group-commit-'));
after(() => rmSync(temp, { recursive: true, force: true }));

let files = 0;
const freshFile = (): string => join(temp, `store-${++files}.db`);

const event = (eventId: string): TransferEvent => ({
  eventId,
  id: `delivery-${eventId}`,
  transferId: `transfer-${eventId}`,
  transactionId: 'tx-burst',
  status: 'succeeded',
  sourceAmount: '123456789012345678.123456789012345678',
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A second, independent connection: it sees only what has been committed to the file. */
function peek(file: string): { has(eventId: string): boolean; close(): void } {
  const db = new Database(file, { readonly: true });
  const row = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM inbox WHERE event_id = ?');
  return { has: (eventId) => row.get(eventId) !== undefined, close: () => db.close() };
}

describe('sqlite store group commit', () => {
  it('acknowledges a webhook only once another connection on the same file can read it', async () => {
    const file = freshFile();
    const store = sqliteStore(file);
    const reader = peek(file);
    try {
      const ids = Array.from({ length: 300 }, (_, i) => `evt-visible-${i}`);
      // The check runs synchronously in the resolution callback: nothing can commit in between.
      const visibleWhenResolved = await Promise.all(
        ids.map((id) => store.addToInbox(event(id), 1000).then((fresh) => fresh && reader.has(id))),
      );
      assert.deepEqual(visibleWhenResolved, ids.map(() => true));
    } finally {
      reader.close();
      await store.close();
    }
  });

  it('gives every caller its own answer when batches are cut short by size', async () => {
    const store = sqliteStore(freshFile(), { maxBatch: 3 });
    try {
      const results = await Promise.all([
        store.addToInbox(event('a'), 1),
        store.addToInbox(event('a'), 1),
        store.markOnce('credit', 'a'),
        store.hasMark('credit', 'a'),
        store.addToInbox(event('b'), 1),
        store.markOnce('credit', 'a'),
        store.putOnce('ledger', 'a', { amount: '1.10' }),
        store.putOnce('ledger', 'a', { amount: '999' }),
        store.getRecord('ledger', 'a'),
      ]);
      assert.deepEqual(results, [true, false, true, true, true, false, true, false, { amount: '1.10' }]);
    } finally {
      await store.close();
    }
  });

  it('commits everything a caller was promised before close() returns', async () => {
    const file = freshFile();
    const store = sqliteStore(file);
    const pending = Array.from({ length: 20 }, (_, i) => store.addToInbox(event(`evt-close-${i}`), 1));
    await store.close();
    assert.deepEqual(await Promise.all(pending), pending.map(() => true));
    const reader = peek(file);
    try {
      for (let i = 0; i < 20; i++) assert.equal(reader.has(`evt-close-${i}`), true);
    } finally {
      reader.close();
    }
  });

  it('checkpoints the WAL into the database file in the background, never inside a webhook\'s commit', async () => {
    const file = freshFile();
    const store = sqliteStore(file, { checkpointIntervalMs: 20 });
    try {
      await store.addToInbox(event('evt-first'), 1);
      await waitFor(() => statSync(file).size > 0, 'the schema in the file');
      const before = statSync(file).size;
      // A few hundred KiB in a few batches: far below what makes SQLite checkpoint inside a COMMIT
      // (even its default 1000 pages), so only the background thread can bring it into the file.
      await Promise.all(Array.from({ length: 2000 }, (_, i) => store.addToInbox(event(`evt-ckpt-${i}`), 1)));
      await waitFor(() => statSync(file).size > before + 100 * 1024, 'the background checkpoint');
      const reader = peek(file);
      try {
        assert.equal(reader.has('evt-ckpt-1999'), true);
      } finally {
        reader.close();
      }
    } finally {
      await store.close();
    }
  });

  it('rejects, never acknowledges, a batch that cannot get the lock from another process in time', async () => {
    const file = freshFile();
    const store = sqliteStore(file, { busyTimeoutMs: 50 });
    // Another writer (as another process would) holds the write lock.
    const other = new Database(file);
    try {
      other.prepare('BEGIN IMMEDIATE').run();
      const results = await Promise.allSettled([
        store.addToInbox(event('locked-1'), 1),
        store.addToInbox(event('locked-2'), 1),
      ]);
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        assert.match(String((result as PromiseRejectedResult).reason), /locked|busy/i);
      }
      other.prepare('COMMIT').run();
      // Mesh resends what was not acknowledged; the resend is a first delivery, not a duplicate.
      assert.equal(await store.addToInbox(event('locked-1'), 2), true);
      assert.equal((await store.getInboxEntry('locked-2')), undefined);
    } finally {
      other.close();
      await store.close();
    }
  });
});

describe('groupCommit', () => {
  const open = () => {
    const db = new Database(freshFile());
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE items (name TEXT PRIMARY KEY, size INTEGER NOT NULL CHECK (size >= 0))');
    const insert = db.prepare<[string, number]>('INSERT INTO items (name, size) VALUES (?, ?)');
    const names = () => db.prepare<[], { name: string }>('SELECT name FROM items ORDER BY name').all().map((r) => r.name);
    return { db, insert, names, batches: groupCommit(db) };
  };

  /** A sync the test completes by hand, recording what was committed when each one started. */
  const manualSync = (names: () => string[]) => {
    const started: { saw: string[]; finish: () => void; fail: (error: Error) => void }[] = [];
    const sync = () =>
      new Promise<void>((resolve, reject) => {
        started.push({ saw: names(), finish: resolve, fail: reject });
      });
    return { sync, started };
  };
  const settledYet = async (promise: Promise<unknown>): Promise<boolean> => {
    let settled = false;
    promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    // setImmediate runs after every promise callback already queued: a settled promise shows by then.
    await new Promise((resolve) => setImmediate(resolve));
    return settled;
  };

  it('fails only the operation that failed; its batch-mates commit', async () => {
    const { db, insert, names, batches } = open();
    try {
      const results = await Promise.allSettled([
        batches.submit(() => insert.run('first', 1).changes, true),
        batches.submit(() => {
          // Half-done when it breaks: its first row must go with it.
          insert.run('half-done', 1);
          insert.run('negative', -1);
        }, true),
        batches.submit(() => {
          throw new Error('the merchant code threw');
        }, true),
        batches.submit(() => insert.run('first', 2), true),
        batches.submit(() => insert.run('last', 3).changes, true),
        batches.submit(() => names(), false),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled', 'fulfilled'],
      );
      assert.match(String((results[1] as PromiseRejectedResult).reason), /CHECK constraint/);
      assert.match(String((results[2] as PromiseRejectedResult).reason), /merchant code threw/);
      assert.match(String((results[3] as PromiseRejectedResult).reason), /UNIQUE constraint/);
      assert.deepEqual((results[5] as PromiseFulfilledResult<string[]>).value, ['first', 'last']);
      assert.deepEqual(names(), ['first', 'last']);
      assert.equal(db.inTransaction, false);
    } finally {
      db.close();
    }
  });

  it('with an off-loop sync, acknowledges a write only after a sync that started after its commit has finished', async () => {
    const { db, insert, names } = open();
    const { sync, started } = manualSync(names);
    const batches = groupCommit(db, { sync });
    try {
      const first = batches.submit(() => insert.run('first', 1).changes, true);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(started.length, 1, 'the commit is followed by a sync at once');
      assert.deepEqual(started[0]!.saw, ['first'], 'the sync started after the commit');
      assert.equal(await settledYet(first), false, 'committed, not yet durable: nobody is told');

      // Committed while the first sync runs: the first sync may not cover it, so it waits for the next.
      const second = batches.submit(() => insert.run('second', 2).changes, true);
      const third = batches.submit(() => insert.run('third', 3).changes, true);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(names(), ['first', 'second', 'third'], 'the event loop went on committing');
      assert.equal(started.length, 1, 'one sync at a time');
      started[0]!.finish();
      assert.equal(await first, 1);
      assert.equal(await settledYet(second), false);
      assert.equal(started.length, 2, 'the batches committed meanwhile share the next sync');
      assert.deepEqual(started[1]!.saw, ['first', 'second', 'third']);
      started[1]!.finish();
      assert.deepEqual(await Promise.all([second, third]), [1, 1]);
      // Reads promise nothing durable: they still run at once.
      assert.deepEqual(await batches.submit(() => names(), false), ['first', 'second', 'third']);
      await batches.drain();
    } finally {
      db.close();
    }
  });

  it('after a failed sync, rejects what waited for it and every later write, since nothing can be promised durable', async () => {
    const { db, insert, names } = open();
    const { sync, started } = manualSync(names);
    const batches = groupCommit(db, { sync });
    try {
      const waiting = batches.submit(() => insert.run('waiting', 1), true);
      await new Promise((resolve) => setImmediate(resolve));
      const behind = batches.submit(() => insert.run('behind', 1), true);
      await new Promise((resolve) => setImmediate(resolve));
      started[0]!.fail(new Error('EIO: i/o error, fdatasync'));
      await assert.rejects(waiting, /EIO/);
      await assert.rejects(behind, /EIO/);
      await assert.rejects(batches.submit(() => insert.run('later', 1), true), /EIO/);
      assert.deepEqual(names(), ['behind', 'waiting'], 'the later write never ran');
      assert.equal(started.length, 1, 'no sync after the failure');
      await batches.drain();
    } finally {
      db.close();
    }
  });

  it('runs a read at once when nothing is queued, and after earlier writes when something is', async () => {
    const { db, insert, names, batches } = open();
    try {
      const write = batches.submit(() => insert.run('queued', 1), true);
      const readBehindWrite = batches.submit(() => names(), false);
      assert.deepEqual(await readBehindWrite, ['queued']);
      await write;
      assert.deepEqual(await batches.submit(() => names(), false), ['queued']);
    } finally {
      db.close();
    }
  });
});
