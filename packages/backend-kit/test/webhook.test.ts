/**
 * Mesh's webhook as an attacker, a flaky network and a crashing merchant would meet it: only
 * correctly signed bodies get in, every accepted event is stored before the 200, and a transfer is
 * credited once, whatever the duplicates, order, retries or restarts.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { SucceededHookArgs, UpdateHookArgs } from '../src/index.js';
import { memoryStore } from '../src/memory-store.js';
import { signWebhookBody } from '../src/webhook-verify.js';
import { startFakeMesh } from './fake-mesh.js';
import { SseClient, WEBHOOK_SECRET, eventually, gate, mint, postWebhook, startKit, webhookBody, type Kit } from './harness.js';

async function problem(res: Response) {
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  return (await res.json()) as { type: string; title: string; status: number; detail: string; code: string };
}

describe('webhook signatures', () => {
  let k: Kit;
  let txId: string;
  before(async () => {
    k = await startKit();
    txId = (await mint(k)).transactionId;
  });
  after(() => k.close());

  const inboxHas = async (eventId: string) => (await k.store.getInboxEntry(eventId)) !== undefined;

  it('rejects a body signed with another secret (forged) with 401 and stores nothing', async () => {
    const eventId = randomUUID();
    const body = webhookBody({ transactionId: txId, status: 'succeeded', eventId });
    const res = await postWebhook(k, body, { signature: signWebhookBody('not-the-secret', body) });
    assert.equal(res.status, 401);
    assert.equal((await problem(res)).code, 'MESH_PAY_SIGNATURE_INVALID');
    assert.equal(await inboxHas(eventId), false);
  });

  it('rejects a correctly signed body that was changed afterwards (tampered amount)', async () => {
    const eventId = randomUUID();
    const body = webhookBody({ transactionId: txId, status: 'succeeded', eventId, sourceAmount: '1.00' });
    const signature = signWebhookBody(WEBHOOK_SECRET, body);
    const tampered = body.replace('1.00', '1000.00');
    assert.notEqual(tampered, body);
    assert.equal((await postWebhook(k, tampered, { signature })).status, 401);
    assert.equal(await inboxHas(eventId), false);
  });

  it('rejects a missing, empty or malformed signature header', async () => {
    const body = webhookBody({ transactionId: txId, status: 'pending' });
    for (const signature of [null, '', 'sha256=abc', 'x'.repeat(500), signWebhookBody(WEBHOOK_SECRET, body).slice(0, -2)]) {
      const res = await postWebhook(k, body, { signature });
      assert.equal(res.status, 401, `signature ${JSON.stringify(signature)}`);
      assert.equal((await problem(res)).code, 'MESH_PAY_SIGNATURE_INVALID');
    }
  });

  it('rejects a re-serialized body: the signature covers the exact bytes, not the JSON meaning', async () => {
    const eventId = randomUUID();
    const body = webhookBody({ transactionId: txId, status: 'pending', eventId });
    const signature = signWebhookBody(WEBHOOK_SECRET, body);
    const reserialized = JSON.stringify(JSON.parse(body), null, 2);
    assert.equal((await postWebhook(k, reserialized, { signature })).status, 401);
    assert.equal((await postWebhook(k, `${body} `, { signature })).status, 401);
    assert.equal(await inboxHas(eventId), false);
  });

  it('accepts the signature header in any letter case', async () => {
    for (const headerName of ['x-mesh-signature-256', 'X-MESH-SIGNATURE-256', 'X-Mesh-Signature-256']) {
      const res = await postWebhook(k, webhookBody({ transactionId: txId, status: 'pending' }), { headerName });
      assert.equal(res.status, 200, headerName);
    }
  });

  it('answers 200 to a replay (same EventId, new delivery Id) and keeps one inbox entry', async () => {
    const eventId = randomUUID();
    const first = await postWebhook(k, webhookBody({ transactionId: txId, status: 'pending', eventId }));
    assert.deepEqual(await first.json(), { received: true, duplicate: false });
    const replay = await postWebhook(k, webhookBody({ transactionId: txId, status: 'pending', eventId, id: randomUUID() }));
    assert.equal(replay.status, 200);
    assert.deepEqual(await replay.json(), { received: true, duplicate: true });
  });

  it('refuses a body over 64 KiB with 413 before checking anything else', async () => {
    const body = Buffer.alloc(64 * 1024 + 1, 0x20);
    const res = await postWebhook(k, body);
    assert.equal(res.status, 413);
    assert.equal((await problem(res)).code, 'MESH_PAY_PAYLOAD_TOO_LARGE');
    // Exactly 64 KiB is read (and then judged on its signature and content).
    const atLimit = Buffer.concat([Buffer.from(webhookBody({ transactionId: txId, status: 'pending' })), Buffer.alloc(0)]);
    const padded = Buffer.concat([atLimit, Buffer.alloc(64 * 1024 - atLimit.length, 0x20)]);
    assert.equal(padded.length, 64 * 1024);
    assert.equal((await postWebhook(k, padded)).status, 200);
  });

  it('answers 400 to correctly signed garbage and stores nothing', async () => {
    const bodies = [
      '{"EventId": "e1", ',
      'not json',
      '[]',
      '"just a string"',
      '{}',
      JSON.stringify({ EventId: 'g1', Id: 'g1', TransferId: 't', TransactionId: txId }),
      JSON.stringify({ EventId: 'g2', Id: 'g2', TransferId: 't', TransactionId: txId, TransferStatus: 'succeeded', SourceAmount: 'lots' }),
      JSON.stringify({ EventId: { $gt: '' }, Id: 'g3', TransferId: 't', TransactionId: txId, TransferStatus: 'succeeded' }),
      '{"__proto__": {"polluted": true}, "EventId": "g4"}',
      '['.repeat(5000),
      '',
    ];
    for (const body of bodies) {
      const res = await postWebhook(k, body);
      assert.equal(res.status, 400, body.slice(0, 40));
      assert.equal((await problem(res)).code, 'MESH_PAY_INVALID_EVENT');
    }
    assert.equal(await inboxHas('g1'), false);
    assert.equal(await inboxHas('g2'), false);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('fulfilment: credit exactly once', () => {
  it('credits once across duplicates and out-of-order delivery (succeeded before pending), and the stream never moves back', async () => {
    const credits: SucceededHookArgs[] = [];
    const updates: UpdateHookArgs[] = [];
    const k = await startKit({
      onTransferSucceeded: ({ idempotencyKey, ...rest }) => void credits.push({ idempotencyKey, ...rest }),
      onTransferUpdate: (u) => void updates.push(u),
    });
    try {
      const minted = await mint(k);
      const t = minted.transactionId;
      const succeededId = randomUUID();
      const succeeded = webhookBody({ transactionId: t, status: 'succeeded', eventId: succeededId, transferId: 'tr-ooo' });
      assert.equal((await postWebhook(k, succeeded)).status, 200);
      await eventually(() => updates.length === 1, 'the succeeded event to be processed');
      // Then, late and all at once: Mesh's retry of it, the pending that was overtaken, a second
      // EventId for the same success (camelCase this time), and another retry.
      const late = [
        webhookBody({ transactionId: t, status: 'succeeded', eventId: succeededId, transferId: 'tr-ooo' }),
        webhookBody({ transactionId: t, status: 'pending', transferId: 'tr-ooo' }),
        webhookBody({ transactionId: t, status: 'succeeded', transferId: 'tr-ooo', camelCase: true }),
        webhookBody({ transactionId: t, status: 'succeeded', eventId: succeededId, transferId: 'tr-ooo' }),
      ];
      const answers = await Promise.all(late.map((body) => postWebhook(k, body)));
      assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 200]);
      await eventually(() => updates.length === 3, 'three distinct events to be processed');

      assert.equal(credits.length, 1);
      assert.equal(credits[0]!.idempotencyKey, 'tr-ooo');
      const history = await k.store.statusesSince(t, 0);
      assert.deepEqual(history.map((h) => h.update.status), ['succeeded']);
      const stream = await SseClient.open(`${k.url}${minted.statusUrl}`);
      await stream.until((s) => s.ended, 'the stream to end on the terminal status');
      assert.deepEqual(stream.statuses().map((s) => s.update.status), ['succeeded']);
    } finally {
      await k.close();
    }
  });

  it('never appends anything after a terminal status, even when a batch holds both orders of events', async () => {
    const store = memoryStore();
    // Restarting the merchant's server does not restart Mesh: both kits ask the same one.
    const mesh = await startFakeMesh();
    const paused = await startKit({ store, start: false, fakeMesh: mesh });
    const t = (await mint(paused)).transactionId;
    // Delivered while no worker runs: the next claim hands them out together.
    await postWebhook(paused, webhookBody({ transactionId: t, status: 'succeeded', transferId: 'tr-batch' }));
    await postWebhook(paused, webhookBody({ transactionId: t, status: 'pending', transferId: 'tr-batch' }));
    await postWebhook(paused, webhookBody({ transactionId: t, status: 'processing', transferId: 'tr-batch' }));
    await paused.close({ closeStore: false });
    let credits = 0;
    const k = await startKit({ store, fakeMesh: mesh, onTransferSucceeded: () => void credits++ });
    try {
      await eventually(async () => (await k.store.statusesSince(t, 0)).some((s) => s.update.status === 'succeeded'), 'succeeded');
      await k.kit.close();
      const history = (await k.store.statusesSince(t, 0)).map((s) => s.update.status);
      assert.equal(history.at(-1), 'succeeded', history.join(','));
      assert.equal(credits, 1);
    } finally {
      await k.close();
      await mesh.close();
    }
  });

  it('retries a merchant hook that throws, then credits once when it succeeds', async () => {
    let calls = 0;
    const credited = gate<string>();
    const k = await startKit({
      onTransferSucceeded: async ({ idempotencyKey }) => {
        calls++;
        if (calls < 3) throw new Error(`ledger database unavailable (attempt ${calls})`);
        credited.open(idempotencyKey);
      },
    });
    try {
      const t = (await mint(k)).transactionId;
      const eventId = randomUUID();
      assert.equal((await postWebhook(k, webhookBody({ transactionId: t, status: 'succeeded', eventId, transferId: 'tr-retry' }))).status, 200);
      assert.equal(await credited.promise, 'tr-retry');
      await eventually(async () => (await k.store.getInboxEntry(eventId))?.state === 'done', 'the entry to settle');
      const entry = await k.store.getInboxEntry(eventId);
      assert.equal(entry?.attempts, 3);
      assert.equal(calls, 3);
      assert.equal(await k.store.hasMark('credit', 'tr-retry'), true);
      assert.ok(k.logs.some((l) => l.level === 'warn' && /will retry/.test(l.message)));
      // A late duplicate of the same success does not run the hook again.
      await postWebhook(k, webhookBody({ transactionId: t, status: 'succeeded', transferId: 'tr-retry' }));
      await eventually(async () => (await k.store.statusesSince(t, 0)).length === 1, 'status log');
      await k.kit.close();
      assert.equal(calls, 3);
    } finally {
      await k.close();
    }
  });

  it('gives up after maxAttempts, keeps the entry as dead and says so in the log', async () => {
    const k = await startKit({
      fulfilment: { maxAttempts: 2, baseDelayMs: 1, pollMs: 10 },
      onTransferSucceeded: async () => {
        throw new Error('always broken');
      },
    });
    try {
      const t = (await mint(k)).transactionId;
      const eventId = randomUUID();
      await postWebhook(k, webhookBody({ transactionId: t, status: 'succeeded', eventId }));
      await eventually(async () => (await k.store.getInboxEntry(eventId))?.state === 'dead', 'the entry to die');
      const entry = await k.store.getInboxEntry(eventId);
      assert.equal(entry?.attempts, 2);
      assert.match(entry?.lastError ?? '', /always broken/);
      assert.ok(k.logs.some((l) => l.level === 'error' && /giving up/.test(l.message)));
    } finally {
      await k.close();
    }
  });

  it('never credits a succeeded transfer whose destination, token or chain differs from the order', async () => {
    const credits: string[] = [];
    const updates: UpdateHookArgs[] = [];
    const k = await startKit({
      onTransferSucceeded: ({ idempotencyKey }) => void credits.push(idempotencyKey),
      onTransferUpdate: (u) => void updates.push(u),
    });
    try {
      const minted = await mint(k);
      const t = minted.transactionId;
      const wrong = [
        { transferId: 'mm-address', destinationAddress: '0x000000000000000000000000000000000000dEaD' },
        { transferId: 'mm-token', token: 'USDT' },
        { transferId: 'mm-chain', chain: 'Polygon' },
      ];
      for (const w of wrong) await postWebhook(k, webhookBody({ transactionId: t, status: 'succeeded', ...w }));
      await eventually(() => updates.length === 3, 'the mismatches to be processed');
      assert.deepEqual(credits, []);
      assert.deepEqual(updates.map((u) => u.verdict), ['mismatch', 'mismatch', 'mismatch']);
      for (const w of wrong) assert.equal(await k.store.hasMark('credit', w.transferId), false);
      const statuses = await k.store.statusesSince(t, 0);
      assert.ok(statuses.every((s) => s.update.status === 'mismatch'));
      assert.ok(k.logs.some((l) => l.level === 'error' && /does not match/.test(l.message)));

      // The same address in another letter case, and token/chain case, is the same destination.
      await postWebhook(
        k,
        webhookBody({ transactionId: t, status: 'succeeded', transferId: 'ok-case', destinationAddress: '0x52908400098527886e0f7030069857d2e4169ee7', token: 'usdc', chain: 'ETHEREUM' }),
      );
      await eventually(() => credits.length === 1, 'the matching transfer to be credited');
      assert.deepEqual(credits, ['ok-case']);
    } finally {
      await k.close();
    }
  });

  it('resumes events left in the inbox by a crashed instance when a new kit starts', async () => {
    const store = memoryStore();
    // The first instance acknowledges webhooks but its worker never runs (it "crashes" before fulfilment).
    const mesh = await startFakeMesh();
    const crashed = await startKit({ store, start: false, fakeMesh: mesh });
    const t = (await mint(crashed)).transactionId;
    const eventId = randomUUID();
    assert.equal((await postWebhook(crashed, webhookBody({ transactionId: t, status: 'succeeded', eventId, transferId: 'tr-crash' }))).status, 200);
    await crashed.close({ closeStore: false });
    assert.equal((await store.getInboxEntry(eventId))?.state, 'pending');

    const credited = gate<string>();
    const restarted = await startKit({ store, fakeMesh: mesh, onTransferSucceeded: ({ idempotencyKey }) => credited.open(idempotencyKey) });
    try {
      assert.equal(await credited.promise, 'tr-crash');
    } finally {
      await restarted.close();
      await mesh.close();
    }
  });

  it('only accepts webhooks from allow-listed IPs, honouring trust proxy', async () => {
    const k = await startKit({
      webhookAllowIps: ['20.22.113.37'],
      configureApp: (app) => app.set('trust proxy', 'loopback'),
    });
    try {
      const t = (await mint(k)).transactionId;
      const body = () => webhookBody({ transactionId: t, status: 'pending' });
      const direct = await postWebhook(k, body());
      assert.equal(direct.status, 403);
      assert.equal((await problem(direct)).code, 'MESH_PAY_SOURCE_FORBIDDEN');
      assert.equal((await postWebhook(k, body(), { headers: { 'X-Forwarded-For': '20.22.113.37' } })).status, 200);
      assert.equal((await postWebhook(k, body(), { headers: { 'X-Forwarded-For': '6.6.6.6' } })).status, 403);
      // Refused for its source, and for nothing else: not also logged (and counted) as an unreadable body.
      assert.deepEqual(
        k.logs.filter((l) => /refused|allow-list/.test(l.message)).map((l) => (l.meta as { reason?: string } | undefined)?.reason ?? l.message),
        ['mesh-pay: webhook from a source outside the allow-list', 'mesh-pay: webhook from a source outside the allow-list'],
      );
    } finally {
      await k.close();
    }
    // Without trust proxy, a forged X-Forwarded-For is not believed.
    const strict = await startKit({ webhookAllowIps: ['20.22.113.37'] });
    try {
      const t = (await mint(strict)).transactionId;
      const res = await postWebhook(strict, webhookBody({ transactionId: t, status: 'pending' }), { headers: { 'X-Forwarded-For': '20.22.113.37' } });
      assert.equal(res.status, 403);
    } finally {
      await strict.close();
    }
  });
});

describe('fulfilment concurrency', () => {
  it("does not hold other transactions' events behind one slow merchant hook", async () => {
    const release = gate();
    const credited: string[] = [];
    const secondCredited = gate();
    const k = await startKit({
      onTransferSucceeded: async ({ idempotencyKey }) => {
        if (idempotencyKey === 'tr-stuck') await release.promise;
        credited.push(idempotencyKey);
        if (idempotencyKey === 'tr-quick') secondCredited.open();
      },
    });
    try {
      const stuck = (await mint(k)).transactionId;
      const quick = (await mint(k)).transactionId;
      await postWebhook(k, webhookBody({ transactionId: stuck, status: 'succeeded', transferId: 'tr-stuck' }));
      await postWebhook(k, webhookBody({ transactionId: quick, status: 'succeeded', transferId: 'tr-quick' }));
      await secondCredited.promise;
      assert.deepEqual(credited, ['tr-quick']);
      release.open();
      await eventually(() => credited.length === 2, 'the slow credit');
    } finally {
      release.open();
      await k.close();
    }
  });
});
