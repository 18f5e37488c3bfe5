/**
 * A merchant's shop page lives on one origin (a CMS, a static host) and the kit on another: the page
 * loads the button from the kit's origin (or a CDN) with a strict CSP and Subresource Integrity,
 * and pays. Three real origins on this machine (page, kit, "CDN"), the demo as a child process,
 * Chromium and the real Mesh SDK.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { startDemo, type DemoProcess } from '../support/demo-process.js';
import { ensureWidgetBundle } from '../support/widget-bundle.js';
import { WIDGET_BUNDLE_DIR } from '../../demo/server.js';

interface Site {
  url: string;
  close(): Promise<void>;
}

/** A tiny static host: `pages(ownUrl)` by path, each with its own headers. */
async function startSite(pages: (url: string) => Record<string, { body: string | Buffer; headers: Record<string, string> }>): Promise<Site> {
  let url = '';
  const server: Server = createServer((req, res) => {
    // Built per request: a page may name an origin that starts after this one.
    const page = pages(url)[new URL(req.url ?? '/', 'http://x').pathname];
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, page.headers).end(page.body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * A merchant's page for order `orderId`: the button's bundle from `scriptOrigin` pinned to
 * `integrity`, paying through the kit at `kitUrl`; no inline script or style, and a CSP naming
 * exactly the kit's origin (and the script's, when that is another).
 */
function shopPage(options: { scriptOrigin: string; integrity: string; kitUrl: string; orderId: string; query?: string }) {
  const { scriptOrigin, integrity, kitUrl, orderId, query = '' } = options;
  return {
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another shop</title>
<script type="module" src="${scriptOrigin}/mesh-pay-button.js${query}" integrity="${integrity}" crossorigin="anonymous"></script>
</head><body><h1>Checkout</h1>
<mesh-pay-button token-url="${kitUrl}/mesh/link-token" order-id="${orderId}" label="Pay with crypto"></mesh-pay-button>
</body></html>`,
    headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp(kitUrl, scriptOrigin) },
  };
}

const csp = (kit: string, scripts = kit) =>
  [
    "default-src 'none'",
    `script-src ${scripts}`,
    "style-src 'self'",
    `connect-src ${kit}`,
    `frame-src ${kit}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    // Trusted Types as strict sites enforce them: the button needs Lit's policy and nothing else.
    "require-trusted-types-for 'script'",
    'trusted-types lit-html',
  ].join('; ');

let browser: Browser;
let demo: DemoProcess;
let shop: Site;
let cdn: Site;
let stranger: Site;
const sri = () => JSON.parse(readFileSync(join(WIDGET_BUNDLE_DIR, 'sri.json'), 'utf8')) as Record<string, string>;

before(async () => {
  ensureWidgetBundle();
  // The page's origin must be known before the kit starts: it goes into MESH_ALLOWED_ORIGINS.
  let kitUrl = '';
  shop = await startSite(() => ({
    '/pinned.html': shopPage({ scriptOrigin: kitUrl, integrity: sri()['mesh-pay-button.js']!, kitUrl, orderId: 'xo-pinned' }),
    '/pay.html': shopPage({ scriptOrigin: kitUrl, integrity: sri()['mesh-pay-button.js']!, kitUrl, orderId: 'xo-pay' }),
    // As a CMS prints it: Shopify's asset_url appends ?v=<timestamp>, WordPress ?ver=<version>.
    '/versioned.html': shopPage({ scriptOrigin: kitUrl, integrity: sri()['mesh-pay-button.js']!, kitUrl, orderId: 'xo-versioned', query: '?v=1764374400' }),
    '/tampered.html': shopPage({ scriptOrigin: kitUrl, integrity: `sha384-${Buffer.alloc(48, 7).toString('base64')}`, kitUrl, orderId: 'xo-tampered' }),
  }));
  [demo, browser] = await Promise.all([startDemo({ autoplay: 'succeed', env: { MESH_ALLOWED_ORIGINS: shop.url } }), launchChromium()]);
  kitUrl = demo.url;
  // A public CDN serves the same files to everyone (`Access-Control-Allow-Origin: *`, like jsDelivr).
  cdn = await startSite(() =>
    Object.fromEntries(
      Object.keys(sri()).map((file) => [
        `/${file}`,
        {
          body: readFileSync(join(WIDGET_BUNDLE_DIR, file)),
          headers: { 'content-type': 'text/javascript', 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' },
        },
      ]),
    ),
  );
  // A site the merchant never listed, using the button from the CDN against the merchant's kit.
  stranger = await startSite(() => ({
    '/index.html': shopPage({ scriptOrigin: cdn.url, integrity: sri()['mesh-pay-button.js']!, kitUrl, orderId: 'xo-stranger' }),
  }));
});

after(async () => {
  await browser?.close();
  await Promise.allSettled([demo?.stop(), shop?.close(), cdn?.close(), stranger?.close()]);
});

/**
 * Runs `story` in a fresh tab at `url`, which records every mesh-error, CSP violation and console
 * line from the start; the tab is closed after, whatever happens.
 */
async function inTab(url: string, story: (tab: { page: Page; console: string[] }) => Promise<void>): Promise<void> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const console: string[] = [];
  page.on('console', (m) => console.push(m.text()));
  page.on('pageerror', (e) => console.push(e.message));
  await page.addInitScript({
    content: `window.__meshErrors = []; document.addEventListener('mesh-error', (e) => window.__meshErrors.push(e.detail));
      window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
  });
  try {
    await page.goto(url);
    await story({ page, console });
  } finally {
    await context.close();
  }
}

/** Waits for the button to be ready, then presses it as a shopper would. */
async function pressPay(page: Page): Promise<void> {
  await page.locator('mesh-pay-button[status="idle"]').waitFor({ timeout: 20_000 });
  await page.locator('mesh-pay-button').locator('[part~="button"]').click();
}

/** What the page recorded (see `inTab`): each mesh-error's detail, or each CSP violation. */
const meshErrorsOn = (page: Page) => page.evaluate(() => (window as unknown as { __meshErrors: { code: string }[] }).__meshErrors);
const cspViolationsOn = (page: Page) => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);

/**
 * The shopper presses Pay and the payment (autoplayed by the sandbox) ends `succeeded` under the page's
 * strict CSP, credited once to `orderId`.
 */
async function paysThrough(page: Page, console: string[], orderId: string): Promise<void> {
  await pressPay(page);
  await page.locator('mesh-pay-button:is([status="succeeded"], [status="failed"], [status="error"])').waitFor({ timeout: 60_000 });
  const errors = await meshErrorsOn(page);
  assert.equal(await page.locator('mesh-pay-button').getAttribute('status'), 'succeeded', `mesh-error: ${JSON.stringify(errors)}; console: ${console.join(' | ')}`);
  assert.deepEqual(await cspViolationsOn(page), [], 'the page’s strict CSP was enough');
  assert.equal((await creditsFor(orderId)).length, 1);
}

/** The demo ledger's credits for `orderId`. */
async function creditsFor(orderId: string): Promise<{ orderId: string }[]> {
  const ledger = (await (await fetch(`${demo.url}/api/ledger`)).json()) as { entries: { orderId: string }[] };
  return ledger.entries.filter((e) => e.orderId === orderId);
}

describe('a page on another origin loads the button with Subresource Integrity', () => {
  it('runs the kit’s bundle when its hash matches', () =>
    inTab(`${shop.url}/pinned.html`, async ({ page }) => {
      await page.locator('mesh-pay-button[status="idle"]').waitFor({ timeout: 20_000 });
      assert.ok(await page.evaluate(() => customElements.get('mesh-pay-button') !== undefined));
      assert.deepEqual(await cspViolationsOn(page), []);
    }));

  it('refuses to run it when the hash does not match', () =>
    inTab(`${shop.url}/tampered.html`, async ({ page, console }) => {
      await page.waitForFunction(() => document.readyState === 'complete');
      const deadline = Date.now() + 20_000;
      while (!console.some((line) => /integrity/i.test(line)) && Date.now() < deadline) await page.waitForEvent('console', { timeout: 20_000 }).catch(() => undefined);
      assert.ok(console.some((line) => /integrity/i.test(line)), `no integrity error in ${console.join(' | ')}`);
      assert.equal(await page.evaluate(() => customElements.get('mesh-pay-button') === undefined), true);
    }));
});

describe('a page on an origin the merchant did not list', () => {
  it('gets the button from a CDN but no CORS grant from the kit: the token request fails visibly', () =>
    inTab(`${stranger.url}/index.html`, async ({ page, console }) => {
      await pressPay(page);
      await page.locator('mesh-pay-button[status="error"]').waitFor({ timeout: 20_000 });
      const errors = await meshErrorsOn(page);
      assert.ok(errors.length >= 1, 'a mesh-error event tells the page why');
      assert.ok(console.some((line) => /blocked by CORS policy/.test(line) && line.includes('/mesh/link-token')), `not refused by CORS: ${console.join(' | ')}`);
      assert.deepEqual(await creditsFor('xo-stranger'), []);
    }));
});

describe('a shopper on the listed page pays', () => {
  it('through the kit on the other origin: status stream and all, succeeded, credited once', () =>
    inTab(`${shop.url}/pay.html`, async ({ page, console }) => {
      await paysThrough(page, console, 'xo-pay');
    }));
});

describe('a shop whose CMS adds a version query to the script URL', () => {
  it('loads the button once, and it ends the payment saying "Paid"', () =>
    inTab(`${shop.url}/versioned.html`, async ({ page, console }) => {
      await paysThrough(page, console, 'xo-versioned');
      // The label comes from the strings the lazily loaded half adds to the entry's languages: with a
      // second copy of the entry (the lazy half importing it without the query) they went to that copy.
      assert.equal((await page.locator('mesh-pay-button').locator('[part~="label"]').textContent())?.trim(), 'Paid');
      const entryLoads = await page.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .map((entry) => new URL(entry.name))
          .filter((url) => url.pathname.endsWith('/mesh-pay-button.js'))
          .map((url) => url.search),
      );
      assert.deepEqual(entryLoads, ['?v=1764374400'], 'one download of the entry, by the URL the page gave');
    }));
});
