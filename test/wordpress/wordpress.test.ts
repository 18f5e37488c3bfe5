/**
 * A WordPress site owner installs the Mesh Pay plugin, points it at their kit (the demo, on another
 * origin) from Settings → Mesh Pay, and puts a button in a post with the shortcode or the block.
 * A real WordPress 6.1 (Debian's packages, its own MariaDB, `php -S`), the demo as a real process,
 * real Chromium and the real Mesh SDK.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { startDemo, type DemoProcess } from '../support/demo-process.js';
import { REPO_ROOT, ensureWidgetBundle } from '../support/widget-bundle.js';
import { freePort, startWordPress, wordpressMissing, type WordPressSite } from '../support/wordpress.js';
import { execFileSync } from 'node:child_process';

const missing = wordpressMissing();
if (missing) throw new Error(`A real WordPress cannot run here: ${missing}`);

let wp: WordPressSite;
let demo: DemoProcess;
let browser: Browser;

before(async () => {
  ensureWidgetBundle();
  // The plugin ships the bundle; the build step copies it in.
  execFileSync('npm', ['run', 'build:wordpress'], { cwd: REPO_ROOT, stdio: 'ignore' });
  const wpPort = await freePort();
  [demo, wp, browser] = await Promise.all([
    startDemo({ autoplay: 'succeed', env: { MESH_ALLOWED_ORIGINS: `http://127.0.0.1:${wpPort}` } }),
    startWordPress({ port: wpPort }),
    launchChromium(),
  ]);
});

after(async () => {
  await browser?.close();
  await Promise.allSettled([demo?.stop(), wp?.stop()]);
});

async function visit(url: string): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors, close: () => context.close() };
}

/** Submits the settings form and waits for the page WordPress redirects back to. */
async function save(page: Page): Promise<void> {
  // WordPress redirects to …&settings-updated=true, then its script removes that from the address bar.
  await Promise.all([page.waitForRequest((r) => r.url().includes('settings-updated=true')), page.click('#submit')]);
  await page.waitForLoadState('load');
  await page.locator('#mesh_pay_token_url').waitFor();
}

describe('the site owner sets the kit URL in Settings → Mesh Pay', () => {
  it('saves a good URL, refuses a dangerous one and keeps the previous value', async () => {
    const { page, close } = await visit(`${wp.url}/wp-login.php`);
    try {
      await page.fill('#user_login', 'admin');
      await page.fill('#user_pass', 'admin-password-for-tests');
      await Promise.all([page.waitForURL(/wp-admin/), page.click('#wp-submit')]);
      await page.goto(`${wp.url}/wp-admin/options-general.php?page=mesh-pay`);
      const field = page.locator('#mesh_pay_token_url');
      await field.fill(`${demo.url}/mesh/link-token`);
      await save(page);
      assert.equal(await page.locator('#mesh_pay_token_url').inputValue(), `${demo.url}/mesh/link-token`);

      // The browser's own url check would stop a person; a forged form post must be refused server-side.
      for (const bad of ['javascript:alert(document.cookie)', 'not a url', `"><script>alert(1)</script>`, 'ftp://files.example/x']) {
        await page.locator('#mesh_pay_token_url').evaluate((input: HTMLInputElement) => (input.type = 'text'));
        await page.locator('#mesh_pay_token_url').fill(bad);
        await save(page);
        assert.equal(await page.locator('#mesh_pay_token_url').inputValue(), `${demo.url}/mesh/link-token`, bad);
        assert.match(await page.locator('.notice-error, .error').first().textContent() ?? '', /must be a full http\(s\) address/);
      }
    } finally {
      await close();
    }
  });
});

