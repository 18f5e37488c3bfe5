/**
 * "Never lose a credit": a merchant whose ledger is down keeps being retried on a schedule that
 * outlasts the outage; an event that runs out of time is kept as dead, reported loudly, and
 * credited (once) when an operator retries it — through the kit's own `kit.inbox` API, from any
 * instance sharing the store.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DeadEventArgs } from '../src/config.js';
import { MeshPayError } from '../src/errors.js';
import { sqliteStore } from '../src/sqlite-store.js';
import { createMeshPay } from '../src/create-mesh-pay.js';
import { memoryStore } from '../src/memory-store.js';
import { eventually, KIT_SECRET, mint, postWebhook, startKit, WEBHOOK_SECRET, webhookBody } from './harness.js';

const temp = mkdtempSync(join(tmpdir(), 'mesh-pay-dead-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** A ledger that is "down" until `heal()`; counts every call and every credit per transfer. */
function flakyLedger() {
  let down = true;
  const calls: string[] = [];
  const credited = new Map<string, number>();
  return {
    calls,
    credited,
    heal: () => void (down = false),
    hook: async ({ idempotencyKey }: { idempotencyKey: string }) => {
      calls.push(idempotencyKey);
      if (down) throw new Error('ledger database is down (ECONNREFUSED)');
      credited.set(idempotencyKey, (credited.get(idempotencyKey) ?? 0) + 1);
    },
  };
}

