/**
 * The whole path a payment takes through the kit, over real HTTP: a token is minted, the browser
 * opens its status stream, Mesh's webhooks arrive, the merchant is credited once and the browser
 * sees each status.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SucceededHookArgs, UpdateHookArgs } from '../src/index.js';
import { DESTINATION, SseClient, gate, mint, postWebhook, startKit, webhookBody, type Kit } from './harness.js';

describe('a payment from token to credit', () => {
  let k: Kit;
  const credits: SucceededHookArgs[] = [];
  const updates: UpdateHookArgs[] = [];
  let creditArrived = gate<SucceededHookArgs>();

  before(async () => {
    k = await startKit({
      onTransferSucceeded: async (args) => {
        credits.push(args);
        creditArrived.open(args);
      },
      onTransferUpdate: async (args) => {
        updates.push(args);
      },
    });
  });
  after(() => k.close());

  it('mints a link token through Mesh and answers with a status capability URL', async () => {
    const minted = await mint(k, 'order-42');
    assert.match(Buffer.from(minted.linkToken, 'base64').toString(), /^http:\/\/127\.0\.0\.1:\d+\/link\?tx=/);
    assert.match(minted.transactionId, /^mp_[A-Za-z0-9_-]{20,}$/);
    assert.match(minted.statusUrl, /^\/mesh\/status\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.equal(minted.environment, 'sandbox');
    assert.equal(minted.accessTokens, undefined);

    const sent = JSON.parse(k.mesh.linkTokenBodies.at(-1)!);
    assert.deepEqual(sent, {
      userId: 'user-1',
      restrictMultipleAccounts: true,
      transferOptions: {
        toAddresses: [{ networkId: DESTINATION.networkId, symbol: 'USDC', address: DESTINATION.address }],
        amountInFiat: 25,
        transactionId: minted.transactionId,
        transferType: 'payment',
      },
    });
    // The amount goes out as the merchant's exact decimal text, as a JSON number.
    assert.match(k.mesh.linkTokenBodies.at(-1)!, /"amountInFiat":25\.00[,}]/);
    const tx = await k.kit.getTransactionByOrder('order-42');
    assert.equal(tx?.transactionId, minted.transactionId);
  });

  it('streams pending then succeeded, credits once with the exact 20-digit amount, and ends the stream', async () => {
    creditArrived = gate();
    const minted = await mint(k);
    const stream = await SseClient.open(`${k.url}${minted.statusUrl}`);
    assert.equal(stream.status, 200);
    assert.match(stream.headers!.get('content-type')!, /^text\/event-stream/);
    assert.match(stream.headers!.get('cache-control')!, /no-cache/);
    assert.equal(stream.headers!.get('x-accel-buffering'), 'no');
    assert.equal(stream.headers!.get('content-encoding'), null);
    await stream.until((s) => s.comments.includes('waiting'), 'the waiting comment');
    assert.equal(stream.retry, '3000');

    const amount = '12345678901234567890.123456789012345678';
    const pending = webhookBody({ transactionId: minted.transactionId, status: 'pending', transferId: 'tr-flow', sourceAmount: amount });
    assert.equal((await postWebhook(k, pending)).status, 200);
    await stream.until((s) => s.statuses().length === 1, 'pending on the stream');

    const succeeded = webhookBody({ transactionId: minted.transactionId, status: 'succeeded', transferId: 'tr-flow', sourceAmount: amount });
    const res = await postWebhook(k, succeeded);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { received: true, duplicate: false });

    const credit = await creditArrived.promise;
    assert.equal(credit.event.sourceAmount, amount);
    assert.equal(credit.idempotencyKey, 'tr-flow');
    assert.equal(credit.transaction.transactionId, minted.transactionId);

    await stream.until((s) => s.ended, 'the stream to end after succeeded');
    const statuses = stream.statuses();
    assert.deepEqual(
      statuses.map((s) => [s.seq, s.update.status]),
      [
        [1, 'pending'],
        [2, 'succeeded'],
      ],
    );
    assert.equal(statuses[1]!.update.sourceAmount, amount);
    assert.equal(statuses[1]!.update.transferId, 'tr-flow');
    assert.equal(statuses[1]!.update.token, 'USDC');
    assert.equal(credits.filter((c) => c.idempotencyKey === 'tr-flow').length, 1);
    assert.deepEqual(
      updates.filter((u) => u.event.transferId === 'tr-flow').map((u) => u.verdict),
      ['update', 'credit'],
    );
  });

  it('answers 200 before a slow merchant hook has finished', async () => {
    const release = gate();
    const hookStarted = gate();
    const slow = await startKit({
      fakeMesh: k.mesh,
      onTransferSucceeded: async () => {
        hookStarted.open();
        await release.promise;
      },
    });
    try {
      const minted = await mint(slow);
      const stream = await SseClient.open(`${slow.url}${minted.statusUrl}`);
      const res = await postWebhook(slow, webhookBody({ transactionId: minted.transactionId, status: 'succeeded', transferId: 'tr-slow' }));
      // The 200 is here while the hook is still blocked on a promise only this test resolves.
      assert.equal(res.status, 200);
      await hookStarted.promise;
      assert.equal(stream.statuses().length, 0);
      release.open();
      await stream.until((s) => s.ended, 'succeeded after the hook was released');
      assert.deepEqual(stream.statuses().map((s) => s.update.status), ['succeeded']);
    } finally {
      release.open();
      await slow.close();
    }
  });
});
