/**
 * Credit only what Mesh confirms. A signed `succeeded` is looked up at Mesh's API before it is
 * credited: the merchant is credited for a transfer Mesh records as this transaction's, succeeded,
 * to a destination the order chose, paying the price; underpaid and mismatched transfers never
 * are; and while Mesh cannot be asked, the credit waits instead of happening blind.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addDecimals, compareDecimals, subtractDecimals } from '../src/exact-decimal.js';
import { judgeTransfer } from '../src/transfer-verify.js';
import { decide } from '../src/fulfilment-decide.js';
import type { MeshTransfer } from '../src/mesh-client.js';
import type { TransactionRecord, TransferEvent } from '../src/store.js';
import { listVerdicts } from '../src/verdict-report.js';
import { createMeshPay } from '../src/create-mesh-pay.js';
import { memoryStore } from '../src/memory-store.js';
import type { UpdateHookArgs } from '../src/config.js';
import {
  DESTINATION,
  KIT_SECRET,
  SseClient,
  WEBHOOK_SECRET,
  eventually,
  gate,
  meshRecordOf,
  mint,
  postWebhook,
  recordAtMesh,
  startKit,
  webhookBody,
  type Kit,
} from './harness.js';

describe('exact decimals', () => {
  const decimal = fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 20 }))
    .map(([digits, scale]) => {
      const text = digits.toString().padStart(scale + 1, '0');
      return scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
    });

  it('compares by value, not by text, and never through a double', () => {
    assert.equal(compareDecimals('25.0', '25.00'), 0);
    assert.equal(compareDecimals('25.000000000000000001', '25'), 1);
    assert.equal(compareDecimals('2.5e1', '25'), 0);
    assert.equal(compareDecimals('24.99', '25'), -1);
    assert.throws(() => compareDecimals('25 USD', '25'), /not a decimal/);
    assert.throws(() => compareDecimals('1e999999999', '1'), /exponent/);
  });

  it('a + b - b is a, and compare agrees with subtract, for any decimals', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        assert.equal(compareDecimals(subtractDecimals(addDecimals(a, b), b), a), 0);
        const sign = compareDecimals(a, b);
        const diff = subtractDecimals(a, b);
        assert.equal(sign, diff === '0' ? 0 : diff.startsWith('-') ? -1 : 1);
      }),
    );
  });
});

const TX: TransactionRecord = {
  transactionId: 'mp_tx',
  orderId: 'order-1',
  userId: 'user-1',
  amountInFiat: '25.00',
  destinations: [DESTINATION],
  createdAt: 0,
};

const EVENT: TransferEvent = {
  eventId: 'ev',
  id: 'delivery',
  transferId: 'tr-1',
  transactionId: TX.transactionId,
  status: 'succeeded',
  token: DESTINATION.token,
  chain: DESTINATION.chain,
  destinationAddress: DESTINATION.address,
  destinationAmount: '25.000001',
};

const MESH: MeshTransfer = {
  transferId: 'tr-1',
  transactionId: TX.transactionId,
  status: 'succeeded',
  token: 'USDC',
  networkId: DESTINATION.networkId,
  destinationAddress: DESTINATION.address.toLowerCase(),
  amountInFiat: '25.00',
  amount: '25.000001',
};

const judge = (mesh: MeshTransfer | undefined | 'off', tx: TransactionRecord = TX, tolerance = '0', event = EVENT) =>
  judgeTransfer({ event, transaction: tx, mesh, underpaymentToleranceInFiat: tolerance });

describe('judging Mesh’s record of a transfer (pure)', () => {
  it('credits a transfer Mesh confirms in full', () => {
    assert.deepEqual(judge(MESH), { verdict: 'credit' });
  });

  it('waits while Mesh lists no such transfer or still reports it pending', () => {
    assert.match((judge(undefined) as { wait: string }).wait, /lists no transfer tr-1/);
    assert.match((judge({ ...MESH, status: 'pending' }) as { wait: string }).wait, /pending/);
  });

  it('refuses a transfer Mesh records for another transaction, as failed, or paid elsewhere', () => {
    assert.match(JSON.stringify(judge({ ...MESH, transactionId: 'mp_other' })), /"mismatch".*mp_other/);
    assert.match(JSON.stringify(judge({ ...MESH, transactionId: undefined })), /"mismatch".*names no transaction/);
    assert.match(JSON.stringify(judge({ ...MESH, status: 'failed' })), /"mismatch".*failed/);
    assert.match(JSON.stringify(judge({ ...MESH, destinationAddress: '0x0000000000000000000000000000000000000bad' })), /"mismatch".*not a destination/);
    assert.match(JSON.stringify(judge({ ...MESH, token: 'USDT' })), /"mismatch"/);
    assert.match(JSON.stringify(judge({ ...MESH, networkId: '18fa36b0-88a8-43ca-83db-9a874e0a2288' })), /"mismatch"/);
    assert.match(JSON.stringify(judge({ ...MESH, amountInFiat: undefined })), /"mismatch".*no USD amount/);
  });

  it('underpaid below the tolerance, credited within it, overpaid credited and reported', () => {
    assert.deepEqual(judge({ ...MESH, amountInFiat: '24.99' }), {
      verdict: 'underpaid',
      reason: 'paid 24.99 USD of 25.00 USD (short by 0.01, tolerance 0)',
    });
    assert.deepEqual(judge({ ...MESH, amountInFiat: '24.50' }, TX, '0.50'), { verdict: 'credit' });
    assert.equal((judge({ ...MESH, amountInFiat: '24.49' }, TX, '0.50') as { verdict: string }).verdict, 'underpaid');
    assert.deepEqual(judge({ ...MESH, amountInFiat: '25.000000000000000001' }), {
      verdict: 'overpaid',
      reason: 'paid 25.000000000000000001 USD for 25.00 USD (over by 0.000000000000000001)',
    });
  });

  it('compares what the destination received, unless the merchant chose fees inside the price', () => {
    const received = { ...MESH, amountInFiat: '25.40', destinationAmountInFiat: '24.90' };
    assert.equal((judge(received) as { verdict: string }).verdict, 'underpaid');
    assert.equal((judge(received, { ...TX, isInclusiveFeeEnabled: true }) as { verdict: string }).verdict, 'overpaid');
  });

  it('a price in the token compares exactly with Mesh and with the webhook’s DestinationAmount', () => {
    const inToken: TransactionRecord = { ...TX, amountInFiat: undefined, destinations: [{ ...DESTINATION, amount: '25.000001' }] };
    assert.deepEqual(judge({ ...MESH, amountInFiat: undefined }, inToken), { verdict: 'credit' });
    assert.equal((judge({ ...MESH, amount: '25.000000' }, inToken) as { verdict: string }).verdict, 'underpaid');
    assert.equal((judge(MESH, inToken, '0', { ...EVENT, destinationAmount: '25.0000009' }) as { verdict: string }).verdict, 'underpaid');
    assert.equal((judge(MESH, inToken, '0', { ...EVENT, destinationAmount: '25.0000011' }) as { verdict: string }).verdict, 'overpaid');
    assert.equal((judge('off', inToken, '0', { ...EVENT, destinationAmount: '25' }) as { verdict: string }).verdict, 'underpaid');
    assert.equal((judge(MESH, inToken, '0', { ...EVENT, destinationAmount: undefined }) as { verdict: string }).verdict, 'mismatch');
  });

  it('a hostile or broken amount from Mesh is a mismatch, never a credit and never a hang', () => {
    for (const amountInFiat of ['1e999999999', 'NaN', '25 USD', '', '0x19']) {
      assert.equal((judge({ ...MESH, amountInFiat }) as { verdict: string }).verdict, 'mismatch', amountInFiat);
    }
  });

  it('with verification off, a USD price cannot be checked: a matching webhook is credited', () => {
    assert.deepEqual(judge('off'), { verdict: 'credit' });
  });

  it('for any amounts, credited exactly when paid + tolerance covers the price', () => {
    const amount = fc.integer({ min: 0, max: 10_000_00 }).map((c) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`);
    fc.assert(
      fc.property(amount, amount, amount, (price, paid, tolerance) => {
        const v = (judge({ ...MESH, amountInFiat: paid }, { ...TX, amountInFiat: price }, tolerance) as { verdict: string }).verdict;
        const covered = compareDecimals(addDecimals(paid, tolerance), price) >= 0;
        assert.equal(v === 'credit' || v === 'overpaid', covered);
        assert.equal(v === 'overpaid', compareDecimals(paid, price) > 0);
      }),
    );
  });

  it('decide never credits or shows succeeded for what the confirmation refuses', () => {
    const now = new Date(0).toISOString();
    for (const verdict of ['underpaid', 'mismatch'] as const) {
      const d = decide(EVENT, TX, undefined, now, { verdict, reason: 'r' });
      assert.equal(d.verdict, verdict);
      assert.equal(d.publish?.status, verdict);
    }
    assert.equal(decide(EVENT, TX, undefined, now, { verdict: 'overpaid' }).publish?.status, 'succeeded');
  });
});

/** A kit whose hooks report every credit and verdict. */
async function verifyingKit(options: Parameters<typeof startKit>[0] = {}) {
  const credits: string[] = [];
  const updates: UpdateHookArgs[] = [];
  let updated = gate<UpdateHookArgs>();
  const k = await startKit({
    onTransferSucceeded: ({ idempotencyKey }) => void credits.push(idempotencyKey),
    onTransferUpdate: (args) => {
      updates.push(args);
      updated.open(args);
    },
    ...options,
  });
  const nextUpdate = async () => {
    const u = await updated.promise;
    updated = gate();
    return u;
  };
  return { k, credits, updates, nextUpdate };
}

