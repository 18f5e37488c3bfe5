import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../test/support/chromium.js';
import { startStrictCspServer, statusBecomes, STRICT_CSP, watchProblems, type StrictCspServer } from './strict-csp-server.js';

// Trusted Types on top of the strict policy: every DOM sink that parses a string as HTML or script
// (innerHTML, script src, srcdoc, eval, …) then takes only values made by an allow-listed policy.
// The built bundle must ask the page for exactly the policy names the README lists: `lit-html`.
const LIT = "require-trusted-types-for 'script'; trusted-types lit-html";
const POLICIES = {
  /** What the README tells a merchant to write. */
  lit: `${STRICT_CSP}; ${LIT}`,
  /** A shop whose allow-list names only its own policy. */
  shopOnly: `${STRICT_CSP}; require-trusted-types-for 'script'; trusted-types shop-app`,
  /** A shop with its own Lit app beside the button's script tag, as the README says. */
  duplicates: `${STRICT_CSP}; ${LIT} 'allow-duplicates'`,
  /** `render-type="overlay"`: the SDK's overlay injects a `<style>` (a CSP matter, not a Trusted Types one). */
  overlay: `${STRICT_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")}; ${LIT}`,
} as const;
type PolicyName = keyof typeof POLICIES;

const INSTAGRAM = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Instagram 300.0.0.0';

let server: StrictCspServer;
let browser: Browser;
/** The shop's own front-end builds, by path: `/shop-lit-app.js` (its Lit app alone) and `/npm/…` (its Lit app and `@mesh-pay/widget` in one build). */
const shopBuilds = new Map<string, string>();

interface Checkout {
  policy: PolicyName;
  /** The shop's own Lit app: loaded before the button's script tag (`beside`) or after it (`after`), or built with the button from npm (`bundled`). */
  app?: 'beside' | 'after' | 'bundled';
  renderType?: 'overlay';
}

