import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signWebhookBody } from '@mesh-pay/backend-kit';
import { DEMO_PRICE } from '../../demo/shop.js';
import { createDemoApp, type DemoApp, type ListeningDemo } from '../../demo/server.js';
import { SESSION_COOKIE_NAME, ShopperClient } from '../support/shopper-client.js';
import { ensureWidgetBundle } from '../support/widget-bundle.js';

/**
 * Who may see and pay an order in the demo, over real HTTP. Findings from an attack on the running
 * demo, each a story here: knowing someone's order id (the ledger lists them all) used to hand out
 * that customer's exchange access tokens and their order; a new token for a paid order flipped it
 * back to "awaiting payment". Now each browser is a shopper with a signed session cookie, an order
 * belongs to the session that first asked to pay it, and return-user tokens follow the shopper.
 */

const WEBHOOK_SECRET = 'shopper-sessions-webhook-secret-0123456789';
const KIT_SECRET = 'shopper-sessions-kit-secret-0123456789abcdef';
const scratch = mkdtempSync(join(tmpdir(), 'mesh-pay-sessions-'));

/** A demo instance; instances given the same sqlite file and kit secret form one deployment. */
async function startShop(store = 'memory'): Promise<{ demo: DemoApp; server: ListeningDemo; url: string }> {
  const demo = await createDemoApp({
    PORT: '0',
    MESH_STORE: store,
    MESH_WEBHOOK_SECRET: WEBHOOK_SECRET,
    MESH_KIT_SECRET: KIT_SECRET,
    // These stories sign their own webhooks; the sandbox has no transfer behind them.
    MESH_VERIFY_TRANSFERS: 'off',
  });
  const server = await demo.listen();
  return { demo, server, url: server.url };
}

let shop: Awaited<ReturnType<typeof startShop>>;

before(async () => {
  ensureWidgetBundle();
  shop = await startShop();
});