/** Posts a `succeeded` for a fresh order, with Mesh's record set up as the test says. */
async function paySucceeded(k: Kit, mesh: (record: ReturnType<typeof meshRecordOf> & object) => void | 'none') {
  const minted = await mint(k);
  const eventId = randomUUID();
  const body = webhookBody({
    eventId,
    transactionId: minted.transactionId,
    status: 'succeeded',
    transferId: `tr-${minted.transactionId}`,
    destinationAmount: '25.000001',
  });
  const record = meshRecordOf(body)!;
  if (mesh(record) !== 'none') recordAtMesh(k.mesh, record);
  const res = await postWebhook(k, body, { meshKnows: false });
  assert.equal(res.status, 200);
  return { ...minted, transferId: record.id, eventId };
}

/**
 * Every status the kit published for `transactionId`, once it published one. The hook runs before the
 * status is published: this waits for that, then for nothing else.
 */
async function publishedStatuses(k: Kit, transactionId: string): Promise<string[]> {
  await eventually(async () => (await k.store.statusesSince(transactionId, 0)).length > 0, 'a published status');
  return (await k.store.statusesSince(transactionId, 0)).map((s) => s.update.status);
}

describe('a merchant with verification on (the default), over real HTTP', () => {
  it('credits a transfer Mesh confirms, after asking Mesh about that transfer', async () => {
    const { k, credits, nextUpdate } = await verifyingKit();
    try {
      const paid = await paySucceeded(k, () => {});
      const update = await nextUpdate();
      assert.equal(update.verdict, 'credit');
      assert.deepEqual(credits, [paid.transferId]);
      assert.ok(k.mesh.transfersQueries.some((q) => new URL(q, 'http://x').searchParams.get('Id') === paid.transferId));
      const stream = await SseClient.open(`${k.url}${paid.statusUrl}`);
      await stream.until((s) => s.ended, 'succeeded');
      assert.equal(stream.statuses().at(-1)?.update.status, 'succeeded');
    } finally {
      await k.close();
    }
  });

  it('does not credit an underpaid transfer: its own verdict, status and record', async () => {
    const { k, credits, nextUpdate } = await verifyingKit();
    try {
      const paid = await paySucceeded(k, (r) => void (r.amountInFiat = '24.99'));
      const update = await nextUpdate();
      assert.equal(update.verdict, 'underpaid');
      assert.match(update.reason ?? '', /paid 24\.99 USD of 25\.00 USD/);
      assert.deepEqual(credits, []);
      assert.deepEqual(await publishedStatuses(k, paid.transactionId), ['underpaid']);
      const [record] = await listVerdicts(k.store);
      assert.equal(record?.verdict, 'underpaid');
      assert.equal(record?.credited, false);
      await eventually(async () => (await inboxState(k, paid.eventId)) === 'dead', 'the event kept as dead for an operator');
      assert.match((await k.store.getInboxEntry(paid.eventId))?.lastError ?? '', /^underpaid: /);
    } finally {
      await k.close();
    }
  });

  it('credits an overpaid transfer and reports it', async () => {
    const { k, credits, nextUpdate } = await verifyingKit();
    try {
      const paid = await paySucceeded(k, (r) => void (r.amountInFiat = '30.00'));
      const update = await nextUpdate();
      assert.equal(update.verdict, 'overpaid');
      assert.deepEqual(credits, [paid.transferId]);
      assert.deepEqual(await publishedStatuses(k, paid.transactionId), ['succeeded']);
      const [record] = await listVerdicts(k.store);
      assert.deepEqual([record?.verdict, record?.credited], ['overpaid', true]);
      assert.ok(k.logs.some((l) => l.level === 'warn' && /paid more than the price/.test(l.message)));
    } finally {
      await k.close();
    }
  });

  it('refuses a transfer Mesh records for another transaction, or to another destination', async () => {
    const { k, credits, nextUpdate } = await verifyingKit();
    try {
      await paySucceeded(k, (r) => void (r.clientTransactionId = 'mp_somebody_else'));
      const wrongTx = await nextUpdate();
      assert.equal(wrongTx.verdict, 'mismatch');
      assert.match(wrongTx.reason ?? '', /mp_somebody_else/);
      await paySucceeded(k, (r) => void (r.destinationAddress = '0x000000000000000000000000000000000000dEaD'));
      const wrongPlace = await nextUpdate();
      assert.equal(wrongPlace.verdict, 'mismatch');
      assert.match(wrongPlace.reason ?? '', /not a destination of this order/);
      assert.deepEqual(credits, []);
      assert.deepEqual((await listVerdicts(k.store)).map((r) => r.verdict), ['mismatch', 'mismatch']);
    } finally {
      await k.close();
    }
  });

  it('waits while Mesh still says pending, and credits once Mesh says succeeded', async () => {
    const { k, credits, nextUpdate } = await verifyingKit({ fulfilment: { baseDelayMs: 5, pollMs: 20, maxAttempts: 1000, leaseMs: 5000 } });
    try {
      let record: { status: string } | undefined;
      const paid = await paySucceeded(k, (r) => {
        r.status = 'pending';
        record = r;
      });
      await eventually(() => k.mesh.transfersQueries.length >= 3, 'the kit asking Mesh again');
      assert.deepEqual(credits, [], 'never credited while Mesh says pending');
      assert.deepEqual(await k.store.statusesSince(paid.transactionId, 0), []);
      record!.status = 'succeeded';
      assert.equal((await nextUpdate()).verdict, 'credit');
      assert.deepEqual(credits, [paid.transferId]);
    } finally {
      await k.close();
    }
  });

  it('while Mesh is unreachable the credit waits, and happens once Mesh answers again', async () => {
    const { k, credits, nextUpdate } = await verifyingKit({
      meshOptions: { timeoutMs: 300 },
      fulfilment: { baseDelayMs: 5, pollMs: 20, maxAttempts: 1000, leaseMs: 5000 },
    });
    try {
      for (const mode of [{ kind: 'server-error' }, { kind: 'drop' }, { kind: 'stall' }] as const) {
        k.mesh.transfersMode = mode;
        const before = k.mesh.transfersQueries.length;
        const paid = await paySucceeded(k, () => {});
        await eventually(
          async () => /MESH_PAY_MESH_(UNAVAILABLE|TIMEOUT)/.test((await k.store.getInboxEntry(paid.eventId))?.lastError ?? ''),
          `a retry scheduled while Mesh is ${mode.kind}`,
        );
        assert.ok(k.mesh.transfersQueries.length > before, 'Mesh was asked');
        assert.deepEqual(credits.filter((c) => c === paid.transferId), [], `nothing credited blind (${mode.kind})`);
        assert.equal((await k.store.getInboxEntry(paid.eventId))?.state, 'pending');
        k.mesh.transfersMode = { kind: 'ok' };
        k.mesh.release();
        assert.equal((await nextUpdate()).verdict, 'credit');
        assert.ok(credits.includes(paid.transferId));
      }
    } finally {
      await k.close();
    }
  });

  it('with verification off, trusts the signed webhook and never asks Mesh', async () => {
    const { k, credits, nextUpdate } = await verifyingKit({ verifyTransfers: false });
    try {
      const paid = await paySucceeded(k, () => 'none');
      assert.equal((await nextUpdate()).verdict, 'credit');
      assert.deepEqual(credits, [paid.transferId]);
      assert.equal(k.mesh.transfersQueries.length, 0);
    } finally {
      await k.close();
    }
  });

  it('refuses a malformed tolerance at start-up', () => {
    for (const bad of ['-1', 'half', '1e3', '', '0.5 USD']) {
      assert.throws(
        () =>
          createMeshPay({
            store: memoryStore(),
            mesh: { clientId: 'id', clientSecret: 'secret' },
            webhookSecret: WEBHOOK_SECRET,
            kitSecret: KIT_SECRET,
            resolveOrder: async () => undefined,
            verifyTransfers: { underpaymentToleranceInFiat: bad },
          }),
        /MESH_PAY_CONFIG_INVALID/,
      );
    }
  });
});

async function inboxState(k: Kit, eventId: string): Promise<string | undefined> {
  return (await k.store.getInboxEntry(eventId))?.state;
}