/** The shop's checkout page for `orderId`. */
function checkoutPage(orderId: string, { app, renderType }: Omit<Checkout, 'policy'>): string {
  assert.match(orderId, /^[a-z0-9-]+$/);
  const scripts =
    app === 'bundled'
      ? '<script type="module" src="/npm/shop-npm-app.js"></script>'
      : `${app === 'beside' ? '<script type="module" src="/shop-lit-app.js"></script>' : ''}<script type="module" src="/mesh-pay-button.js"></script>${app === 'after' ? '<script type="module" src="/shop-lit-app.js"></script>' : ''}`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Trusted Types shop</title>
    <script src="/csp-probe.js"></script>
    ${scripts}
  </head>
  <body>
    <main>
      <h1>Checkout</h1>
      ${app ? '<shop-greeting></shop-greeting>' : ''}
      <mesh-pay-button token-url="/kit/token" order-id="${orderId}" hint="Allow withdrawals on your exchange"${renderType ? ` render-type="${renderType}"` : ''}></mesh-pay-button>
    </main>
  </body>
</html>`;
}

/** Bundles `entry` (a file beside this one) as a shop's build would: esbuild, ESM, minified, chunks split. */
async function shopBuild(entry: string, outdir: string): Promise<void> {
  const bundled = await build({
    entryPoints: { [entry.replace(/\.ts$/, '')]: fileURLToPath(new URL(`./${entry}`, import.meta.url)) },
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    write: false,
    outdir: '/out',
    logLevel: 'silent',
  });
  for (const file of bundled.outputFiles) shopBuilds.set(`${outdir}${file.path.slice('/out/'.length)}`, file.text);
}

before(async () => {
  await shopBuild('shop-lit-app.ts', '/');
  await shopBuild('shop-npm-app.ts', '/npm/');
  server = await startStrictCspServer(
    (req) => POLICIES[Object.hasOwn(POLICIES, String(req.query.policy)) ? (req.query.policy as PolicyName) : 'lit'],
    (app) => {
      app.get('/shop', (req, res) =>
        res.type('html').send(
          checkoutPage(String(req.query.order), {
            app: req.query.app === 'beside' || req.query.app === 'after' || req.query.app === 'bundled' ? req.query.app : undefined,
            renderType: req.query.render === 'overlay' ? 'overlay' : undefined,
          }),
        ),
      );
      app.use((req, res, next) => {
        const text = shopBuilds.get(req.path);
        if (text === undefined) next();
        else res.type('text/javascript').send(text);
      });
    },
  );
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

function shopUrl(orderId: string, { policy, app, renderType }: Checkout): string {
  return `${server.origin}/shop?order=${orderId}&policy=${policy}${app ? `&app=${app}` : ''}${renderType ? `&render=${renderType}` : ''}`;
}

const buttonOf = (page: Page) => page.locator('mesh-pay-button').locator('[part~="button"]');

/** From idle through Link (in our dialog, after the hint) to `confirming`. */
async function payUntilConfirming(page: Page): Promise<void> {
  await buttonOf(page).click();
  await page.locator('mesh-pay-dialog dialog[open]').locator('[part~="continue"]').click();
  await statusBecomes(page, 'confirming');
  assert.equal(await page.frameLocator('mesh-pay-dialog > iframe').locator('#phase').textContent(), 'transfer finished');
}

/** A fresh browser context (its own sessionStorage) on the checkout, collecting what the page refuses. */
async function openCheckout(orderId: string, checkout: Checkout, userAgent?: string) {
  const context = await browser.newContext(userAgent ? { userAgent } : {});
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(shopUrl(orderId, checkout));
  return { context, page, problems };
}

/** Waits for the first violation the page reports and returns them all. */
async function refusals(page: Page): Promise<unknown[]> {
  await page.waitForFunction(() => (window as unknown as { __cspViolations: unknown[] }).__cspViolations.length > 0);
  return page.evaluate(() => (window as unknown as { __cspViolations: unknown[] }).__cspViolations);
}

describe('a shop that enforces Trusted Types', () => {
  test('the test page really enforces them: a string assigned to innerHTML is refused and reported', async () => {
    const { context, page } = await openCheckout('tt-order-0', { policy: 'lit' });
    const outcome = await page.evaluate(() => {
      try {
        document.createElement('div').innerHTML = '<img src=x onerror=alert(1)>';
        return 'accepted';
      } catch (error) {
        return (error as Error).name;
      }
    });
    assert.equal(outcome, 'TypeError');
    const [refused] = await refusals(page);
    assert.equal((refused as { directive: string }).directive, 'require-trusted-types-for');
    await context.close();
  });

  test('with `trusted-types lit-html` the built button pays through Link, survives a reload and ends Paid, with zero violations', async () => {
    const { context, page, problems } = await openCheckout('tt-order-1', { policy: 'lit' });
    await problems.clean(async () => {
      await buttonOf(page).waitFor();
      assert.equal(await buttonOf(page).textContent().then((t) => t?.trim()), 'Pay with crypto');
      await payUntilConfirming(page);
      await page.reload();
      await buttonOf(page).waitFor();
      await statusBecomes(page, 'confirming');
      await server.emit('tx-tt-order-1-1', { status: 'succeeded', txHash: '0xfeed' });
      await statusBecomes(page, 'succeeded');
      assert.equal(await page.locator('mesh-pay-button').locator('[part~="label"]').textContent(), 'Paid');
    });
    await context.close();
  });

  test('Link reports an error, the shopper presses Retry and pays: still zero violations', async () => {
    await server.scenario('tt-order-2', { links: ['broken', 'succeed'] });
    const { context, page, problems } = await openCheckout('tt-order-2', { policy: 'lit' });
    await problems.clean(async () => {
      await buttonOf(page).click();
      await page.locator('mesh-pay-dialog dialog[open]').locator('[part~="continue"]').click();
      await statusBecomes(page, 'error');
      assert.equal(await buttonOf(page).textContent().then((t) => t?.trim()), 'Retry');
      await payUntilConfirming(page);
      await server.emit('tx-tt-order-2-2', { status: 'succeeded', txHash: '0xbeef' });
      await statusBecomes(page, 'succeeded');
    });
    await context.close();
  });

  test('in an in-app browser the button offers the system browser and Mesh’s pay page instead, with zero violations', async () => {
    await server.scenario('tt-order-3', { paymentLink: 'https://pay.meshconnect.com/p/tt' });
    const { context, page, problems } = await openCheckout('tt-order-3', { policy: 'lit' }, INSTAGRAM);
    await problems.clean(async () => {
      await buttonOf(page).hover();
      const view = page.locator('mesh-pay-button').locator('[part~="webview"]');
      await view.waitFor();
      assert.equal(await view.locator('[part~="webview-link"]').getAttribute('href'), shopUrl('tt-order-3', { policy: 'lit' }));
      await view.locator('[part~="webview-pay"]').click();
      assert.equal(await view.locator('[part~="webview-pay-link"]').getAttribute('href'), 'https://pay.meshconnect.com/p/tt');
      await server.emit('tx-tt-order-3-1', { status: 'succeeded', txHash: '0xcafe' });
      await statusBecomes(page, 'succeeded');
    });
    await context.close();
  });

  test('with `render-type="overlay"` (the SDK’s own overlay, `style-src \'unsafe-inline\'`) Link opens and the payment confirms, with zero violations', async () => {
    const { context, page, problems } = await openCheckout('tt-order-7', { policy: 'overlay', renderType: 'overlay' });
    await problems.clean(async () => {
      await buttonOf(page).click();
      await page.locator('mesh-pay-dialog dialog[open]').locator('[part~="continue"]').click();
      await statusBecomes(page, 'confirming');
      // The SDK's overlay, not our dialog, holds Link.
      assert.equal(await page.frameLocator('#mesh-link-popup__iframe').locator('#phase').textContent(), 'transfer finished');
      await server.emit('tx-tt-order-7-1', { status: 'succeeded', txHash: '0xf00d' });
      await statusBecomes(page, 'succeeded');
    });
    await context.close();
  });

  test('an allow-list without `lit-html` refuses the button’s policy by that name, and no button appears', async () => {
    const { context, page, problems } = await openCheckout('tt-order-4', { policy: 'shopOnly' });
    assert.deepEqual(await refusals(page), [{ directive: 'trusted-types', blocked: 'trusted-types-policy', sample: 'lit-html', source: `${server.origin}/mesh-pay-button.js` }]);
    assert.equal(await page.evaluate(() => customElements.get('mesh-pay-button')), undefined);
    assert.ok(problems.console.some((line) => /lit-html/.test(line)), problems.console.join('\n'));
    await context.close();
  });
});

