/**
 * After a customer confirms, the merchant's webhook endpoint receives what Mesh would send:
 * signed PascalCase transfer events with exact decimals, delivered at least once.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import express from 'express';
import { createMeshSandbox, signWebhook, SANDBOX_PRICES_USD, type MeshSandbox, type MeshSandboxOptions } from '../src/index.js';
import { payOverHttp } from './support/customer.js';
import { credentials, listen, mintLinkToken, MERCHANT_ADDRESS, paymentRequest, type Listening } from './support/http.js';
import { opensslHmacBase64, pythonDivide } from './support/independent-crypto.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

const SECRET = 'whsec_sandbox-test-secret-ü';
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

interface Setup {
  sandbox: MeshSandbox;
  server: Listening;
  receiver: WebhookReceiver;
  base: string;
}

async function setup(options: Partial<MeshSandboxOptions> = {}, answer?: Parameters<typeof startWebhookReceiver>[0]): Promise<Setup> {
  const receiver = await startWebhookReceiver(answer);
  const sandbox = createMeshSandbox({
    webhookUrl: receiver.url,
    webhookSecret: SECRET,
    duplicateRate: 0,
    reorderRate: 0,
    settleDelayMs: 20,
    retry: { attempts: 4, baseDelayMs: 10, timeoutMs: 2000 },
    ...options,
  });
  const server = await listen(express().use('/sandbox/mesh', sandbox.router));
  cleanup.push(() => receiver.close(), () => server.close(), () => sandbox.close());
  return { sandbox, server, receiver, base: `${server.url}/sandbox/mesh` };
}

async function pay(s: Setup, scenario: 'succeed' | 'fail' = 'succeed', transactionId = 'order-1001', request = paymentRequest({ transactionId })) {
  const { linkUrl } = await mintLinkToken(s.base, request);
  const paid = await payOverHttp(linkUrl, scenario);
  await s.sandbox.idle();
  return paid;
}

describe('webhook signatures', () => {
  test('every webhook verifies with OpenSSL over the exact bytes received (HMAC-SHA256, base64, X-Mesh-Signature-256)', async () => {
    const s = await setup();
    await pay(s);
    assert.equal(s.receiver.received.length, 2);
    for (const hit of s.receiver.received) {
      const header = hit.headers['x-mesh-signature-256'];
      assert.equal(typeof header, 'string');
      assert.equal(header, opensslHmacBase64(SECRET, hit.raw));
      assert.match(String(hit.headers['content-type']), /application\/json/);
    }
    // A single flipped byte no longer verifies: the signature covers the body.
    const tampered = Buffer.from(s.receiver.received[0]!.raw);
    tampered[10] = tampered[10]! ^ 1;
    assert.notEqual(s.receiver.received[0]!.headers['x-mesh-signature-256'], opensslHmacBase64(SECRET, tampered));
  });

  test('signWebhook agrees with OpenSSL on RFC 4231 test case 2 and on arbitrary bytes', () => {
    const rfc = Buffer.from('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'hex').toString('base64');
    assert.equal(signWebhook('Jefe', 'what do ya want for nothing?'), rfc);
    assert.equal(opensslHmacBase64('Jefe', Buffer.from('what do ya want for nothing?')), rfc);
    const bytes = Buffer.from([0, 255, 10, 13, 0x22, 0xe2, 0x82, 0xac, 7]);
    assert.equal(signWebhook('s3cr€t', bytes), opensslHmacBase64('s3cr€t', bytes));
  });
});

describe('webhook payloads', () => {
  test('a successful payment sends Pending, then Succeeded, with the contract fields in PascalCase and times in Unix seconds', async () => {
    const before = Math.floor(Date.now() / 1000);
    const s = await setup();
    const paid = await pay(s, 'succeed', 'order-pascal');
    const [pending, succeeded] = s.receiver.received.map((r) => r.json);
    assert.deepEqual(Object.keys(pending!), [
      'EventId', 'Id', 'SentTimestamp', 'TransferId', 'Timestamp', 'TransferStatus', 'TransactionId', 'TxHash', 'UserId',
      'Token', 'Chain', 'SourceAmount', 'SourceAccountProvider', 'DestinationAmount', 'DestinationAddress', 'RefundAddress',
    ]);
    assert.equal(pending!.TransferStatus, 'Pending');
    assert.equal(pending!.TxHash, null);
    assert.equal(succeeded!.TransferStatus, 'Succeeded');
    assert.match(String(succeeded!.TxHash), /^0x[0-9a-f]{64}$/);
    for (const event of [pending!, succeeded!]) {
      assert.equal(event.TransferId, paid.transferId);
      assert.equal(event.TransactionId, 'order-pascal');
      assert.equal(event.UserId, 'customer-42');
      assert.equal(event.Token, 'USDC');
      assert.equal(event.Chain, 'Base');
      assert.equal(event.DestinationAddress, MERCHANT_ADDRESS);
      assert.equal(event.SourceAccountProvider, 'Coinbase');
      assert.match(String(event.EventId), /^[0-9a-f-]{36}$/);
      // Seconds, not milliseconds: within this test's run, as whole numbers.
      for (const field of ['SentTimestamp', 'Timestamp'] as const) {
        const value = event[field] as number;
        assert.ok(Number.isInteger(value) && value >= before && value <= Math.floor(Date.now() / 1000), `${field} ${value}`);
      }
    }
    assert.notEqual(pending!.EventId, succeeded!.EventId);
    assert.ok((succeeded!.Timestamp as number) >= (pending!.Timestamp as number));
    const transfer = s.sandbox.transfers()[0]!;
    assert.equal(transfer.status, 'succeeded');
    assert.equal(transfer.clientTransactionId, 'order-pascal');
  });

  test('amounts are raw JSON numbers in the token’s decimals, exactly what Python decimal computes', async () => {
    const s = await setup();
    // 2500 USD of ETH at 3120.45: 18 decimals, more digits than a float holds.
    const request = paymentRequest({ transactionId: 'order-eth', amountInFiat: 2500 });
    request.transferOptions.toAddresses = [{ networkId: 'e3c7fdd8-b1fc-4e51-85ae-bb276e075611', symbol: 'ETH', address: MERCHANT_ADDRESS }];
    await pay(s, 'succeed', 'order-eth', request);
    const expected = pythonDivide('2500', SANDBOX_PRICES_USD.ETH!, 18);
    assert.equal(expected.split('.')[1]!.length, 18, expected);
    // A float cannot hold it: anyone parsing with JSON.parse would get a different number.
    assert.notEqual(String(Number(expected)), expected);
    const succeeded = s.receiver.received[1]!.text;
    assert.ok(succeeded.includes(`"SourceAmount":${expected},`), succeeded);
    assert.ok(succeeded.includes(`"DestinationAmount":${expected},`), succeeded);
  });

  test('the fail scenario still reports the transfer, then ends in failed without a hash', async () => {
    const s = await setup();
    await pay(s, 'fail');
    const statuses = s.receiver.received.map((r) => r.json.TransferStatus);
    assert.deepEqual(statuses, ['Pending', 'Failed']);
    assert.equal(s.receiver.received[1]!.json.TxHash, null);
    assert.equal(s.receiver.received[1]!.json.DestinationAmount, null);
    assert.equal(s.sandbox.transfers()[0]!.status, 'failed');
  });
});

describe('at-least-once delivery', () => {
  test('a 500 is retried with backoff: same EventId, a new Id and SentTimestamp each time, until a 200', async () => {
    // The first two tries of Pending fail; what else arrives in between (Succeeded) does not count.
    let pendingTries = 0;
    const s = await setup({}, (_n, json) => (json.TransferStatus === 'Pending' && pendingTries++ < 2 ? 500 : 200));
    await pay(s);
    const tries = s.receiver.received.filter((r) => r.json.TransferStatus === 'Pending');
    assert.equal(tries.length, 3);
    assert.deepEqual(tries.map((r) => r.answered), [500, 500, 200]);
    assert.equal(new Set(tries.map((r) => r.json.EventId)).size, 1);
    assert.equal(new Set(tries.map((r) => r.json.Id)).size, 3);
    const sent = tries.map((r) => r.json.SentTimestamp as number);
    assert.ok(sent[0]! <= sent[1]! && sent[1]! <= sent[2]!);
    // Each try is signed over its own body.
    for (const r of tries) assert.equal(r.headers['x-mesh-signature-256'], opensslHmacBase64(SECRET, r.raw));
    const log = s.sandbox.deliveries().filter((d) => d.status === 'Pending');
    assert.deepEqual(log.map((d) => [d.attempt, d.httpStatus, d.delivered]), [[1, 500, false], [2, 500, false], [3, 200, true]]);
    assert.ok(s.sandbox.deliveries().some((d) => d.status === 'Succeeded' && d.delivered));
  });

  test('a receiver that does not answer in time is retried', async () => {
    // The timeout also bounds the retry that answers 200, so it must leave room for a loaded CI machine.
    const s = await setup({ retry: { attempts: 3, baseDelayMs: 10, timeoutMs: 1000 } }, (n) => (n === 0 ? 'hang' : 200));
    await pay(s);
    const first = s.sandbox.deliveries().find((d) => d.status === 'Pending')!;
    assert.equal(first.delivered, false);
    assert.match(first.error ?? '', /timeout/);
    const pending = s.receiver.received.filter((r) => r.json.TransferStatus === 'Pending');
    assert.equal(pending.length, 2);
    assert.equal(pending[0]!.json.EventId, pending[1]!.json.EventId);
  });

  test('a receiver that keeps failing gets exactly the configured number of attempts, then idle() resolves', async () => {
    const s = await setup({ retry: { attempts: 3, baseDelayMs: 5, timeoutMs: 1000 } }, () => 503);
    await pay(s);
    assert.equal(s.receiver.received.length, 6);
    assert.ok(s.sandbox.deliveries().every((d) => d.httpStatus === 503 && !d.delivered));
  });

  test('with duplicateRate 1 every delivered event arrives twice: same EventId, different Id', async () => {
    const s = await setup({ duplicateRate: 1 });
    await pay(s);
    assert.equal(s.receiver.received.length, 4);
    const byEvent = new Map<unknown, unknown[]>();
    for (const r of s.receiver.received) byEvent.set(r.json.EventId, [...(byEvent.get(r.json.EventId) ?? []), r.json.Id]);
    assert.equal(byEvent.size, 2);
    for (const ids of byEvent.values()) assert.equal(new Set(ids).size, 2);
    assert.equal(s.sandbox.deliveries().filter((d) => d.duplicate).length, 2);
  });

  test('with reorderRate 1 the final status arrives before pending', async () => {
    const s = await setup({ reorderRate: 1 });
    await pay(s);
    assert.deepEqual(s.receiver.received.map((r) => r.json.TransferStatus), ['Succeeded', 'Pending']);
    // The event times still tell the true order.
    const [final, pending] = s.receiver.received.map((r) => r.json.Timestamp as number);
    assert.ok(pending! <= final!);
  });

  test('without a webhook secret nothing is sent, and the transfer still settles', async () => {
    const s = await setup({ webhookSecret: undefined });
    await pay(s);
    assert.equal(s.receiver.received.length, 0);
    assert.equal(s.sandbox.deliveries().length, 0);
    assert.equal(s.sandbox.transfers()[0]!.status, 'succeeded');
  });

  test('a webhookUrl function is resolved when sending (the app learned its port after start)', async () => {
    const receiver = await startWebhookReceiver();
    let url: string | undefined;
    const sandbox = createMeshSandbox({
      webhookUrl: () => url,
      webhookSecret: SECRET,
      duplicateRate: 0,
      reorderRate: 0,
      settleDelayMs: 10,
      // Counts deliveries: a loaded machine must not turn a slow answer into a re-send here.
      retry: { timeoutMs: 10_000 },
    });
    const server = await listen(express().use(sandbox.router));
    cleanup.push(() => receiver.close(), () => server.close(), () => sandbox.close());
    url = receiver.url;
    const { linkUrl } = await mintLinkToken(server.url);
    await payOverHttp(linkUrl);
    await sandbox.idle();
    assert.equal(receiver.received.length, 2);
  });

  test('close() stops pending retries at once', async () => {
    const s = await setup({ retry: { attempts: 10, baseDelayMs: 60_000, timeoutMs: 1000 } }, () => 500);
    const { linkUrl } = await mintLinkToken(s.base);
    await payOverHttp(linkUrl);
    while (s.receiver.received.length === 0) await new Promise((r) => setImmediate(r));
    await s.sandbox.close();
    await s.sandbox.idle();
    assert.ok(s.receiver.received.length <= 2);
  });
});

describe('Mesh waits 200 ms for an answer', () => {
  test('by default a receiver slower than 200 ms gets the event again (same EventId, new Id) until one answer is in time', async () => {
    // The first answer never comes; no timeout is configured, so the sandbox's default applies.
    const s = await setup({ retry: { attempts: 8, baseDelayMs: 10 } }, (n) => (n === 0 ? 'hang' : 200));
    await pay(s);
    const pending = s.sandbox.deliveries().filter((d) => d.status === 'Pending');
    assert.equal(pending[0]!.delivered, false);
    assert.match(pending[0]!.error ?? '', /timeout after 200 ms/);
    assert.ok(pending.some((d) => d.delivered));
    const bodies = s.receiver.received.filter((r) => r.json.TransferStatus === 'Pending');
    assert.equal(new Set(bodies.map((r) => r.json.EventId)).size, 1);
    assert.equal(new Set(bodies.map((r) => r.json.Id)).size, bodies.length);
  });
});

describe('refunds (a sandbox scenario for tests)', () => {
  test('a refund sends RefundPending then RefundSucceeded for the transfer, with the refund address; the kit must not credit them', async () => {
    const s = await setup();
    const paid = await pay(s, 'succeed', 'order-refund');
    const response = await fetch(`${s.base}/_sandbox/transfers/${paid.transferId}/refund`, { method: 'POST', headers: credentials });
    assert.equal(response.status, 202);
    await s.sandbox.idle();
    const events = s.receiver.received.map((r) => r.json);
    assert.deepEqual(events.map((e) => e.TransferStatus), ['Pending', 'Succeeded', 'RefundPending', 'RefundSucceeded']);
    for (const e of events.slice(2)) {
      assert.equal(e.TransferId, paid.transferId);
      assert.equal(e.TransactionId, 'order-refund');
      assert.match(String(e.RefundAddress), /^0x[0-9a-f]{40}$/);
      assert.equal(e.DestinationAmount, null);
    }
    assert.notEqual(events[2]!.EventId, events[3]!.EventId);
    // Once only; an unknown transfer is a Mesh-shaped 404.
    const again = await fetch(`${s.base}/_sandbox/transfers/${paid.transferId}/refund`, { method: 'POST', headers: credentials });
    assert.equal(again.status, 409);
    const unknown = await fetch(`${s.base}/_sandbox/transfers/00000000-0000-4000-8000-000000000000/refund`, { method: 'POST', headers: credentials });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { status: string }).status, 'notFound');
    await assert.rejects(s.sandbox.refundTransfer(paid.transferId), { code: 'MESH_SANDBOX_CONFLICT' });
  });
});
