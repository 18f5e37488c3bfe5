/**
 * Webhooks can be lost. A transaction that has no terminal status after `reconcileAfterMs` is
 * looked up at Mesh, and what Mesh reports goes through the same inbox, decision and once-guards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryStore } from '../src/memory-store.js';
import type { KitStore } from '../src/store.js';
import { SseClient, eventually, gate, mint, postWebhook, startKit, succeededAtMesh, webhookBody } from './harness.js';

/** The store, with a count of every method called on it: what a sweep really reads. */
function counting(store: KitStore): { store: KitStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(name), (calls.get(String(name)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

describe('reconciliation', () => {
  it('publishes and credits a success whose webhook never came, once, even when the webhook turns up later', async () => {
    let credits = 0;
    let credited = gate<string>();
    const k = await startKit({
      reconcileAfterMs: 0,
      reconcileIntervalMs: 60_000,
      onTransferSucceeded: ({ idempotencyKey }) => {
        credits++;
        credited.open(idempotencyKey);
      },
    });
    try {
      const { transactionId: t, statusUrl } = await mint(k);
      k.mesh.transfers.push(succeededAtMesh('tr-lost', t, '98765432109876543210.000000000000000001'));
      // Another merchant's transfer in Mesh's answer is never taken for ours.
      k.mesh.transfers.push({ id: 'tr-other', clientTransactionId: 'mp_someone_else', status: 'succeeded' });

      // Opening the stream on an overdue, unfinished transaction triggers a lookup.
      const stream = await SseClient.open(`${k.url}${statusUrl}`);
      assert.equal(await credited.promise, 'tr-lost');
      await stream.until((s) => s.ended, 'succeeded from reconciliation');
      const [status] = stream.statuses();
      assert.equal(status?.update.status, 'succeeded');
      assert.equal(status?.update.sourceAmount, '98765432109876543210.000000000000000001');
      assert.equal(status?.update.txHash, '0xfeed');
      assert.match(k.mesh.transfersQueries[0] ?? '', new RegExp(`ClientTransactionId=${t}`));

      // The webhook arrives after all; and a sweep runs again: no second credit, no second status.
      credited = gate();
      const queued = await k.kit.reconcile(t);
      assert.equal(queued, 0, 'the same Mesh state is not queued twice');
      await postWebhook(k, webhookBody({ transactionId: t, status: 'succeeded', transferId: 'tr-lost' }));
      await k.kit.reconcileNow();
      await k.kit.close();
      assert.equal(credits, 1);
      assert.equal((await k.store.statusesSince(t, 0)).length, 1);
    } finally {
      await k.close();
    }
  });

  it('sweeps open transactions older than reconcileAfterMs and leaves finished ones alone', async () => {
    const k = await startKit({ reconcileAfterMs: 0 });
    try {
      const open = await mint(k);
      const done = await mint(k);
      await postWebhook(k, webhookBody({ transactionId: done.transactionId, status: 'failed' }));
      const stream = await SseClient.open(`${k.url}${done.statusUrl}`);
      await stream.until((s) => s.ended, 'failed');
      k.mesh.transfersQueries.length = 0;
      await k.kit.reconcileNow();
      assert.deepEqual(
        k.mesh.transfersQueries.map((q) => new URL(q, 'http://x').searchParams.get('ClientTransactionId')),
        [open.transactionId],
      );
    } finally {
      await k.close();
    }
  });

  it('costs what is open: with 200 finished transactions a sweep reads only the one overdue open one', async () => {
    const { store, calls } = counting(memoryStore());
    const k = await startKit({ store, reconcileAfterMs: 0, reconcileIntervalMs: 3_600_000 });
    try {
      for (let i = 0; i < 200; i++) {
        const { transactionId } = await mint(k, `done-${i}`);
        await postWebhook(k, webhookBody({ transactionId, status: 'failed', transferId: `tr-done-${i}` }));
      }
      const open = await mint(k, 'still-open');
      // Every finished one leaves the index once its terminal status is published.
      await eventually(async () => (await k.kit.inbox.list({ state: 'done', limit: 1000 })).entries.length === 200, 'all 200 failures handled');
      calls.clear();
      k.mesh.transfersQueries.length = 0;
      await k.kit.reconcileNow();
      assert.deepEqual(
        k.mesh.transfersQueries.map((q) => new URL(q, 'http://x').searchParams.get('ClientTransactionId')),
        [open.transactionId],
      );
      assert.equal(calls.get('listRecords') ?? 0, 0, 'no scan of every transaction ever minted');
      assert.equal(calls.get('claimReconcile'), 1, 'one page of the index');
      assert.equal(calls.get('getTransaction'), 1, 'only the open one is read');
    } finally {
      await k.close();
    }
  });

  it('two instances sweeping one store at once look each open transaction up once', async () => {
    const shared = memoryStore();
    // A minute between look-ups: the second sweep may start any number of milliseconds after the
    // first, and must still find every transaction already claimed (not due again 1 ms later).
    const a = await startKit({ store: shared, reconcileAfterMs: 60_000, reconcileIntervalMs: 3_600_000 });
    const b = await startKit({ store: shared, fakeMesh: a.mesh, reconcileAfterMs: 60_000, reconcileIntervalMs: 3_600_000 });
    try {
      const opened = [];
      for (let i = 0; i < 5; i++) opened.push((await mint(a, `open-${i}`)).transactionId);
      // Overdue now, as if minted more than a minute ago.
      for (const transactionId of opened) await shared.scheduleReconcile(transactionId, Date.now() - 1);
      a.mesh.transfersQueries.length = 0;
      await Promise.all([a.kit.reconcileNow(), b.kit.reconcileNow()]);
      const asked = a.mesh.transfersQueries.map((q) => new URL(q, 'http://x').searchParams.get('ClientTransactionId'));
      assert.deepEqual([...asked].sort(), [...opened].sort());
    } finally {
      await b.close({ closeStore: false });
      await a.close();
    }
  });
});
