import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Frame } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { startDemo, type DemoProcess } from '../support/demo-process.js';
import { ShopPage } from '../support/shop-page.js';

/**
 * The token theft an attacker showed against the running demo, replayed in Chromium with the real
 * Mesh SDK: two browsers (two contexts, so two cookie jars). The victim pays and connects their
 * exchange, so the shop keeps Mesh's tokenId for them. The attacker reads the victim's order id
 * (the public ledger lists it) and opens the shop on it: before, Link opened signed in to the
 * victim's exchange. Now the order does not exist for the attacker, no token is handed out, and
 * nothing the attacker connects ends up in the victim's record.
 */

let browser: Browser;
let demo: DemoProcess;
const pages: ShopPage[] = [];

before(async () => {
  [browser, demo] = await Promise.all([launchChromium(), startDemo({ autoplay: 'succeed' })]);
});

after(async () => {
  await Promise.allSettled(pages.map((p) => p.close()));
  await browser?.close();
  await demo?.stop();
});

async function openShop(orderId?: string): Promise<ShopPage> {
  const shop = await ShopPage.open(browser, demo.url, orderId);
  pages.push(shop);
  return shop;
}

/** `POST /mesh/link-token` from inside a browser context (its cookies), as the button would. */
async function mintIn(context: BrowserContext, orderId: string): Promise<{ status: number; body: any }> {
  const res = await context.request.post(`${demo.url}/mesh/link-token`, { data: { orderId } });
  return { status: res.status(), body: await res.json() };
}

/** The tokenIds a browser's shopper would be offered on a fresh order (the return-user tokens). */
async function offeredTokens(context: BrowserContext): Promise<string[]> {
  const { status, body } = await mintIn(context, `order-probe-${Math.random().toString(16).slice(2, 10)}`);
  assert.equal(status, 200, JSON.stringify(body));
  return ((body.accessTokens ?? []) as { accessToken: string }[]).map((t) => t.accessToken);
}

/** Runs a payment in `shop` and waits for the button's post of the exchange connection to the kit. */
async function payAndConnect(shop: ShopPage): Promise<void> {
  const saved = shop.page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/integration'),
    { timeout: 60_000 },
  );
  await shop.clickPay();
  assert.equal((await saved).status(), 204, 'the connection was saved');
  await shop.waitForStatus('succeeded');
}

describe('an attacker who knows a paying customer’s order id', () => {
  it('gets 404 and no exchange token, cannot open Link as the victim, and cannot plant a token into the victim’s record', async () => {
    // The victim pays and connects their exchange.
    const victim = await openShop();
    const victimOrder = await victim.orderId();
    await payAndConnect(victim);

    // The order id is public: the ledger lists it.
    const ledger = (await (await fetch(`${demo.url}/api/ledger`)).json()) as { entries: { orderId: string }[] };
    assert.ok(ledger.entries.some((e) => e.orderId === victimOrder));

    // The attacker opens the shop on the victim's order, in another browser.
    const attacker = await openShop(victimOrder);
    const linkFrames: string[] = [];
    attacker.page.on('framenavigated', (frame: Frame) => {
      if (frame.url().includes('/sandbox/mesh/link/')) linkFrames.push(frame.url());
    });
    assert.equal(await attacker.orderId(), victimOrder);
    const answer = await attacker.mintedBy(() => attacker.clickPay());
    assert.equal(answer.status, 404);
    assert.equal(answer.body.code, 'MESH_PAY_ORDER_NOT_FOUND');
    assert.equal(answer.body.accessTokens, undefined, 'no exchange token of the victim');
    await attacker.waitForStatus('error');
    assert.deepEqual(linkFrames, [], 'Link never opened for the attacker');
    const orderView = await attacker.context.request.get(`${demo.url}/api/orders/${victimOrder}`);
    assert.equal(orderView.status(), 404);
    assert.equal((await victim.context.request.get(`${demo.url}/api/orders/${victimOrder}`)).status(), 200, 'the victim still sees it');

    // The victim's connection is theirs: offered on their next order, as Mesh's tokenId.
    const victimTokens = await offeredTokens(victim.context);
    assert.equal(victimTokens.length, 1);
    assert.match(victimTokens[0]!, /^[0-9a-f-]{36}$/, 'Mesh’s tokenId (a UUID in the sandbox), not a raw access token');

    // The attacker pays an order of their own and connects their own exchange...
    await attacker.page.goto(`${demo.url}/?order=order-attacker-own-0001`);
    await attacker.page.locator('mesh-pay-button[status="idle"]').waitFor();
    await payAndConnect(attacker);
    const attackerTokens = await offeredTokens(attacker.context);
    assert.equal(attackerTokens.length, 1);
    assert.equal(attackerTokens.includes(victimTokens[0]!), false);

    // ...and it lands with the attacker only: the victim is offered exactly what they connected.
    assert.deepEqual(await offeredTokens(victim.context), victimTokens);
    // A paid order stays paid, even for its owner.
    const again = await mintIn(victim.context, victimOrder);
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'MESH_PAY_ORDER_ALREADY_PAID');
  });

  it('lets the victim come back as a return user: Link resumes their exchange from the tokenId', async () => {
    const victim = pages[0]!;
    const connections = async () => (await victim.log()).filter((e) => e.kind === 'event' && e.name === 'mesh-integration-connected').length;
    assert.ok((await connections()) >= 1, 'the first payment connected the exchange');
    await victim.page.locator('#new-order').click();
    await victim.page.locator('mesh-pay-button[status="idle"]').waitFor();
    const connectedBefore = await connections();
    const token = await victim.mintedBy(() => victim.clickPay());
    assert.equal(token.status, 200);
    assert.equal((token.body.accessTokens as unknown[] | undefined)?.length, 1);
    await victim.waitForStatus('succeeded');
    assert.equal(await connections(), connectedBefore, 'no sign-in this time: Link resumed the saved exchange');
  });
});
