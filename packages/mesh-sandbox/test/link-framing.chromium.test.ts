/**
 * Who may frame the Link page, and who it tells things to. A merchant page on an origin the
 * sandbox's `frameAncestors` allow runs the real SDK against it from another origin; a page on any
 * other origin cannot frame it at all; and a parent that lies about its origin in `meshSDKSpecs`
 * never receives a token or a transfer, only the empty `loaded`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import express from 'express';
import { launchChromium } from '../../../test/support/chromium.js';
import { createMeshSandbox, type MeshSandbox, type SandboxScenario } from '../src/index.js';
import { listen, mintLinkToken, paymentRequest, type Listening } from './support/http.js';
import { bundleSdk, HOST_HTML, HOST_JS, linkExited, meshLogOf, openMesh } from './support/sdk-host.js';

let browser: Browser;
let sandbox: MeshSandbox;
let mesh: Listening;
/** Allowed to frame the Link page. */
let merchant: Listening;
/** Not allowed. */
let stranger: Listening;
let autoplay: SandboxScenario | undefined;

/** A page that frames the Link page by hand and keeps every message it gets; it claims `claimedOrigin`. */
const SPOOF_JS = `
window.received = [];
window.addEventListener('message', (event) => window.received.push({ origin: event.origin, data: event.data }));
window.openRaw = (url, claimedOrigin) => {
  const frame = document.getElementById('mesh-frame');
  frame.addEventListener('load', () => {
    frame.contentWindow.postMessage({ type: 'meshSDKSpecs', payload: { platform: 'web', version: '3.11.0', origin: claimedOrigin } }, '*');
  });
  frame.src = url;
};
`;

async function hostApp(meshOrigin: string): Promise<Listening> {
  const sdk = await bundleSdk();
  const app = express();
  const csp = `default-src 'self'; script-src 'self'; style-src 'self'; frame-src 'self' ${meshOrigin}; connect-src 'self'; img-src 'self' data:`;
  app.get('/', (_req, res) => void res.set('Content-Security-Policy', csp).type('html').send(HOST_HTML));
  app.get('/host.js', (_req, res) => void res.type('text/javascript').send(`${HOST_JS}\n${SPOOF_JS}`));
  app.get('/sdk.js', (_req, res) => void res.type('text/javascript').send(sdk));
  return listen(app);
}

before(async () => {
  // Ports are only known after listening: the allowed origin is read at each page load.
  sandbox = createMeshSandbox({ autoplay: () => autoplay, frameAncestors: () => ["'self'", merchant.url], settleDelayMs: 10 });
  mesh = await listen(express().use(sandbox.router));
  merchant = await hostApp(mesh.url);
  stranger = await hostApp(mesh.url);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await sandbox?.close();
  await Promise.all([mesh?.close(), merchant?.close(), stranger?.close()]);
});

async function hostPage(host: Listening): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(host.url);
  return page;
}

describe('framing the Link page', () => {
  test('an allowed merchant origin runs the real SDK against the Link page on the sandbox’s origin', async () => {
    autoplay = 'succeed';
    const { linkToken } = await mintLinkToken(mesh.url, paymentRequest({ transactionId: 'order-framed-ok' }));
    const page = await hostPage(merchant);
    await openMesh(page, linkToken);
    await linkExited(page, 15_000);
    const log = await meshLogOf(page);
    assert.equal(log.connected.length, 1);
    assert.equal(log.finished[0]?.clientTransactionId, 'order-framed-ok');
    assert.equal(log.exits[0]!.error, null);
    await page.context().close();
  });

  test('another origin cannot frame it: the browser refuses (frame-ancestors) and the SDK hears nothing', async () => {
    autoplay = 'succeed';
    const { linkToken } = await mintLinkToken(mesh.url, paymentRequest({ transactionId: 'order-framed-no' }));
    const page = await hostPage(stranger);
    const refused = page.waitForEvent('console', { predicate: (m) => /frame-ancestors/.test(m.text()), timeout: 15_000 });
    await openMesh(page, linkToken);
    assert.match((await refused).text(), /violates the following Content Security Policy directive: "frame-ancestors 'self' http:\/\/127\.0\.0\.1:\d+". The request has been blocked/);
    const log = await meshLogOf(page);
    assert.deepEqual(log.connected, []);
    assert.ok(!log.events.some((e) => e.type === 'pageLoaded'));
    assert.equal(sandbox.transfers().some((t) => t.clientTransactionId === 'order-framed-no'), false);
    await page.context().close();
  });

  test('a parent that claims another origin in meshSDKSpecs gets only `loaded`: no token, no transfer details', async () => {
    autoplay = 'succeed';
    const { linkUrl } = await mintLinkToken(mesh.url, paymentRequest({ transactionId: 'order-spoofed' }));
    const page = await hostPage(merchant);
    // It is an allowed origin, but it says it is the sandbox itself: the claim does not match event.origin.
    await page.evaluate(({ url, claimed }) => (window as any).openRaw(url, claimed), { url: linkUrl, claimed: mesh.url });
    // The hands-free run still pays (the customer's clicks do not depend on the host)...
    const deadline = Date.now() + 15_000;
    while (!sandbox.transfers().some((t) => t.clientTransactionId === 'order-spoofed')) {
      assert.ok(Date.now() < deadline, 'the autoplayed payment happened');
      await new Promise((r) => setTimeout(r, 50));
    }
    // ...and once it did, the host has still heard nothing but `loaded`.
    const received = (await page.evaluate(() => (window as any).received)) as { origin: string; data: { type: string } }[];
    assert.deepEqual(received.map((m) => m.data.type), ['loaded']);
    await page.context().close();
  });
});
