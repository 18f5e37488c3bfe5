import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { signWebhookBody } from '@mesh-pay/backend-kit';
import { startMeshSandbox, type StandaloneMeshSandbox } from '@mesh-pay/mesh-sandbox';
import { DEV_WEBHOOK_SECRET } from '../../demo/config.js';
import { reserveFreePort } from '../../demo/free-port.js';
import { DEMO_PRICE } from '../../demo/shop.js';
import { launchChromium } from '../support/chromium.js';
import { startDemo, type DemoProcess } from '../support/demo-process.js';
import { ShopPage } from '../support/shop-page.js';
import { ShopperClient } from '../support/shopper-client.js';
import { readEventStream } from '../support/sse.js';
import { REPO_ROOT } from '../support/widget-bundle.js';
import { startRedisServer } from '../../packages/backend-kit/test/redis-server.js';

/**
 * How the demo behaves as different people run it: a newcomer with nothing set, someone with a typo
 * in the environment, a merchant with real credentials (same code path, another base URL), and a
 * deployment of two instances sharing one store.
 */

const running: DemoProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
let browser: Browser | undefined;

after(async () => {
  await browser?.close();
  await Promise.allSettled(running.map((d) => d.stop()));
  for (const c of cleanups) await c();
});

async function demo(options: Parameters<typeof startDemo>[0]): Promise<DemoProcess> {
  const d = await startDemo(options);
  running.push(d);
  return d;
}

describe('a newcomer runs the demo with nothing set', () => {
  it('prints the URL and the dev webhook secret, and warns that the kit secret is random', async () => {
    const d = await demo({ store: 'memory', env: { MESH_WEBHOOK_SECRET: '', MESH_KIT_SECRET: '' } });
    const out = d.output();
    assert.match(out, /Mesh Pay demo shop: http:\/\/localhost:\d+/);
    assert.ok(out.includes(DEV_WEBHOOK_SECRET), out);
    assert.match(out, /MESH_KIT_SECRET is unset/);
    assert.match(out, /local sandbox at http:\/\/localhost:\d+\/sandbox\/mesh/);
    // The sandbox really is mounted on the demo's own origin, with Mesh's networks.
    const res = await fetch(`${d.url}/sandbox/mesh/api/v1/transfers/managed/networks`, {
      headers: { 'X-Client-Id': 'sandbox-client-id', 'X-Client-Secret': 'sandbox-client-secret' },
    });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Ethereum/);
  });
});

/** Runs `demo/server.ts` with exactly this environment until it exits by itself. */
async function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'demo/server.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

describe('someone with a typo in the environment', () => {
  it('gets a non-zero exit naming every bad variable, without a stack trace', async () => {
    const { code, output } = await runToExit({ PORT: 'eighty', MESH_STORE: 'mongodb://db', MESH_SANDBOX_AUTOPLAY: 'maybe' });
    assert.equal(code, 1, output);
    for (const name of ['PORT', 'MESH_STORE', 'MESH_SANDBOX_AUTOPLAY']) assert.ok(output.includes(name), output);
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(output, /Mesh Pay demo shop:/);
  });
});

describe('someone starts a second shop on a busy port', () => {
  it('is told the port is taken and how to pick another', async () => {
    const first = await demo({ store: 'memory' });
    const { code, output } = await runToExit({ PORT: String(first.port), MESH_STORE: 'memory' });
    assert.equal(code, 1, output);
    assert.match(output, new RegExp(`Port ${first.port} is already in use`));
    assert.match(output, /PORT=/);
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
    assert.equal((await fetch(`${first.url}/api/shop`)).status, 200, 'the first shop is unharmed');
  });
});

describe('a merchant with credentials and a Mesh-compatible API URL', () => {
  let mesh: StandaloneMeshSandbox;
  let shopUrl: string | undefined;

  before(async () => {
    // Stands in for Mesh: its own server and origin, its own credentials, webhooks to the shop.
    mesh = await startMeshSandbox({
      clientId: 'merchant-client-id',
      clientSecret: 'merchant-client-secret',
      webhookSecret: 'merchant-webhook-secret-0123456789',
      webhookUrl: () => (shopUrl ? `${shopUrl}/mesh/webhook` : undefined),
      autoplay: 'succeed',
      // Mesh's Link page may be framed by the merchant's shop, which is another origin here.
      frameAncestors: () => (shopUrl ? ["'self'", shopUrl] : ["'self'"]),
    });
    cleanups.push(() => mesh.close());
    browser ??= await launchChromium();
  });

  it('runs the same path against it: no local sandbox, Link framed from Mesh’s origin, paid and credited', async () => {
    const d = await demo({
      webhookSecret: 'merchant-webhook-secret-0123456789',
      env: {
        MESH_CLIENT_ID: 'merchant-client-id',
        MESH_CLIENT_SECRET: 'merchant-client-secret',
        MESH_API_URL: mesh.url,
      },
    });
    shopUrl = d.url;
    assert.match(d.output(), new RegExp(`Mesh: ${mesh.url.replace(/[.]/g, '\\.')}`));
    assert.equal((await fetch(`${d.url}/sandbox/mesh/api/v1/transfers/managed/networks`)).status, 404, 'no local sandbox');
    const csp = (await fetch(`${d.url}/`)).headers.get('content-security-policy') ?? '';
    assert.match(csp, new RegExp(`frame-src 'self' ${mesh.url.replace(/[.]/g, '\\.')} https://\\*\\.meshconnect\\.com`));

    const shop = await ShopPage.open(browser!, d.url);
    cleanups.push(() => shop.close());
    const orderId = await shop.orderId();
    const navigated: string[] = [];
    shop.page.on('framenavigated', (frame) => navigated.push(frame.url()));
    await shop.clickPay();
    await shop.waitForStatus('succeeded').catch((err: Error) => {
      throw new Error(`${err.message}\n--- demo output ---\n${d.output()}`);
    });
    assert.ok(navigated.some((u) => u.startsWith(`${mesh.url}/link/`)), navigated.join('\n'));
    assert.equal(mesh.transfers().length, 1);
    assert.deepEqual((await shop.log()).filter((e) => e.kind === 'csp'), []);

    const { entries } = (await (await fetch(`${d.url}/api/ledger`)).json()) as { entries: { orderId: string; sourceAmount: string }[] };
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.orderId, orderId);
    assert.equal(entries[0]!.sourceAmount, mesh.transfers()[0]!.amount, 'the exact amount Mesh sent');
  });
});