describe('never lose a credit', () => {
  it('keeps retrying through an outage, logs each failure without the body, and credits once it ends', async () => {
    const ledger = flakyLedger();
    const k = await startKit({
      fulfilment: { baseDelayMs: 5, maxDelayMs: 40, retryForMs: 60_000, pollMs: 10, leaseMs: 5000 },
      onTransferSucceeded: ledger.hook,
    });
    try {
      const t = (await mint(k)).transactionId;
      const eventId = randomUUID();
      await postWebhook(k, webhookBody({ transactionId: t, status: 'succeeded', eventId, transferId: 'tr-outage' }));
      // Far more attempts than the old fixed limit of 8: the window, not a count, decides.
      await eventually(() => ledger.calls.length >= 12, 'a dozen attempts during the outage');
      const during = await k.kit.inbox.get(eventId);
      assert.ok(during && (during.state === 'pending' || during.state === 'processing'));
      assert.match(during.lastError ?? '', /ledger database is down/);
      const failures = k.logs.filter((l) => l.level === 'warn' && /will retry/.test(l.message));
      assert.ok(failures.length >= 11);
      const meta = failures[0]!.meta as Record<string, unknown>;
      assert.equal(meta.eventId, eventId);
      assert.equal(typeof meta.attempt, 'number');
      assert.match(String(meta.error), /ledger database is down/);
      assert.ok(!JSON.stringify(failures).includes('0x52908400098527886E0F7030069857D2E4169EE7'), 'no body in the log');

      ledger.heal();
      await eventually(async () => (await k.kit.inbox.get(eventId))?.state === 'done', 'the credit after the outage');
      assert.deepEqual([...ledger.credited], [['tr-outage', 1]]);
      assert.ok(!k.logs.some((l) => l.level === 'error'), 'nothing died');

      // The operator's view of the outage: one record per attempt, each failure with its error and
      // when it was tried next, the last one the credit; which process ran it; never the body.
      const { history, attempts } = (await k.kit.inbox.get(eventId))!;
      assert.equal(history.length, Math.min(attempts, 50));
      assert.ok(history.length >= 12);
      const last = history.at(-1)!;
      assert.equal(last.outcome, 'ok');
      assert.equal(last.attempt, attempts);
      assert.equal(last.error, undefined);
      for (const [i, a] of history.slice(0, -1).entries()) {
        assert.equal(a.outcome, 'failed');
        assert.match(a.error ?? '', /ledger database is down \(ECONNREFUSED\)/);
        assert.equal(a.attempt, history[i + 1]!.attempt - 1, 'numbered in order, none missing');
        assert.ok(a.nextAttemptAt! > a.at && a.nextAttemptAt! <= history[i + 1]!.at, 'the next one came when it said');
        assert.ok(a.durationMs >= 0);
      }
      assert.equal(last.instance, `${hostname()}/${process.pid}`);
      assert.ok(!JSON.stringify(history).includes('0x52908400098527886E0F7030069857D2E4169EE7'), 'no body in the history');
    } finally {
      await k.close();
    }
  });

  it('after the window: dead, kept, logged at error level, told to onDead, left alone until an operator retries it', async () => {
    const ledger = flakyLedger();
    const dead: DeadEventArgs[] = [];
    const k = await startKit({
      fulfilment: { baseDelayMs: 5, maxDelayMs: 20, retryForMs: 150, pollMs: 10, leaseMs: 5000 },
      onTransferSucceeded: ledger.hook,
      onDead: (args) => void dead.push(args),
    });
    try {
      const minted = await mint(k);
      const eventId = randomUUID();
      await postWebhook(k, webhookBody({ transactionId: minted.transactionId, status: 'succeeded', eventId, transferId: 'tr-dead' }));
      await eventually(() => dead.length === 1, 'onDead');
      assert.equal(dead[0]!.event.eventId, eventId);
      assert.equal(dead[0]!.transaction?.transactionId, minted.transactionId);
      assert.equal(dead[0]!.reason, 'window');
      assert.match(dead[0]!.error, /ledger database is down/);
      assert.ok(k.logs.some((l) => l.level === 'error' && /giving up/.test(l.message) && (l.meta as { eventId?: string }).eventId === eventId));

      const entry = await k.kit.inbox.get(eventId);
      assert.equal(entry?.state, 'dead');
      const gaveUp = entry!.history.at(-1)!;
      assert.equal(gaveUp.outcome, 'failed');
      assert.equal(gaveUp.nextAttemptAt, undefined, 'the attempt that gave up names no next one');
      assert.equal(gaveUp.attempt, entry!.attempts);
      assert.deepEqual((await k.kit.inbox.list({ state: 'dead' })).entries.map((e) => e.event.eventId), [eventId]);

      // Dead means nobody tries it again by themselves, however long we wait and poll.
      const callsWhenDead = ledger.calls.length;
      await k.kit.reconcileNow();
      await eventually(async () => (await k.kit.inbox.list({ state: 'pending' })).entries.length === 0, 'nothing pending');
      assert.equal(ledger.calls.length, callsWhenDead);

      ledger.heal();
      assert.deepEqual(await k.kit.inbox.retry(eventId), { eventId, was: 'dead', queued: true });
      await eventually(async () => (await k.kit.inbox.get(eventId))?.state === 'done', 'the operator retry to credit');
      assert.deepEqual([...ledger.credited], [['tr-dead', 1]]);
      const afterRetry = (await k.kit.inbox.get(eventId))!.history;
      assert.deepEqual(afterRetry.slice(-2).map((a) => [a.attempt, a.outcome]), [[gaveUp.attempt, 'failed'], [1, 'ok']], 'the retry starts a new window at 1; the old attempts stay');
      // Retrying a done event is refused without effect; retrying everything dead finds nothing.
      assert.deepEqual(await k.kit.inbox.retry(eventId), { eventId, was: 'done', queued: false });
      assert.deepEqual(await k.kit.inbox.retryDead(), []);
      assert.deepEqual([...ledger.credited], [['tr-dead', 1]]);
    } finally {
      await k.close();
    }
  });

  it('an operator on another instance retries every dead event; each transfer is credited exactly once', async () => {
    const file = join(temp, 'two-instances.db');
    const ledger = flakyLedger();
    const a = await startKit({
      store: sqliteStore(file, { pollIntervalMs: 20 }),
      fulfilment: { baseDelayMs: 5, maxDelayMs: 10, retryForMs: 100, pollMs: 10, leaseMs: 5000 },
      onTransferSucceeded: ledger.hook,
    });
    // The operator's instance runs no worker of its own: the requeue must reach A through the store.
    const operator = await startKit({ store: sqliteStore(file, { pollIntervalMs: 20 }), start: false });
    try {
      const minted = await mint(a);
      const transfers = ['tr-a', 'tr-b', 'tr-c'];
      // Two EventIds for tr-a (Mesh may send both): still one credit.
      const events = [...transfers, 'tr-a'].map((transferId) => ({ transferId, eventId: randomUUID() }));
      for (const e of events) await postWebhook(a, webhookBody({ transactionId: minted.transactionId, status: 'succeeded', ...e }));
      await eventually(async () => (await operator.kit.inbox.list({ state: 'dead' })).entries.length === 4, 'all four dead');

      ledger.heal();
      const requeued = await operator.kit.inbox.retryDead();
      assert.deepEqual([...requeued].sort(), events.map((e) => e.eventId).sort());
      await eventually(async () => (await operator.kit.inbox.list({ state: 'done' })).entries.length === 4, 'all four done on A');
      assert.deepEqual([...ledger.credited].sort(), transfers.map((t) => [t, 1]));
    } finally {
      await operator.close();
      await a.close();
    }
  });

  it('refuses garbage from callers of the operator API with typed errors', async () => {
    const k = await startKit({ start: false });
    try {
      await assert.rejects(k.kit.inbox.retry('no-such-event'), (e: unknown) => e instanceof MeshPayError && e.code === 'MESH_PAY_INBOX_EVENT_NOT_FOUND');
      for (const bad of ['', 'x'.repeat(201), 42 as unknown as string, undefined as unknown as string]) {
        await assert.rejects(k.kit.inbox.retry(bad), (e: unknown) => e instanceof MeshPayError && e.code === 'MESH_PAY_INVALID_REQUEST');
        await assert.rejects(k.kit.inbox.get(bad), (e: unknown) => e instanceof MeshPayError && e.code === 'MESH_PAY_INVALID_REQUEST');
      }
      for (const state of ['zombie', "dead' OR 1=1", 'DEAD']) {
        await assert.rejects(k.kit.inbox.list({ state: state as 'dead' }), (e: unknown) => e instanceof MeshPayError && e.code === 'MESH_PAY_INVALID_REQUEST');
      }
      await assert.rejects(k.kit.inbox.list({ cursor: 'c'.repeat(1001) }), /cursor/);
      assert.deepEqual((await k.kit.inbox.list({ limit: -1 })).entries, []);
    } finally {
      await k.close();
    }
  });

  it('refuses a nonsensical retry configuration at start-up', () => {
    const base = {
      store: memoryStore(),
      mesh: { clientId: 'id', clientSecret: 'secret' },
      webhookSecret: WEBHOOK_SECRET,
      kitSecret: KIT_SECRET,
      resolveOrder: async () => undefined,
    };
    for (const fulfilment of [{ retryForMs: 0 }, { retryForMs: -1 }, { maxDelayMs: Number.NaN }, { baseDelayMs: 1.5 }, { retryForMs: '72h' as unknown as number }]) {
      assert.throws(() => createMeshPay({ ...base, fulfilment }), (e: unknown) => e instanceof MeshPayError && e.code === 'MESH_PAY_CONFIG_INVALID', JSON.stringify(fulfilment));
    }
    assert.throws(() => createMeshPay({ ...base, onDead: 'page me' as never }), /onDead/);
    assert.equal(createMeshPay(base).config.fulfilment.retryForMs, 72 * 3600_000, 'default window: 72 hours');
  });
});
