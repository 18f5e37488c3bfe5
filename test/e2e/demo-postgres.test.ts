import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signWebhookBody } from '@mesh-pay/backend-kit';
import { DEMO_PRICE } from '../../demo/shop.js';
import { startDemo, type DemoProcess, type DemoProcessOptions } from '../support/demo-process.js';
import { ShopperClient } from '../support/shopper-client.js';
import { readEventStream, type SseMessage } from '../support/sse.js';
import { startPostgresServer, type PostgresServer } from '../../packages/backend-kit/test/postgres-server.js';

/**
 * A deployment of two demo instances on one PostgreSQL (MESH_STORE=postgres://…), run as real
 * processes: what a merchant who picked PostgreSQL gets. A webhook on one instance reaches a shopper's
 * stream on the other, in order; a storm of duplicate deliveries across both credits every transfer
 * once; an instance killed inside its fulfilment hook and PostgreSQL killed after acknowledging lose
 * nothing and double nothing. The demo's ledger is a PostgreSQL table written through the hook's
 * `args.tx`, so "credited" (a ledger row) and the kit's credit mark must always agree.
 */

let postgres: PostgresServer;
const running: DemoProcess[] = [];

before(async () => {
  postgres = await startPostgresServer();
});
after(async () => {
  await Promise.allSettled(running.map((d) => d.stop()));
  await postgres?.stop();
});

const SECRETS = { webhookSecret: 'pg-webhook-secret-0123456789abcdef', kitSecret: 'pg-kit-secret-0123456789abcdefghijklmnop' };

async function instance(database: string, options: DemoProcessOptions = {}): Promise<DemoProcess> {
  // These stories sign their own webhooks (as the scale suite does), so no Mesh ever made their
  // transfers: verification with Mesh is off here; checkout.test.ts proves it on the real path.
  const demo = await startDemo({ store: database, ...SECRETS, ...options, env: { MESH_VERIFY_TRANSFERS: 'off', ...options.env } });
  running.push(demo);
  return demo;
}

/** A shopper opens the shop on `to` and starts paying `orderId` (their session cookie, as the button would). */
async function mint(to: DemoProcess, orderId: string): Promise<{ transactionId: string; statusUrl: string }> {
  const shopper = await ShopperClient.visit(to.url);
  const res = await shopper.mint(orderId);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { transactionId: string; statusUrl: string };
}

interface Delivery {
  eventId: string;
  transferId: string;
  transactionId: string;
  status: string;
}

/** Mesh's webhook body, PascalCase, amounts as JSON numbers longer than a double holds. */
function body(d: Delivery, attempt: string): string {
  return (
    `{"EventId":"${d.eventId}","Id":"${attempt}","TransferId":"${d.transferId}","TransferStatus":"${d.status}",` +
    `"TransactionId":"${d.transactionId}","TxHash":"0x${'ab'.repeat(32)}","Token":"USDC","Chain":"Ethereum",` +
    `"SourceAmount":25.100000000000000000001,"DestinationAmount":25.100000000000000000001,"DestinationAddress":"${DEMO_PRICE.address}"}`
  );
}

