/**
 * Bounded storage: a shop that has taken payments for years keeps only the last retention period
 * of settled webhooks and finished transactions, pruned in the background; dead events (an operator
 * may still retry them) and the marks that stop a second credit are never pruned; and a webhook
 * sent before the retention period is acknowledged and ignored rather than risk a second fulfilment.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { isStaleDelivery, sentAtMs } from '../src/retention.js';
import { eventually, mint, postWebhook, startKit, webhookBody } from './harness.js';

const DAY = 24 * 3600_000;

describe('retention', () => {
  it('reads SentTimestamp as Mesh sends it (Unix seconds), tolerates milliseconds, and judges nothing it cannot read', () => {
    assert.equal(sentAtMs('1764000000'), 1_764_000_000_000);
    assert.equal(sentAtMs('1764000000123'), 1_764_000_000_123, 'milliseconds are not the year 57000');
    for (const garbage of [undefined, '', 'yesterday', '-5', '1e10', '0x10', '1'.repeat(40), '2026-11-29T00:00:00Z']) {
      assert.equal(sentAtMs(garbage), undefined, String(garbage));
      assert.equal(isStaleDelivery(garbage, Date.now(), 30 * DAY), false);
    }
    const now = 1_764_000_000_000;
    assert.equal(isStaleDelivery(String((now - 31 * DAY) / 1000), now, 30 * DAY), true);
    assert.equal(isStaleDelivery(String((now - 29 * DAY) / 1000), now, 30 * DAY), false);
    // Whole seconds name a moment up to a second early: a just-sent delivery is never stale.
    assert.equal(isStaleDelivery(String(Math.floor((now - 1999) / 1000)), now, 1000), false);
    assert.equal(isStaleDelivery(String(now - 1001), now, 1000), true, 'milliseconds are exact');
  });

  it('acknowledges and ignores, with a log line, a webhook sent before the retention period', async () => {
    const k = await startKit({ retention: { afterMs: 60_000 } });
    try {
      const { transactionId } = await mint(k);
      const eventId = randomUUID();
      const stale = webhookBody({ transactionId, status: 'succeeded', eventId }).replace(
        /"SentTimestamp":"\d+"/,
        `"SentTimestamp":${Math.floor((Date.now() - 120_000) / 1000)}`,
      );
      const res = await postWebhook(k, stale);
      assert.equal(res.status, 200, 'acknowledged: Mesh must not keep resending it');
      assert.deepEqual(await res.json(), { received: true, duplicate: false, ignored: 'stale' });
      assert.equal(await k.kit.inbox.get(eventId), undefined, 'not stored');
      assert.ok(k.logs.some((l) => l.level === 'info' && /stale SentTimestamp/.test(l.message) && (l.meta as { eventId?: string }).eventId === eventId));

      const fresh = await postWebhook(k, webhookBody({ transactionId, status: 'succeeded', eventId }));
      assert.deepEqual(await fresh.json(), { received: true, duplicate: false });
    } finally {
      await k.close();
    }
  });

  it('prunes settled webhooks and finished transactions in the background; keeps dead ones and the credit marks', async () => {
    const credited: string[] = [];
    const k = await startKit({
      retention: { afterMs: 2000, intervalMs: 50, batchSize: 2 },
      fulfilment: { baseDelayMs: 5, maxDelayMs: 10, retryForMs: 50, pollMs: 10, leaseMs: 5000 },
      onTransferSucceeded: ({ idempotencyKey }) => {
        if (idempotencyKey === 'tr-broken') throw new Error('ledger refused this one');
        credited.push(idempotencyKey);
      },
    });
    try {
      const paid: { transactionId: string; eventId: string; transferId: string }[] = [];
      for (let i = 0; i < 5; i++) {
        const { transactionId } = await mint(k, `paid-${i}`);
        const e = { transactionId, eventId: randomUUID(), transferId: `tr-paid-${i}` };
        await postWebhook(k, webhookBody({ ...e, status: 'succeeded' }));
        paid.push(e);
      }
      const broken = { transactionId: (await mint(k, 'broken')).transactionId, eventId: randomUUID(), transferId: 'tr-broken' };
      await postWebhook(k, webhookBody({ ...broken, status: 'succeeded' }));
      await eventually(async () => credited.length === 5 && (await k.kit.inbox.get(broken.eventId))?.state === 'dead', 'five credits and one dead');

      // Once past the retention period, the background pass (batches of 2) removes what settled.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const left = await Promise.all(paid.map(async (p) => (await k.kit.inbox.get(p.eventId)) ?? (await k.store.getTransaction(p.transactionId))));
        if (left.every((x) => x === undefined)) break;
        if (Date.now() > deadline) throw new Error('settled records were not pruned');
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const p of paid) {
        assert.deepEqual(await k.store.statusesSince(p.transactionId, 0), [], 'status log pruned');
        assert.equal(await k.store.hasMark('credit', p.transferId), true, 'credit mark kept');
      }
      assert.ok(k.logs.some((l) => l.level === 'info' && /pruned settled records/.test(l.message)));

      // The dead one is still there for the operator, with its transaction, and credits when retried.
      assert.equal((await k.kit.inbox.get(broken.eventId))?.state, 'dead');
      assert.ok(await k.store.getTransaction(broken.transactionId), 'a dead event keeps its transaction');
      assert.deepEqual((await k.kit.inbox.list({ state: 'done' })).entries, []);
    } finally {
      await k.close();
    }
  });

  it('refuses nonsensical retention settings, and `false` keeps everything', async () => {
    for (const retention of [{ afterMs: 0 }, { afterMs: -1 }, { intervalMs: 1.5 }, { batchSize: 5000 }, { afterMs: '30d' as unknown as number }]) {
      await assert.rejects(
        (async () => startKit({ retention, fakeMesh: { url: 'http://127.0.0.1:9' } as never, start: false }))(),
        /retention\./,
        JSON.stringify(retention),
      );
    }
    const k = await startKit({ retention: false, start: false });
    try {
      assert.equal(k.kit.config.retention, false);
      await k.kit.pruneNow();
    } finally {
      await k.close();
    }
  });
});
