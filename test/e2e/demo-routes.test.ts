import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signWebhookBody } from '@mesh-pay/backend-kit';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '@mesh-pay/mesh-sandbox';
import { createLedger } from '../../demo/ledger.js';
import { createDemoApp, type DemoApp, type ListeningDemo } from '../../demo/server.js';
import { DEMO_PRICE } from '../../demo/shop.js';
import { readEventStream } from '../support/sse.js';
import { ShopperClient } from '../support/shopper-client.js';
import { ensureWidgetBundle } from '../support/widget-bundle.js';

/**
 * The demo's own HTTP surface over real HTTP (the server in this process, on a free port): the page
 * and its CSP, the order view, the ledger, and what garbage gets back.
 */

const WEBHOOK_SECRET = 'demo-routes-webhook-secret-0123456789';
let demo: DemoApp;
let server: ListeningDemo;
let base: string;
/** The shopper whose browser pays in these stories (holds the demo's session cookie). */
let shopper: ShopperClient;

before(async () => {
  ensureWidgetBundle();
  demo = await createDemoApp({
    PORT: '0',
    MESH_STORE: 'memory',
    MESH_WEBHOOK_SECRET: WEBHOOK_SECRET,
    MESH_KIT_SECRET: 'demo-routes-kit-secret-0123456789abcdef',
  });
  server = await demo.listen();
  base = server.url;
  shopper = await ShopperClient.visit(base);
});

after(async () => {
  await server?.close();
});

async function problem(res: Response, status: number): Promise<Record<string, unknown>> {
  assert.equal(res.status, status, `expected ${status} from ${res.url}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body.status, status);
  assert.equal(typeof body.title, 'string');
  return body;
}

async function mint(orderId: string): Promise<{ linkToken: string; transactionId: string; statusUrl: string }> {
  const res = await shopper.mint(orderId);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { linkToken: string; transactionId: string; statusUrl: string };
}

function postWebhook(body: string, signature = signWebhookBody(WEBHOOK_SECRET, body)): Promise<Response> {
  return fetch(`${base}/mesh/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Mesh-Signature-256': signature },
    body,
  });
}

/** A Mesh transfer webhook as Mesh spells it. The amount is written raw: more digits than a double holds. */
function webhookBody(fields: { eventId: string; id: string; transferId: string; transactionId: string; status: string; amount?: string }): string {
  const amount = fields.amount ?? '25.000000000000000001';
  return `{"EventId":"${fields.eventId}","Id":"${fields.id}","SentTimestamp":${Math.floor(Date.now() / 1000)},"TransferId":"${fields.transferId}",` +
    `"Timestamp":1763900000,"TransferStatus":"${fields.status}","TransactionId":"${fields.transactionId}",` +
    `"TxHash":"0x${'ab'.repeat(32)}","UserId":"demo-shopper","Token":"${DEMO_PRICE.token}","Chain":"${DEMO_PRICE.chain}",` +
    `"SourceAmount":${amount},"SourceAccountProvider":"Coinbase","DestinationAmount":${amount},` +
    `"DestinationAddress":"${DEMO_PRICE.address}","RefundAddress":null}`;
}

async function ledger(): Promise<{ entries: Record<string, unknown>[] }> {
  const res = await fetch(`${base}/api/ledger`);
  assert.equal(res.status, 200);
  return (await res.json()) as { entries: Record<string, unknown>[] };
}

/** Waits until the kit has finished with an inbox entry (its hooks ran or it gave up). */
/**
 * Has the local sandbox record a transfer as if Mesh had made it (its dev route, not Mesh's API), so
 * the kit's look-up before crediting finds it. Returns Mesh's transfer id, the webhook's TransferId.
 */