describe('a shop whose own app is built with Lit, beside the script-tag button', () => {
  test('`trusted-types lit-html` alone refuses the second copy’s policy: the button, loaded second, never appears', async () => {
    const { context, page } = await openCheckout('tt-order-5', { policy: 'lit', app: 'beside' });
    await page.locator('shop-greeting').locator('[part~="greeting"]').waitFor();
    assert.deepEqual(await refusals(page), [{ directive: 'trusted-types', blocked: 'trusted-types-policy', sample: 'lit-html', source: `${server.origin}/mesh-pay-button.js` }]);
    assert.equal(await page.evaluate(() => customElements.get('mesh-pay-button')), undefined);
    await context.close();
  });

  test('loaded the other way round, it is the shop’s own Lit app that is refused, while the button works', async () => {
    const { context, page } = await openCheckout('tt-order-9', { policy: 'lit', app: 'after' });
    assert.deepEqual(await refusals(page), [{ directive: 'trusted-types', blocked: 'trusted-types-policy', sample: 'lit-html', source: `${server.origin}/shop-lit-app.js` }]);
    await buttonOf(page).waitFor();
    assert.equal(await page.evaluate(() => customElements.get('shop-greeting')), undefined);
    await context.close();
  });

  test('with `lit-html \'allow-duplicates\'` the shop’s element and the button both work through a payment, with zero violations', async () => {
    const { context, page, problems } = await openCheckout('tt-order-6', { policy: 'duplicates', app: 'beside' });
    await problems.clean(async () => {
      assert.equal(await page.locator('shop-greeting').locator('[part~="greeting"]').textContent(), 'Welcome back');
      await buttonOf(page).waitFor();
      await payUntilConfirming(page);
      await server.emit('tx-tt-order-6-1', { status: 'succeeded', txHash: '0xd00d' });
      await statusBecomes(page, 'succeeded');
    });
    await context.close();
  });
});

describe('a shop that builds its Lit app and the button from npm in one bundle', () => {
  test('its bundler keeps one copy of Lit: `trusted-types lit-html` alone is enough, with zero violations', async () => {
    const { context, page, problems } = await openCheckout('tt-order-8', { policy: 'lit', app: 'bundled' });
    await problems.clean(async () => {
      assert.equal(await page.locator('shop-greeting').locator('[part~="greeting"]').textContent(), 'Welcome back');
      await buttonOf(page).waitFor();
      await payUntilConfirming(page);
      await server.emit('tx-tt-order-8-1', { status: 'succeeded', txHash: '0xabba' });
      await statusBecomes(page, 'succeeded');
    });
    await context.close();
  });
});

describe('what the built bundle could assign to a Trusted Types sink, on paths no story takes', () => {
  test('its one HTML sink is Lit’s template, fed by its one policy, `lit-html`; no other sink, no eval, no script element', () => {
    const dir = fileURLToPath(new URL('../dist/browser/', import.meta.url));
    const scripts = readdirSync(dir).filter((name) => name.endsWith('.js'));
    const count = (pattern: RegExp) =>
      Object.fromEntries(scripts.map((name) => [name, readFileSync(`${dir}${name}`, 'utf8').match(pattern)?.length ?? 0]).filter(([, n]) => n !== 0));
    assert.ok(scripts.some((name) => name.startsWith('web-link-sdk-')), 'the Mesh SDK chunk is among them');
    assert.deepEqual(count(/createPolicy\(/g), { 'mesh-pay-button.js': 1 });
    assert.deepEqual(count(/createPolicy\(`lit-html`/g), { 'mesh-pay-button.js': 1 });
    assert.deepEqual(count(/\.innerHTML\b/g), { 'mesh-pay-button.js': 1 });
    const sinks = /outerHTML|insertAdjacentHTML|srcdoc|DOMParser|document\.write|createContextualFragment|setHTMLUnsafe|parseHTMLUnsafe|\beval\(|\bFunction\(|createElement\([`'"]script|importScripts|javascript:/g;
    assert.deepEqual(count(sinks), {});
  });
});