after(async () => {
  await shop?.server.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function json(res: Response): Promise<any> {
  return res.json();
}

async function problem(res: Response, status: number): Promise<{ code?: string; title: string }> {
  assert.equal(res.status, status, `expected ${status} from ${res.url}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  return (await res.json()) as { code?: string; title: string };
}

/** Mesh's succeeded webhook for a transaction, signed. */
function paid(transactionId: string, transferId: string): Promise<Response> {
  const body =
    `{"EventId":"ev-${transferId}","Id":"d-${transferId}","SentTimestamp":1763900000,"TransferId":"${transferId}",` +
    `"Timestamp":1763900000,"TransferStatus":"Succeeded","TransactionId":"${transactionId}","TxHash":"0x${'cd'.repeat(32)}",` +
    `"Token":"${DEMO_PRICE.token}","Chain":"${DEMO_PRICE.chain}","SourceAmount":25.5,"DestinationAmount":25.5,` +
    `"DestinationAddress":"${DEMO_PRICE.address}"}`;
  return fetch(`${shop.url}/mesh/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Mesh-Signature-256': signWebhookBody(WEBHOOK_SECRET, body) },
    body,
  });
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

/** What Link hands the page when a shopper connects an exchange, as the button posts it to the kit. */
function connection(tokenId: string, accountId = 'acc-main') {
  return {
    accessToken: {
      accountTokens: [{ account: { accountId, accountName: 'Main' }, accessToken: `raw-${tokenId}`, refreshToken: 'r', tokenId }],
      brokerType: 'coinbase',
      brokerName: 'Coinbase',
      brokerBrandInfo: { brokerLogo: '' },
      expiresInSeconds: 600,
    },
  };
}

describe('a shopper’s first visit', () => {
  it('gets a signed, HttpOnly, SameSite=Lax, Path=/ session cookie, not Secure over http, and keeps it', async () => {
    const alice = await ShopperClient.visit(shop.url);
    const [setCookie] = alice.setCookies;
    assert.ok(setCookie, 'a cookie on the first visit');
    assert.match(setCookie, new RegExp(`^${SESSION_COOKIE_NAME}=[A-Za-z0-9_-]{24}\\.[A-Za-z0-9_-]{43};`));
    assert.match(setCookie, /; HttpOnly/i);
    assert.match(setCookie, /; SameSite=Lax/i);
    assert.match(setCookie, /; Path=\//i);
    assert.doesNotMatch(setCookie, /; Secure/i);
    assert.match(setCookie, /; Max-Age=\d+/i);

    // The browser sends it back: no new session on later requests.
    await (await alice.fetch('/api/shop')).arrayBuffer();
    await (await alice.fetch('/')).arrayBuffer();
    assert.equal(alice.setCookies.length, 1);
  });

  it('is not something Mesh’s webhook is given', async () => {
    const res = await fetch(`${shop.url}/mesh/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 401);
    assert.deepEqual(res.headers.getSetCookie(), []);
    await res.arrayBuffer();
  });

  it('is Secure when the shop is served over https', async () => {
    const keyFile = join(scratch, 'key.pem');
    const certFile = join(scratch, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const server = createHttpsServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, shop.demo.app);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const { port } = server.address() as AddressInfo;
      // node:https, not fetch: the certificate is self-signed for this test.
      const setCookie = await new Promise<string[]>((ok, fail) => {
        const req = httpsGet({ host: '127.0.0.1', port, path: '/api/shop', rejectUnauthorized: false }, (res) => {
          res.resume();
          ok(res.headers['set-cookie'] ?? []);
        });
        req.on('error', fail);
      });
      const session = setCookie.find((c) => c.startsWith(`${SESSION_COOKIE_NAME}=`));
      assert.ok(session, `cookies: ${setCookie.join(' | ')}`);
      assert.match(session, /; Secure/i);
      assert.match(session, /; HttpOnly/i);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    }
  });

  it('gets a fresh session, never someone else’s, for a forged, tampered, garbage or oversize cookie', async () => {
    const real = await ShopperClient.visit(shop.url);
    const value = real.cookie!.split('=')[1]!;
    const [id, sig] = value.split('.') as [string, string];
    const bogus = [
      `${id}.${'A'.repeat(43)}`,
      `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}.${sig}`,
      `${id}.${sig}.${sig}`,
      `${id}`,
      '.',
      '%',
      '"><script>',
      'x'.repeat(8000),
      `${id}.${sig}=`,
    ];
    for (const cookie of bogus) {
      const stranger = new ShopperClient(shop.url);
      stranger.cookie = `${SESSION_COOKIE_NAME}=${cookie}`;
      const res = await stranger.fetch('/api/shop');
      assert.equal(res.status, 200, cookie.slice(0, 40));
      await res.arrayBuffer();
      assert.equal(stranger.setCookies.length, 1, `a new session for ${cookie.slice(0, 40)}`);
      assert.notEqual(stranger.cookie, real.cookie);
    }
    // Garbage around a valid cookie does not break it.
    const same = new ShopperClient(shop.url);
    same.cookie = `a=b; ${SESSION_COOKIE_NAME}=${value}; c="d"`;
    await (await same.fetch('/api/shop')).arrayBuffer();
    assert.equal(same.setCookies.length, 0, 'the valid session is kept');
  });
});

describe('an attacker who knows the victim’s order id', () => {
  let victim: ShopperClient;
  let attacker: ShopperClient;
  const orderId = 'order-victim-0001';
  let minted: { transactionId: string; statusUrl: string };

  before(async () => {
    victim = await ShopperClient.visit(shop.url);
    attacker = await ShopperClient.visit(shop.url);
    const res = await victim.mint(orderId);
    assert.equal(res.status, 200, await res.clone().text());
    minted = await json(res);
    // The victim connected their exchange: Link's tokenId is saved for them.
    const saved = await victim.fetch(`${minted.statusUrl}/integration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(connection('tok-victim-exchange')),
    });
    assert.equal(saved.status, 204);
  });

  it('finds the order id in the public ledger’s shape but gets 404 for the order and for a token', async () => {
    assert.equal((await victim.order(orderId)).status, 200, 'the victim sees their order');
    await problem(await attacker.order(orderId), 404);
    await problem(await fetch(`${shop.url}/api/orders/${orderId}`), 404);
    const stolen = await attacker.mint(orderId);
    const body = await problem(stolen, 404);
    assert.equal(body.code, 'MESH_PAY_ORDER_NOT_FOUND');
    // A cookie-less request is a new shopper too.
    await problem(await new ShopperClient(shop.url).mint(orderId), 404);
  });

  it('never receives the victim’s exchange tokens, on any order', async () => {
    const own = await json(await attacker.mint('order-attacker-0001'));
    assert.equal(own.accessTokens, undefined);
    assert.equal(JSON.stringify(own).includes('tok-victim-exchange'), false);

    // The victim, on their next order, is offered their connection back (the tokenId).
    const next = await json(await victim.mint('order-victim-0002'));
    assert.deepEqual(next.accessTokens, [
      { accountId: 'acc-main', accountName: 'Main', accessToken: 'tok-victim-exchange', brokerType: 'coinbase', brokerName: 'Coinbase' },
    ]);
  });

  it('cannot plant their own exchange token into the victim’s record', async () => {
    const own = await json(await attacker.mint('order-attacker-0002'));
    const planted = await attacker.fetch(`${own.statusUrl}/integration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...connection('tok-planted', 'acc-attacker'), orderId, userId: 'victim' }),
    });
    assert.equal(planted.status, 204, 'stored, but for the attacker');
    const next = await json(await victim.mint('order-victim-0003'));
    assert.deepEqual(next.accessTokens.map((t: { accessToken: string }) => t.accessToken), ['tok-victim-exchange']);
  });

  it('cannot flip the victim’s paid order back to awaiting payment', async () => {
    assert.equal((await paid(minted.transactionId, 'tr-victim-0001')).status, 200);
    await waitFor(async () => (await json(await victim.order(orderId))).status === 'succeeded', 'the order to be paid');

    const again = await victim.mint(orderId);
    assert.equal((await problem(again, 409)).code, 'MESH_PAY_ORDER_ALREADY_PAID');
    await problem(await attacker.mint(orderId), 404);
    const order = await json(await victim.order(orderId));
    assert.equal(order.status, 'succeeded');
    assert.equal(order.transactionId, minted.transactionId);

    const ledger = await json(await fetch(`${shop.url}/api/ledger`));
    assert.equal(ledger.entries.filter((e: { orderId: string }) => e.orderId === orderId).length, 1, 'the ledger keeps its contract');
  });
});

describe('a deployment of two instances sharing the store and the kit secret', () => {
  it('knows the shopper and the order’s owner on either instance', async () => {
    const file = join(scratch, 'shared.db');
    const a = await startShop(`sqlite:${file}`);
    const b = await startShop(`sqlite:${file}`);
    try {
      const shopper = await ShopperClient.visit(a.url);
      const minted = await shopper.mint('order-shared-0001');
      assert.equal(minted.status, 200, await minted.clone().text());
      await minted.arrayBuffer();

      const onB = new ShopperClient(b.url);
      onB.cookie = shopper.cookie;
      const order = await onB.order('order-shared-0001');
      assert.equal(order.status, 200, 'instance B accepts the cookie A signed');
      await order.arrayBuffer();
      assert.equal(onB.setCookies.length, 0);

      const stranger = await ShopperClient.visit(b.url);
      await problem(await stranger.mint('order-shared-0001'), 404);
      await problem(await stranger.order('order-shared-0001'), 404);
    } finally {
      await a.server.close();
      await b.server.close();
    }
  });
});