describe('a post with the shortcode', () => {
  it('shows the button and takes a payment through the kit on another origin, credited once', async () => {
    const orderId = `wp-order-${Date.now().toString(36)}`;
    const url = await wp.publish('Support us', `Thank you for your order.\n\n[mesh_pay_button order_id="${orderId}" label="Pay with crypto"]`);
    const { page, errors, close } = await visit(url);
    try {
      const button = page.locator('mesh-pay-button');
      await button.locator('[part~="button"]').waitFor({ timeout: 20_000 });
      assert.equal(await button.getAttribute('token-url'), `${demo.url}/mesh/link-token`);
      assert.match((await button.locator('[part~="button"]').textContent()) ?? '', /Pay with crypto/);
      await page.locator('mesh-pay-button[status="idle"]').waitFor();
      await page.evaluate(() => {
        const w = window as unknown as { __meshErrors: unknown[] };
        w.__meshErrors = [];
        document.addEventListener('mesh-error', (e) => w.__meshErrors.push((e as CustomEvent).detail));
      });
      await button.locator('[part~="button"]').click();
      await page.locator('mesh-pay-button:is([status="succeeded"], [status="failed"], [status="error"])').waitFor({ timeout: 60_000 });
      const meshErrors = await page.evaluate(() => (window as unknown as { __meshErrors: unknown[] }).__meshErrors);
      assert.equal(await button.getAttribute('status'), 'succeeded', `mesh-error: ${JSON.stringify(meshErrors)}`);
      mkdirSync(`${REPO_ROOT}/docs`, { recursive: true });
      await page.screenshot({ path: `${REPO_ROOT}/docs/wordpress-succeeded.png` });
      const ledger = (await (await fetch(`${demo.url}/api/ledger`)).json()) as { entries: { orderId: string }[] };
      assert.equal(ledger.entries.filter((e) => e.orderId === orderId).length, 1, 'credited exactly once');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});

describe('a post with the block', () => {
  it('renders the same element from its saved attributes, and loads the module script once for two buttons', async () => {
    const url = await wp.publish(
      'Two buttons',
      [
        '<!-- wp:mesh-pay/button {"orderId":"wp-block-1","label":"Block pay","theme":"dark"} /-->',
        '<!-- wp:mesh-pay/button {"orderId":"wp-block-2"} /-->',
      ].join('\n'),
    );
    const html = await (await fetch(url)).text();
    assert.equal(html.match(/<script type="module"[^>]*mesh-pay-button\.js/g)?.length, 1, 'one module tag');
    assert.match(html, /<div class="wp-block-mesh-pay-button"><mesh-pay-button token-url="[^"]+" order-id="wp-block-1" label="Block pay" theme="dark"><\/mesh-pay-button><\/div>/);
    const { page, errors, close } = await visit(url);
    try {
      await page.locator('mesh-pay-button[order-id="wp-block-2"][status="idle"]').waitFor({ timeout: 20_000 });
      assert.equal(await page.locator('mesh-pay-button').count(), 2);
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
});

describe('hostile attribute values', () => {
  async function expectInert(url: string, expected: { orderId: string; label: string }): Promise<void> {
    const html = await (await fetch(url)).text();
    assert.equal(/<script>window\.__pwned/.test(html), false, 'no script tag made it into the page');
    assert.equal(/<img[^>]*onerror/.test(html), false, 'no img tag made it into the page');

    const { page, close } = await visit(url);
    try {
      await page.locator('mesh-pay-button').locator('[part~="button"]').waitFor({ timeout: 20_000 });
      const seen = await page.evaluate(() => {
        const b = document.querySelector('mesh-pay-button')!;
        return {
          pwned: (window as unknown as { __pwned?: unknown }).__pwned ?? null,
          injected: document.querySelectorAll('.entry-content img, .entry-content script').length,
          attributes: b.getAttributeNames().sort(),
          orderId: b.getAttribute('order-id'),
          label: b.getAttribute('label'),
          theme: b.getAttribute('theme'),
        };
      });
      assert.equal(seen.pwned, null);
      assert.equal(seen.injected, 0);
      assert.deepEqual(seen.attributes.filter((name) => !['status', 'theme'].includes(name)), ['label', 'order-id', 'token-url'], 'nothing else appears');
      assert.ok([null, 'light', 'dark', 'system'].includes(seen.theme), `an unknown theme is dropped, not ${seen.theme}`);
      assert.equal(seen.orderId, expected.orderId, 'the id arrives as typed, for the kit to judge');
      assert.equal(seen.label, expected.label);
      // Pointing at it and clicking stay harmless: the kit refuses the id and the button says so.
      const control = page.locator('mesh-pay-button').locator('[part~="button"]');
      await control.hover();
      await control.click();
      await page.locator('mesh-pay-button[status="error"]').waitFor({ timeout: 20_000 });
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned ?? null), null);
    } finally {
      await close();
    }
  }

  it('stay inert text in the shortcode’s element', async () => {
    const orderId = `" onmouseover="window.__pwned=1`;
    const label = `<img src=x onerror=window.__pwned=2>Pay "now" & more`;
    const url = await wp.publish('Hostile shortcode', `[mesh_pay_button order_id='${orderId}' label='${label}' theme='dark" onclick="window.__pwned=3']`);
    await expectInert(url, { orderId, label });
  });

  it('stay inert text in the block’s element', async () => {
    const attributes = { orderId: `"><script>window.__pwned=1</script>`, label: `<img src=x onerror=window.__pwned=2>Pay "now" & more`, theme: `dark" onclick="window.__pwned=3` };
    // Serialized the way the block editor saves attributes (HTML-significant characters as \u escapes).
    const json = JSON.stringify(attributes)
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\\"/g, '\\u0022');
    const url = await wp.publish('Hostile block', `<!-- wp:mesh-pay/button ${json} /-->`);
    await expectInert(url, { orderId: attributes.orderId, label: attributes.label });
  });
});

describe('before the kit URL is set, and after the plugin is deleted', () => {
  it('shows visitors nothing and loads no script; uninstall removes the setting', async () => {
    const saved = (await wp.php(`echo get_option('mesh_pay_token_url');`)).trim();
    assert.equal(saved, `${demo.url}/mesh/link-token`);
    await wp.php(`delete_option('mesh_pay_token_url');`);
    const url = await wp.publish('Not yet', '[mesh_pay_button order_id="order-unset"]');
    const html = await (await fetch(url)).text();
    assert.equal(html.includes('<mesh-pay-button'), false);
    assert.equal(html.includes('mesh-pay-button.js'), false);

    await wp.php(`update_option('mesh_pay_token_url', 'https://pay.example/mesh/link-token');`);
    const out = await wp.php(`uninstall_plugin('mesh-pay/mesh-pay.php'); var_export(get_option('mesh_pay_token_url', 'gone'));`);
    assert.equal(out.trim(), `'gone'`);
  });
});