async function deliver(to: DemoProcess, d: Delivery, attempt: string): Promise<number> {
  const text = body(d, attempt);
  const res = await fetch(`${to.url}/mesh/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Mesh-Signature-256': signWebhookBody(SECRETS.webhookSecret, text) },
    body: text,
  });
  await res.arrayBuffer();
  return res.status;
}

async function waitFor<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: unknown;
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * What the database says, read directly and in one statement (one snapshot): the demo's ledger
 * rows, the kit's credit marks, and how many inbox entries are not settled yet.
 */
async function books(database: string) {
  const [row] = await postgres.query<{ ledger: string[] | null; marks: string[] | null; unsettled: number }>(
    `SELECT (SELECT array_agg(transfer_id ORDER BY transfer_id) FROM demo_ledger) AS ledger,
            (SELECT array_agg(key ORDER BY key) FROM mesh_pay.marks WHERE scope = 'credit') AS marks,
            (SELECT count(*)::int FROM mesh_pay.inbox WHERE state <> 'done') AS unsettled`,
    [],
    database,
  );
  return { ledger: row?.ledger ?? [], marks: row?.marks ?? [], unsettled: row?.unsettled ?? 0 };
}

async function ledgerOf(demo: DemoProcess): Promise<{ transferId: string; sourceAmount: string }[]> {
  const res = await fetch(`${demo.url}/api/ledger`);
  return ((await res.json()) as { entries: { transferId: string; sourceAmount: string }[] }).entries;
}

describe('two demo instances on one PostgreSQL', () => {
  it('a webhook on instance A reaches a shopper\'s stream on instance B, every status in order', async () => {
    const database = await postgres.createDatabase('stream');
    const [a, b] = await Promise.all([instance(database), instance(database)]);
    const { transactionId, statusUrl } = await mint(a, 'order-stream');
    const d = (status: string): Delivery => ({ eventId: `ev-stream-${status}`, transferId: 'tr-stream', transactionId, status });
    assert.equal(await deliver(a, d('pending'), 'a1'), 200);
    await waitFor(async () => (await postgres.query(`SELECT 1 FROM mesh_pay.statuses`, [], database)).length === 1, 'pending to be published');

    // The stream on B opens on "pending" (the current status); only then do the next two land on A.
    let sent = false;
    const messages = await readEventStream(
      `${b.url}${statusUrl}`,
      (m: SseMessage) => {
        if (!sent) {
          sent = true;
          void (async () => {
            assert.equal(await deliver(a, d('processing'), 'a2'), 200);
            await waitFor(async () => (await postgres.query(`SELECT 1 FROM mesh_pay.statuses`, [], database)).length === 2, 'processing');
            assert.equal(await deliver(a, d('succeeded'), 'a3'), 200);
          })();
        }
        return JSON.parse(m.data).status === 'succeeded';
      },
      { timeoutMs: 60_000 },
    );
    assert.deepEqual(
      messages.map((m) => [m.id, JSON.parse(m.data).status]),
      [['1', 'pending'], ['2', 'processing'], ['3', 'succeeded']],
    );
    assert.equal(JSON.parse(messages[2]!.data).sourceAmount, '25.100000000000000000001');
    const { ledger, marks } = await books(database);
    assert.deepEqual(ledger, ['tr-stream']);
    assert.deepEqual(marks, ['tr-stream']);
  });

  it('a storm of duplicate deliveries across both instances credits each of 12 transfers exactly once', async () => {
    const database = await postgres.createDatabase('storm');
    const [a, b] = await Promise.all([instance(database), instance(database)]);
    const orders = await Promise.all(Array.from({ length: 12 }, (_, i) => mint(i % 2 ? a : b, `order-storm-${i}`)));
    const requests: Promise<number>[] = [];
    orders.forEach(({ transactionId }, i) => {
      const once: Delivery = { eventId: `ev-storm-${i}`, transferId: `tr-storm-${i}`, transactionId, status: 'succeeded' };
      // Mesh's retries of one event (same EventId, new Id) to both instances, and a second event
      // (another EventId) saying the same thing about the same transfer.
      for (let k = 0; k < 3; k++) {
        requests.push(deliver(a, once, `a-${i}-${k}`), deliver(b, once, `b-${i}-${k}`));
      }
      const again = { ...once, eventId: `ev-storm-${i}-again` };
      requests.push(deliver(a, again, `a-${i}-again`), deliver(b, again, `b-${i}-again`));
    });
    const answers = await Promise.all(requests);
    assert.deepEqual([...new Set(answers)], [200], 'every delivery acknowledged');

    const settled = await waitFor(async () => {
      const state = await books(database);
      return state.unsettled === 0 && state.ledger.length === 12 ? state : undefined;
    }, 'all 24 events to settle and 12 credits');
    const expected = orders.map((_, i) => `tr-storm-${i}`).sort();
    assert.deepEqual(settled.ledger, expected, 'one ledger row per transfer');
    assert.deepEqual(settled.marks, expected);
    for (const demo of [a, b]) assert.equal((await ledgerOf(demo)).length, 12, `12 credits seen from ${demo.url}`);
    for (const { transactionId } of orders) {
      const rows = await postgres.query<{ json: string }>('SELECT json FROM mesh_pay.statuses WHERE transaction_id = $1', [transactionId], database);
      assert.deepEqual(rows.map((r) => JSON.parse(r.json).status), ['succeeded'], 'published once');
    }
  });

  it('an instance SIGKILLed inside its fulfilment hook: nothing credited until another takes over, then once', async () => {
    const database = await postgres.createDatabase('killed');
    // A's hook takes 5 s, so the kill lands inside it; B is started only after A has claimed the event.
    const a = await instance(database, { creditDelayMs: 5000 });
    const { transactionId } = await mint(a, 'order-killed');
    const d: Delivery = { eventId: 'ev-killed', transferId: 'tr-killed', transactionId, status: 'succeeded' };
    assert.equal(await deliver(a, d, 'a1'), 200);
    await waitFor(async () => {
      const rows = await postgres.query<{ attempts: number }>(`SELECT attempts FROM mesh_pay.inbox WHERE event_id = 'ev-killed'`, [], database);
      return (rows[0]?.attempts ?? 0) >= 1;
    }, 'A to claim the event');
    a.child.kill('SIGKILL');
    await new Promise((resolve) => (a.child.exitCode !== null || a.child.signalCode !== null ? resolve(undefined) : a.child.once('exit', resolve)));
    const afterKill = await books(database);
    assert.deepEqual([afterKill.ledger, afterKill.marks], [[], []], 'neither credit nor mark survived the kill');

    const b = await instance(database);
    // B takes the entry once A's lease (15 s) has lapsed.
    const done = await waitFor(async () => {
      const state = await books(database);
      return state.unsettled === 0 && state.ledger.length > 0 ? state : undefined;
    }, 'B to credit the order');
    assert.deepEqual(done.ledger, ['tr-killed']);
    assert.deepEqual(done.marks, ['tr-killed']);
    assert.equal((await ledgerOf(b)).length, 1);
  });

  it('PostgreSQL SIGKILLed after acknowledging 10 webhooks: after its restart all 10 are credited, once each', async () => {
    const database = await postgres.createDatabase('crashdb');
    // Slow hooks, so PostgreSQL dies with work in flight as well as work still queued.
    const [a, b] = await Promise.all([instance(database, { creditDelayMs: 1500 }), instance(database, { creditDelayMs: 1500 })]);
    const orders = await Promise.all(Array.from({ length: 10 }, (_, i) => mint(i % 2 ? a : b, `order-crash-${i}`)));
    const answers = await Promise.all(
      orders.map(({ transactionId }, i) =>
        deliver(i % 2 ? b : a, { eventId: `ev-crash-${i}`, transferId: `tr-crash-${i}`, transactionId, status: 'succeeded' }, `x-${i}`),
      ),
    );
    assert.deepEqual([...new Set(answers)], [200], 'all 10 acknowledged before the crash');

    await postgres.kill9();
    await postgres.restart();

    const settled = await waitFor(async () => {
      const state = await books(database);
      return state.unsettled === 0 && state.ledger.length >= 10 ? state : undefined;
    }, 'all 10 to be credited after the restart', 180_000);
    const expected = orders.map((_, i) => `tr-crash-${i}`).sort();
    assert.deepEqual(settled.ledger, expected);
    assert.deepEqual(settled.marks, expected);
    for (const demo of [a, b]) {
      assert.equal(demo.child.exitCode ?? demo.child.signalCode, null, `the instance outlived its database:\n${demo.output()}`);
      assert.equal((await ledgerOf(demo)).length, 10);
    }
  });
});
