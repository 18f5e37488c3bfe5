import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Frame } from 'playwright-core';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '@mesh-pay/mesh-sandbox';
import { launchChromium } from '../support/chromium.js';
import { startDemo, type DemoProcess } from '../support/demo-process.js';
import { ShopPage, type PageLogEntry } from '../support/shop-page.js';

/**
 * The walking path, end to end: the demo shop as a real child process, real Chromium, the REAL
 * @meshconnect/web-link-sdk opening the local sandbox's Link page in the button's dialog, signed
 * webhooks into the kit, the status stream flipping the button, the ledger crediting once.
 */

/** Long enough that "confirming" is observable for certain: the kit publishes `succeeded` only after the hook. */
const CREDIT_DELAY_MS = 2500;

let browser: Browser;
const demos: Partial<Record<'succeed' | 'fail' | 'cancel' | 'person' | 'closeAfterApprove', DemoProcess>> = {};
const pages: ShopPage[] = [];

before(async () => {
  // Four independent shops (autoplay is per process); starting them together saves a few seconds.
  const [b, succeed, fail, cancel, person, closeAfterApprove] = await Promise.all([
    launchChromium(),
    startDemo({ autoplay: 'succeed', creditDelayMs: CREDIT_DELAY_MS }),
    startDemo({ autoplay: 'fail' }),
    startDemo({ autoplay: 'cancel', store: 'memory' }),
    startDemo({}),
    startDemo({ autoplay: 'close-after-approve', store: 'memory' }),
  ]);
  browser = b;
  Object.assign(demos, { succeed, fail, cancel, person, closeAfterApprove });
});

after(async () => {
  await Promise.allSettled(pages.map((p) => p.close()));
  await browser?.close();
  await Promise.allSettled(Object.values(demos).map((d) => d.stop()));
});

/** A shopper opens the shop at `url` (the demo's own address unless a test says otherwise). */
async function openShop(demo: DemoProcess, url = demo.url): Promise<ShopPage> {
  const shop = await ShopPage.open(browser, url);
  pages.push(shop);
  return shop;
}