describe('a shopper pays while Mesh is unreachable', () => {
  it('sees a clear error on the page, the token route answers 502, and nothing is recorded', async () => {
    // A port nobody listens on: bind, note it, close.
    const dead = `http://127.0.0.1:${await reserveFreePort()}`;
    const d = await demo({ store: 'memory', env: { MESH_API_URL: dead } });
    const res = await fetch(`${d.url}/mesh/link-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: 'order-offline' }),
    });
    assert.equal(res.status, 502);
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    await res.arrayBuffer();

    browser ??= await launchChromium();
    const shop = await ShopPage.open(browser, d.url);
    cleanups.push(() => shop.close());
    await shop.clickPay();
    await shop.waitForStatus('error');
    const errors = (await shop.log()).filter((e) => e.kind === 'event' && e.name === 'mesh-error');
    assert.ok(errors.length >= 1);
    const text = await shop.statusLineText();
    assert.ok(text.length > 0 && !/undefined|null|\[object/.test(text), `status line: ${text}`);
    assert.equal((await shop.page.locator('#status').getAttribute('data-status')), 'error');
    assert.equal((await (await fetch(`${d.url}/api/orders/${await shop.orderId()}`)).status), 404, 'no order was started');
  });
});

/** A store two processes can share: a SQLite file, or a real redis-server. */
async function sharedStore(kind: 'sqlite' | 'redis'): Promise<string> {
  if (kind === 'redis') {
    const redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    return `${redis.url}/0`;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'mesh-pay-shared-'));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  return `sqlite:${join(tmp, 'shared.db')}`;
}

for (const kind of ['sqlite', 'redis'] as const) describe(`two instances of one deployment sharing a ${kind} store`, () => {
  it('share one ledger: a webhook retried to the other instance credits once', async () => {
    const shared = {
      store: await sharedStore(kind),
      webhookSecret: 'shared-webhook-secret-0123456789',
      kitSecret: 'shared-kit-secret-0123456789abcdefghij',
    };
    const [a, b] = await Promise.all([demo(shared), demo(shared)]);

    const shopper = await ShopperClient.visit(a.url);
    const minted = await shopper.mint('order-shared');
    assert.equal(minted.status, 200);
    const { transactionId, statusUrl } = (await minted.json()) as { transactionId: string; statusUrl: string };

    const body = (id: string) =>
      `{"EventId":"ev-shared","Id":"${id}","TransferId":"tr-shared","TransferStatus":"succeeded","TransactionId":"${transactionId}",` +
      `"TxHash":"0x${'cd'.repeat(32)}","Token":"USDC","Chain":"Ethereum","SourceAmount":25.100000000000000000001,` +
      `"DestinationAmount":25.100000000000000000001,"DestinationAddress":"${DEMO_PRICE.address}"}`;
    const post = (to: DemoProcess, id: string) =>
      fetch(`${to.url}/mesh/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Mesh-Signature-256': signWebhookBody(shared.webhookSecret, body(id)) },
        body: body(id),
      });
    // Delivered to B; Mesh's retry (same EventId, new Id) lands on A.
    assert.equal((await post(b, 'attempt-1')).status, 200);
    assert.equal((await post(a, 'attempt-2')).status, 200);

    // A's status stream (capability minted by A) sees B's work: the kit publishes after crediting.
    await readEventStream(`${a.url}${statusUrl}`, (m) => JSON.parse(m.data).status === 'succeeded');
    for (const instance of [a, b]) {
      const { entries } = (await (await fetch(`${instance.url}/api/ledger`)).json()) as { entries: { transferId: string; sourceAmount: string }[] };
      assert.equal(entries.length, 1, `one credit seen from ${instance.url}`);
      assert.equal(entries[0]!.sourceAmount, '25.100000000000000000001');
      // The shopper's session cookie, signed by A, is good on B too (one kit secret).
      const order = (await (await shopper.on(instance.url).order('order-shared')).json()) as { status: string };
      assert.equal(order.status, 'succeeded');
    }
  });
});
