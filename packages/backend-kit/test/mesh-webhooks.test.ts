/**
 * Webhooks as Mesh really sends them: capitalised statuses kept as sent, Unix-second timestamps,
 * refund statuses that are shown but never credited, transfers this kit never minted (acknowledged,
 * never refused, so Mesh stops retrying), and contradictory statuses that never leave the credit
 * and the shown status disagreeing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { UpdateHookArgs } from '../src/config.js';
import { UNMATCHED_COLLECTION, type UnmatchedRecord } from '../src/webhook-route.js';
import { listVerdicts } from '../src/verdict-report.js';
import { SseClient, eventually, mint, postWebhook, startKit, webhookBody } from './harness.js';

async function kitWithUpdates() {
  const updates: UpdateHookArgs[] = [];
  const credits: string[] = [];
  const failures: string[] = [];
  const k = await startKit({
    onTransferUpdate: (args) => void updates.push(args),
    onTransferSucceeded: ({ idempotencyKey }) => void credits.push(idempotencyKey),
    onTransferFailed: ({ event }) => void failures.push(event.transferId),
  });
  return { k, updates, credits, failures };
}

describe('webhooks as Mesh sends them', () => {
  it('compares Succeeded case-insensitively but keeps what Mesh sent, and streams lowercase', async () => {
    const { k, updates, credits } = await kitWithUpdates();
    try {
      const { transactionId, statusUrl } = await mint(k);
      const eventId = randomUUID();
      await postWebhook(k, webhookBody({ transactionId, status: 'Succeeded', eventId, transferId: 'tr-caps' }));
      const stream = await SseClient.open(`${k.url}${statusUrl}`);
      await stream.until((s) => s.ended, 'succeeded');
      assert.equal(stream.statuses().at(-1)?.update.status, 'succeeded');
      assert.deepEqual(credits, ['tr-caps']);
      const stored = (await k.store.getInboxEntry(eventId))?.event;
      assert.equal(stored?.status, 'succeeded');
      assert.equal(stored?.rawStatus, 'Succeeded');
      assert.equal(stored?.timestamp, '1763900001', 'Unix seconds, kept as text');
      await eventually(() => updates.length === 1, 'the update hook');
      assert.equal(updates[0]?.event.rawStatus, 'Succeeded');
    } finally {
      await k.close();
    }
  });

  it('stores, streams and reports RefundPending and RefundSucceeded without crediting or un-crediting', async () => {
    const { k, updates, credits } = await kitWithUpdates();
    try {
      const { transactionId } = await mint(k);
      await postWebhook(k, webhookBody({ transactionId, status: 'Succeeded', transferId: 'tr-refund' }));
      await eventually(() => credits.length === 1, 'the credit');
      for (const status of ['RefundPending', 'RefundSucceeded']) {
        await postWebhook(k, webhookBody({ transactionId, status, transferId: 'tr-refund' }));
      }
      await eventually(async () => (await k.store.statusesSince(transactionId, 0)).length === 3, 'refund statuses appended');
      assert.deepEqual((await k.store.statusesSince(transactionId, 0)).map((s) => s.update.status), [
        'succeeded',
        'refundpending',
        'refundsucceeded',
      ]);
      await eventually(() => updates.length === 3, 'every event reported');
      assert.deepEqual(updates.map((u) => [u.verdict, u.event.rawStatus]), [
        ['credit', 'Succeeded'],
        ['refund', 'RefundPending'],
        ['refund', 'RefundSucceeded'],
      ]);
      assert.deepEqual(credits, ['tr-refund'], 'a refund neither credits again nor takes the credit back');
      assert.equal(await k.store.hasMark('credit', 'tr-refund'), true);
    } finally {
      await k.close();
    }
  });

  it('acknowledges a transfer this kit did not mint (TransactionId null, absent or unknown): 200, recorded once, one log line', async () => {
    const { k, updates, credits } = await kitWithUpdates();
    try {
      const stranger = JSON.parse(webhookBody({ transactionId: 'x', status: 'succeeded', eventId: 'ev-null' })) as Record<string, unknown>;
      stranger.TransactionId = null;
      const absent: Record<string, unknown> = { ...stranger, EventId: 'ev-absent' };
      delete absent.TransactionId;
      const unknown = webhookBody({ transactionId: 'mp_never_minted_here', status: 'succeeded', eventId: 'ev-unknown' });
      for (const body of [JSON.stringify(stranger), JSON.stringify(absent), unknown]) {
        const res = await postWebhook(k, body);
        assert.equal(res.status, 200, 'a refusal would make Mesh retry it for ever');
        // Mesh retries anyway sometimes: the duplicate is acknowledged too, and recorded once.
        const again = await postWebhook(k, body);
        assert.deepEqual(await again.json(), { received: true, duplicate: true });
      }
      const records = (await k.store.listRecords(UNMATCHED_COLLECTION)) as UnmatchedRecord[];
      assert.deepEqual(records.map((r) => r.event.eventId), ['ev-null', 'ev-absent', 'ev-unknown']);
      assert.equal(records[0]?.event.transactionId, undefined);
      assert.equal(records[2]?.event.transactionId, 'mp_never_minted_here');
      assert.equal(k.logs.filter((l) => /did not mint/.test(l.message)).length, 3, 'one line per event, not per delivery');
      for (const id of ['ev-null', 'ev-absent', 'ev-unknown']) assert.equal(await k.store.getInboxEntry(id), undefined);
      assert.deepEqual([updates, credits], [[], []]);
    } finally {
      await k.close();
    }
  });

  it('still refuses garbage in TransactionId and unsigned strangers', async () => {
    const k = await startKit();
    try {
      for (const value of [{ $ne: '' }, ['mp_1'], true, 'x'.repeat(201)]) {
        const body = JSON.parse(webhookBody({ transactionId: 'x', status: 'succeeded' })) as Record<string, unknown>;
        body.TransactionId = value;
        assert.equal((await postWebhook(k, JSON.stringify(body))).status, 400, JSON.stringify(value).slice(0, 40));
      }
      const stranger = webhookBody({ transactionId: 'mp_never_minted_here', status: 'succeeded' });
      assert.equal((await postWebhook(k, stranger, { signature: null })).status, 401);
      assert.deepEqual(await k.store.listRecords(UNMATCHED_COLLECTION), []);
    } finally {
      await k.close();
    }
  });
});

describe('contradictory statuses for one transfer', () => {
  it('succeeded after failed: a conflict, never credited, still shown failed, and the merchant is told', async () => {
    const { k, updates, credits, failures } = await kitWithUpdates();
    try {
      const { transactionId, statusUrl } = await mint(k);
      await postWebhook(k, webhookBody({ transactionId, status: 'Failed', transferId: 'tr-flip' }));
      await eventually(() => failures.length === 1, 'the failure');
      await postWebhook(k, webhookBody({ transactionId, status: 'Succeeded', transferId: 'tr-flip' }));
      await eventually(() => updates.some((u) => u.verdict === 'conflict'), 'the conflict');
      assert.deepEqual(credits, []);
      const stream = await SseClient.open(`${k.url}${statusUrl}`);
      await stream.until((s) => s.ended, 'the stream to end');
      assert.deepEqual(stream.statuses().map((s) => s.update.status), ['failed']);
      assert.match(updates.find((u) => u.verdict === 'conflict')?.reason ?? '', /first terminal status \(failed\) stands/);
      assert.ok(k.logs.some((l) => l.level === 'error' && /contradicts/.test(l.message)));
      assert.deepEqual((await listVerdicts(k.store)).map((r) => [r.verdict, r.credited]), [['conflict', false]]);
    } finally {
      await k.close();
    }
  });

  it('failed after succeeded: a conflict, the credit and the shown succeeded stand', async () => {
    const { k, updates, credits, failures } = await kitWithUpdates();
    try {
      const { transactionId } = await mint(k);
      await postWebhook(k, webhookBody({ transactionId, status: 'succeeded', transferId: 'tr-flop' }));
      await eventually(() => credits.length === 1, 'the credit');
      await postWebhook(k, webhookBody({ transactionId, status: 'failed', transferId: 'tr-flop' }));
      await eventually(() => updates.some((u) => u.verdict === 'conflict'), 'the conflict');
      assert.deepEqual(failures, [], 'the failure hook never runs for a credited transfer');
      assert.deepEqual((await k.store.statusesSince(transactionId, 0)).map((s) => s.update.status), ['succeeded']);
      assert.deepEqual(credits, ['tr-flop']);
    } finally {
      await k.close();
    }
  });
});