async function recordAtSandbox(transactionId: string, status: 'pending' | 'succeeded' | 'failed'): Promise<string> {
  const res = await fetch(`${base}/sandbox/mesh/_sandbox/transfers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Client-Id': SANDBOX_CLIENT_ID, 'X-Client-Secret': SANDBOX_CLIENT_SECRET },
    body: JSON.stringify({ clientTransactionId: transactionId, status }),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return (JSON.parse(text) as { content: { id: string } }).content.id;
}

/** Waits until the inbox entry has been tried and says `pattern` in its lastError. */
async function triedWith(eventId: string, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const entry = await demo.store.getInboxEntry(eventId);
    if (entry && pattern.test(entry.lastError ?? '')) return;
    if (Date.now() > deadline) assert.fail(`inbox entry ${eventId}: ${entry?.state ?? 'missing'}, lastError ${entry?.lastError}`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

async function settled(eventId: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const entry = await demo.store.getInboxEntry(eventId);
    if (entry && entry.state !== 'pending') return;
    if (Date.now() > deadline) assert.fail(`inbox entry ${eventId} still ${entry?.state ?? 'missing'}`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

describe('the shop page', () => {
  it('is served with a strict CSP and carries no inline script or style', async () => {
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-src 'self'", "require-trusted-types-for 'script'", 'trusted-types lit-html']) {
      assert.ok(csp.includes(directive), `CSP lacks ${directive}: ${csp}`);
    }
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length > 0);
    for (const [, attrs, body] of scripts) {
      assert.match(attrs!, /\bsrc="/, 'every script is external');
      assert.equal(body!.trim(), '', 'no inline script');
    }
    assert.equal(scripts.filter(([, attrs]) => /src="\/mesh-pay-button\.js"/.test(attrs!)).length, 1, 'the button loads with one tag');
    assert.match(html, /<script type="module" src="\/mesh-pay-button\.js"><\/script>/);
    assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i, 'no inline style or handler attribute');
    assert.match(html, /<mesh-pay-button\b[^>]*token-url="\/mesh\/link-token"/);
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), [], 'element ids are unique');
  });

  it('serves its script, its stylesheet and the widget bundle from this origin', async () => {
    for (const [path, type] of [['/shop.js', /javascript/], ['/shop.css', /css/], ['/mesh-pay-button.js', /javascript/]] as const) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', type, path);
      await res.arrayBuffer();
    }
  });

  it('describes the one thing the shop sells', async () => {
    const res = await fetch(`${base}/api/shop`);
    const shop = (await res.json()) as Record<string, unknown>;
    assert.equal(shop.amountInFiat, '25.00');
    assert.equal(shop.fiatCurrency, 'USD');
    assert.equal(shop.token, 'USDC');
    assert.equal(shop.chain, 'Ethereum');
    assert.equal(shop.mesh, 'local-sandbox');
  });
});

describe('GET /api/orders/:orderId', () => {
  it('refuses ids that are not order ids with a 400 problem', async () => {
    for (const bad of ['a'.repeat(65), 'has%20space', 'a.b', '%2E%2E%2Fetc', '%00', '%F0%9F%92%B8', 'x%2Fy', "'%3B--", '%3Cscript%3E']) {
      const body = await problem(await fetch(`${base}/api/orders/${bad}`), 400);
      assert.doesNotMatch(JSON.stringify(body), /<script>/, 'input is never echoed');
    }
  });

  it('answers 404 for a well-formed id nobody paid for', async () => {
    await problem(await fetch(`${base}/api/orders/never-seen-${Date.now()}`), 404);
  });

  it('is read-only', async () => {
    const res = await fetch(`${base}/api/orders/x`, { method: 'POST', body: '{}' });
    await problem(res, 405);
    assert.match(res.headers.get('allow') ?? '', /GET/);
  });

  it('shows the server-priced order as soon as a token is minted, awaiting payment', async () => {
    const { transactionId } = await mint('order-awaiting');
    const res = await shopper.order('order-awaiting');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      orderId: 'order-awaiting',
      transactionId,
      amountInFiat: '25.00',
      token: 'USDC',
      chain: 'Ethereum',
      destinationAddress: DEMO_PRICE.address,
      status: 'awaiting_payment',
    });
  });
});

describe('the ledger', () => {
  it('is read-only and ignores query garbage', async () => {
    await problem(await fetch(`${base}/api/ledger`, { method: 'DELETE' }), 405);
    await problem(await fetch(`${base}/api/ledger`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"entries":[{}]}' }), 405);
    const res = await fetch(`${base}/api/ledger?limit=-1&orderId[$ne]=x`);
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(((await res.json()) as { entries: unknown }).entries));
  });

  it('credits once when Mesh retries, duplicates and re-sends the succeeded webhook, keeping the exact amount', async () => {
    const { transactionId, statusUrl } = await mint('order-retried');
    // Mesh made this transfer (here: the sandbox records it), so the kit's look-up confirms it.
    const transferId = await recordAtSandbox(transactionId, 'succeeded');
    const before = (await ledger()).entries.length;

    assert.equal((await postWebhook(webhookBody({ eventId: 'ev-p', id: 'd1', transferId, transactionId, status: 'pending' }))).status, 200);
    const succeeded = webhookBody({ eventId: 'ev-s', id: 'd2', transferId, transactionId, status: 'succeeded' });
    assert.equal((await postWebhook(succeeded)).status, 200);
    // Mesh's retry of the same event: same EventId, new Id.
    assert.equal((await postWebhook(webhookBody({ eventId: 'ev-s', id: 'd3', transferId, transactionId, status: 'succeeded' }))).status, 200);
    // A second succeeded event for the same transfer (new EventId): still the same TransferId.
    assert.equal((await postWebhook(webhookBody({ eventId: 'ev-s2', id: 'd4', transferId, transactionId, status: 'succeeded' }))).status, 200);

    const messages = await readEventStream(`${base}${statusUrl}`, (m) => JSON.parse(m.data).status === 'succeeded');
    assert.equal(JSON.parse(messages.at(-1)!.data).sourceAmount, '25.000000000000000001');
    await settled('ev-s');
    await settled('ev-s2');

    const entries = (await ledger()).entries.filter((e) => e.transferId === transferId);
    assert.equal(entries.length, 1, 'exactly one credit for the transfer');
    assert.equal((await ledger()).entries.length, before + 1);
    assert.deepEqual({ ...entries[0], creditedAt: undefined }, {
      orderId: 'order-retried',
      transactionId,
      transferId,
      token: 'USDC',
      chain: 'Ethereum',
      sourceAmount: '25.000000000000000001',
      txHash: `0x${'ab'.repeat(32)}`,
      creditedAt: undefined,
    });
    assert.ok(!Number.isNaN(Date.parse(String(entries[0]!.creditedAt))));

    const order = (await (await shopper.order('order-retried')).json()) as Record<string, unknown>;
    assert.equal(order.status, 'succeeded');
  });

  it('credits again, once, if the fulfilment hook is re-run for a transfer after a crash', async () => {
    const entries = (await ledger()).entries;
    const credited = entries.find((e) => e.orderId === 'order-retried')!;
    // What a re-run after a crash does: the kit calls the hook again for the same transfer.
    const rerun = createLedger(demo.store, { log: () => {} });
    const made = await rerun.onTransferSucceeded({
      event: { transferId: String(credited.transferId), transactionId: String(credited.transactionId), sourceAmount: '25.000000000000000001', token: 'USDC', chain: 'Ethereum' },
      transaction: { orderId: 'order-retried' },
    });
    assert.equal(made, false, 'the re-run made no second credit');
    assert.equal((await ledger()).entries.filter((e) => e.transferId === credited.transferId).length, 1);
  });

  it('credits nothing for a signed succeeded Mesh never made (a leaked secret): the credit waits on Mesh', async () => {
    const { transactionId } = await mint('order-leaked-secret');
    const before = (await ledger()).entries.length;
    const signed = webhookBody({ eventId: 'ev-leak', id: 'l1', transferId: 'b3c1a2d4-0000-4000-8000-00000000dead', transactionId, status: 'succeeded' });
    assert.equal((await postWebhook(signed)).status, 200, 'acknowledged: it is signed and names our transaction');
    await triedWith('ev-leak', /MESH_PAY_TRANSFER_UNCONFIRMED|lists no transfer/);
    assert.equal((await demo.store.getInboxEntry('ev-leak'))?.state, 'pending', 'kept and retried, never credited blind');
    assert.equal((await ledger()).entries.length, before);
    const order = (await (await fetch(`${base}/api/orders/order-leaked-secret`)).json()) as Record<string, unknown>;
    assert.notEqual(order.status, 'succeeded');
  });

  it('credits nothing for a forged or failed webhook', async () => {
    const { transactionId } = await mint('order-forged');
    const before = (await ledger()).entries.length;
    const forged = webhookBody({ eventId: 'ev-f', id: 'f1', transferId: 'tr_forged', transactionId, status: 'succeeded' });
    await problem(await postWebhook(forged, signWebhookBody('not-the-secret', forged)), 401);
    await problem(await postWebhook(forged, ''), 401);

    const failed = webhookBody({ eventId: 'ev-x', id: 'x1', transferId: 'tr_failed', transactionId, status: 'failed' });
    assert.equal((await postWebhook(failed)).status, 200);
    await settled('ev-x');
    assert.equal((await ledger()).entries.length, before);
    const order = (await (await shopper.order('order-forged')).json()) as Record<string, unknown>;
    assert.equal(order.status, 'failed');
  });
});

describe('anything else', () => {
  it('gets a 404 problem under /api and a plain 404 elsewhere', async () => {
    await problem(await fetch(`${base}/api/nope`), 404);
    const res = await fetch(`${base}/../../etc/passwd`);
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  });
});