/** A shopper opens the shop and finds the order it made for them on the button. */
async function shopperWithOrder(demo: DemoProcess): Promise<{ shop: ShopPage; orderId: string }> {
  const shop = await openShop(demo);
  return { shop, orderId: await shop.orderId() };
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

async function ledgerFor(demo: DemoProcess, orderId: string): Promise<any[]> {
  const { body } = await getJson(`${demo.url}/api/ledger`);
  return body.entries.filter((e: { orderId: string }) => e.orderId === orderId);
}

/** The amount the sandbox (as Mesh) says it sent, as the literal JSON text of its listing. */
async function sandboxSourceAmount(demo: DemoProcess, transactionId: string): Promise<string> {
  const res = await fetch(`${demo.url}/sandbox/mesh/api/v1/transfers/managed/mesh?ClientTransactionId=${encodeURIComponent(transactionId)}`, {
    headers: { 'X-Client-Id': SANDBOX_CLIENT_ID, 'X-Client-Secret': SANDBOX_CLIENT_SECRET },
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const match = /"sourceAmount"\s*:\s*"?([0-9.eE+-]+)"?/.exec(text);
  assert.ok(match, `no sourceAmount in the sandbox listing: ${text}`);
  return match[1]!;
}

/** The order as the paying shopper's browser sees it: with its session cookie (anyone else gets 404). */
async function orderAs(shop: ShopPage, orderId: string): Promise<{ status: number; body: any }> {
  const res = await shop.context.request.get(`${shop.baseUrl}/api/orders/${orderId}`);
  return { status: res.status(), body: await res.json() };
}

function statusesOf(log: PageLogEntry[]): string[] {
  return log.filter((e) => e.kind === 'status').map((e) => e.name);
}

function assertCleanPage(log: PageLogEntry[]): void {
  const violations = log.filter((e) => e.kind === 'csp');
  assert.deepEqual(violations, [], 'no Content-Security-Policy violation anywhere in the flow');
}

/** Records every frame that loads the sandbox Link page, and whether it sits in a <dialog>. */
function watchLinkFrames(shop: ShopPage): Promise<{ url: string; inDialog: boolean }>[] {
  const seen: Promise<{ url: string; inDialog: boolean }>[] = [];
  shop.page.on('framenavigated', (frame: Frame) => {
    if (!frame.url().includes('/sandbox/mesh/link/')) return;
    seen.push(
      (async () => {
        const element = await frame.frameElement().catch(() => undefined);
        // Slotted into the dialog in the host's shadow root: its slot's <dialog> ancestor is where it renders.
        const inDialog = element ? await element.evaluate((el) => (el as Element).assignedSlot?.closest('dialog') != null).catch(() => false) : false;
        return { url: frame.url(), inDialog };
      })(),
    );
  });
  return seen;
}

describe('a shopper pays and Mesh confirms (autoplay: succeed)', () => {
  it('goes idle → open → confirming → succeeded, and the ledger credits the exact amount once', async () => {
    const demo = demos.succeed!;
    const shop = await openShop(demo);
    const linkFrames = watchLinkFrames(shop);
    const orderId = await shop.orderId();
    assert.equal((await orderAs(shop, orderId)).status, 404, 'no order before the click');
    assert.deepEqual(shop.requested.filter((u) => /web-link-sdk/.test(u)), [], 'the Mesh SDK is not loaded with the page');

    await shop.clickPay();

    const finished = await shop.waitForLog('event', 'mesh-transfer-finished');
    assert.notEqual(finished.statusNow, 'succeeded', 'the SDK’s transferFinished is not payment');
    await shop.waitForStatus('confirming');
    // The kit publishes `succeeded` only once the (slow) credit hook ran: nothing is credited or
    // shown as paid while the button says confirming.
    assert.equal(await shop.status(), 'confirming');
    assert.match(await shop.statusLineText(), /confirm/i);
    assert.deepEqual(await ledgerFor(demo, orderId), [], 'no credit while confirming');
    const midway = await orderAs(shop, orderId);
    assert.equal(midway.status, 200);
    assert.notEqual(midway.body.status, 'succeeded');

    await shop.waitForStatus('succeeded');
    assert.match(await shop.statusLineText(), /paid/i);

    // The real SDK opened the sandbox Link page from this origin, in the dialog's iframe.
    const frames = await Promise.all(linkFrames);
    assert.ok(frames.length >= 1, 'the Link page loaded in a frame');
    assert.ok(frames[0]!.url.startsWith(`${demo.url}/sandbox/mesh/link/`), frames[0]!.url);
    assert.equal(frames[0]!.inDialog, true, 'the Link iframe lives in the button’s <dialog>');

    const log = await shop.log();
    const statuses = statusesOf(log);
    assert.ok(statuses.includes('open'), `statuses: ${statuses.join(' → ')}`);
    assert.ok(statuses.includes('confirming'), `statuses: ${statuses.join(' → ')}`);
    assert.ok(statuses.indexOf('confirming') < statuses.indexOf('succeeded'), `statuses: ${statuses.join(' → ')}`);
    const streamed = log.filter((e) => e.kind === 'event' && e.name === 'mesh-status').map((e) => e.detail as Record<string, unknown>);
    const paid = streamed.find((d) => d.status === 'succeeded');
    assert.ok(paid, `the status stream delivered succeeded (got ${JSON.stringify(streamed)})`);
    assertCleanPage(log);

    // Exactly one credit, with the amount exactly as Mesh (the sandbox) reported it.
    const tokens = await shop.linkTokens();
    const [token] = tokens;
    assert.equal(tokens.length, 1);
    assert.equal(token!.status, 200);
    const transactionId = token!.body.transactionId!;
    const entries = await ledgerFor(demo, orderId);
    assert.equal(entries.length, 1, JSON.stringify(entries));
    const credit = entries[0];
    assert.equal(credit.transactionId, transactionId);
    assert.equal(credit.token, 'USDC');
    assert.equal(credit.chain, 'Ethereum');
    assert.match(credit.sourceAmount, /^\d+(\.\d+)?$/, 'a decimal string');
    assert.equal(credit.sourceAmount, await sandboxSourceAmount(demo, transactionId));
    assert.equal(paid.sourceAmount, credit.sourceAmount, 'the button saw the same exact amount');
    assert.match(credit.txHash, /^0x[0-9a-f]{64}$/i);
    assert.equal((await getJson(`${demo.url}/api/ledger`)).body.entries.length, 1, 'one credit in the whole ledger');

    const order = await orderAs(shop, orderId);
    assert.deepEqual(order.body, {
      orderId,
      transactionId,
      amountInFiat: '25.00',
      token: 'USDC',
      chain: 'Ethereum',
      destinationAddress: order.body.destinationAddress,
      status: 'succeeded',
    });
    assert.match(order.body.destinationAddress, /^0x[0-9a-fA-F]{40}$/);

    // The page's own ledger view shows the credit.
    await shop.page.locator(`#ledger-rows .mine`).waitFor({ timeout: 10_000 });
    assert.match((await shop.page.locator('#ledger-rows .mine').textContent()) ?? '', new RegExp(credit.sourceAmount.replace('.', '\\.')));
  });
});

describe('the merchant watches the shop (GET /metrics)', () => {
  it('scrapes the payment above in Prometheus text: tokens minted, webhooks accepted and refused by reason, ack latency, open streams; no id or amount in any label', async () => {
    const demo = demos.succeed!;
    // A forgery, so there is a refusal to count.
    const forged = await fetch(`${demo.url}/mesh/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mesh-signature-256': Buffer.alloc(32).toString('base64') },
      body: '{"EventId":"forged"}',
    });
    assert.equal(forged.status, 401);
    const res = await fetch(`${demo.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    const value = (pattern: RegExp): number => {
      const line = text.split('\n').find((l) => pattern.test(l));
      assert.ok(line, `no line matching ${pattern} in:\n${text}`);
      return Number(line.trim().split(/\s+/).at(-1));
    };
    assert.ok(value(/^mesh_pay_link_tokens(_total)?\{[^}]*outcome="minted"/) >= 1);
    assert.ok(value(/^mesh_pay_webhooks(_total)?\{[^}]*outcome="accepted"/) >= 2, 'pending and succeeded');
    assert.equal(value(/^mesh_pay_webhooks(_total)?\{[^}]*outcome="refused"[^}]*reason="signature-mismatch"|^mesh_pay_webhooks(_total)?\{[^}]*reason="signature-mismatch"[^}]*outcome="refused"/), 1);
    assert.ok(value(/^mesh_pay_webhook_ack_duration[a-z_]*_count/) >= 2);
    assert.ok(value(/^mesh_pay_status_streams_open/) >= 0);
    // Labels are closed sets: nothing that names a shopper, an order or money.
    const { body } = await getJson(`${demo.url}/api/ledger`);
    for (const entry of body.entries) {
      for (const secretish of [entry.orderId, entry.transactionId, entry.transferId, entry.sourceAmount, entry.txHash]) {
        assert.ok(!text.includes(secretish), `${secretish} appears in /metrics`);
      }
    }
  });
});

describe('a shopper reloads the page while the payment is confirming', () => {
  it('keeps the same order and still sees it paid, credited once', async () => {
    const demo = demos.succeed!;
    const { shop, orderId } = await shopperWithOrder(demo);
    await shop.clickPay();
    await shop.waitForStatus('confirming');
    await shop.page.reload();
    assert.equal(await shop.page.locator('#order-id').textContent(), orderId, 'the order survives the reload');
    assert.equal(await shop.orderId(), orderId);
    await shop.waitForStatus('succeeded');
    assert.match(await shop.statusLineText(), /paid/i);
    assert.equal((await ledgerFor(demo, orderId)).length, 1);
    assert.equal((await shop.linkTokens()).length, 1, 'no second token: the reload resumed the same payment');

    // Asking for a new order really starts one.
    await shop.page.locator('#new-order').click();
    await shop.page.locator('mesh-pay-button[status="idle"]').waitFor();
    assert.notEqual(await shop.orderId(), orderId);
  });
});

describe('a transfer that fails (autoplay: fail)', () => {
  it('ends failed with nothing credited', async () => {
    const demo = demos.fail!;
    const { shop, orderId } = await shopperWithOrder(demo);
    // What assistive technology finds on the page before paying.
    await shop.page.getByRole('button', { name: 'Pay with crypto' }).waitFor();
    assert.match((await shop.page.getByRole('status').first().textContent()) ?? '', /ready/i);
    assert.equal(await shop.page.getByRole('heading', { level: 1 }).textContent(), 'Mesh Pay sticker pack');
    await shop.clickPay();
    await shop.waitForStatus('failed');
    assert.match(await shop.statusLineText(), /failed/i);
    const log = await shop.log();
    assert.ok(!statusesOf(log).includes('succeeded'));
    assert.ok(log.some((e) => e.kind === 'event' && e.name === 'mesh-status' && (e.detail as { status?: string }).status === 'failed'));
    assertCleanPage(log);
    assert.deepEqual(await ledgerFor(demo, orderId), []);
    assert.equal((await orderAs(shop, orderId)).body.status, 'failed');
  });
});

describe('a shopper who closes Link after approving (autoplay: close-after-approve)', () => {
  it('is not cancelled: the button keeps confirming and ends paid, credited once', async () => {
    const demo = demos.closeAfterApprove!;
    const { shop, orderId } = await shopperWithOrder(demo);
    await shop.clickPay();
    await shop.waitForStatus('succeeded');
    const log = await shop.log();
    const exit = log.find((e) => e.kind === 'event' && e.name === 'mesh-exit');
    assert.equal((exit?.detail as { reason?: string } | undefined)?.reason, 'closed-after-transfer');
    assert.ok(!log.some((e) => e.kind === 'event' && e.name === 'mesh-transfer-finished'), 'Link never showed its success screen');
    assert.ok(!statusesOf(log).includes('cancelled'));
    const statuses = statusesOf(log);
    assert.ok(statuses.includes('confirming') && statuses.indexOf('confirming') < statuses.indexOf('succeeded'), statuses.join(' → '));
    assertCleanPage(log);
    assert.equal((await ledgerFor(demo, orderId)).length, 1);
  });
});

describe('a shopper who cancels (autoplay: cancel)', () => {
  it('ends cancelled, and paying again mints a fresh token: a used one is dead', async () => {
    const demo = demos.cancel!;
    const { shop, orderId } = await shopperWithOrder(demo);
    const firstAnswer = await shop.mintedBy(() => shop.clickPay());
    await shop.waitForStatus('cancelled');
    assert.match(await shop.statusLineText(), /cancelled/i);
    assert.equal(firstAnswer.status, 200);
    const first = firstAnswer.body.linkToken!;

    // The first token was consumed by its Link page: loading it again is refused as expired.
    const reused = await fetch(Buffer.from(first, 'base64').toString('utf8'));
    assert.match(await reused.text(), /LINK_TOKEN_EXPIRED|expired/i);

    const secondAnswer = await shop.mintedBy(() => shop.clickPay());
    await shop.page.waitForFunction(() => window.__shopLog.filter((e) => e.kind === 'status' && e.name === 'cancelled').length >= 2, undefined, { timeout: 20_000 });
    assert.equal(secondAnswer.status, 200);
    assert.notEqual(secondAnswer.body.linkToken, first, 'a new token, never the used one');
    assert.notEqual(secondAnswer.body.transactionId, firstAnswer.body.transactionId, 'a new transaction per attempt');
    assert.equal((await shop.linkTokens()).length, 2, 'one token per attempt, no more');
    assertCleanPage(await shop.log());
    assert.deepEqual(await ledgerFor(demo, orderId), []);
    assert.notEqual((await orderAs(shop, orderId)).body.status, 'succeeded');
  });
});

/** A person's clicks on the sandbox Link page: pick the first exchange, sign in, confirm, done. */
async function clickThroughLink(shop: ShopPage): Promise<void> {
  const link = await shop.linkFrame();
  assert.ok(await shop.linkIframe().isVisible(), 'the Link iframe is shown');
  await link.locator('button.integration').first().click();
  await link.locator('#username').or(link.locator('#connect')).waitFor();
  if (await link.locator('#username').isVisible()) {
    await link.locator('#username').fill('shopper@example.com');
    await link.locator('#password').fill('correct horse battery staple');
    await link.locator('#sign-in').click();
  } else {
    await link.locator('#connect').click();
  }
  await link.locator('#confirm').click();
  // The Link page's last screen; the button may already have closed the dialog on transferFinished.
  await link.locator('#done').click({ timeout: 5000 }).catch(() => undefined);
}

/** The shopper pays by hand: presses the button, clicks through Link, and the button ends paid. */
async function payInPerson(shop: ShopPage): Promise<void> {
  await shop.clickPay();
  await shop.waitForStatus('open');
  await clickThroughLink(shop);
  await shop.waitForStatus('succeeded');
}

describe('a person clicks through the sandbox Link page (no autoplay)', () => {
  it('signs in, confirms, and the order is paid', async () => {
    const demo = demos.person!;
    const { shop, orderId } = await shopperWithOrder(demo);
    await payInPerson(shop);
    assertCleanPage(await shop.log());
    const entries = await ledgerFor(demo, orderId);
    assert.equal(entries.length, 1);
    assert.equal((await orderAs(shop, orderId)).body.status, 'succeeded');
  });

  it('works from http://localhost:<port>, the address npm start prints, though Link is framed from 127.0.0.1', async () => {
    const demo = demos.person!;
    const shop = await openShop(demo, `http://localhost:${demo.port}`);
    const orderId = await shop.orderId();
    await payInPerson(shop);
    assertCleanPage(await shop.log());
    assert.equal((await ledgerFor(demo, orderId)).length, 1);
  });
});
