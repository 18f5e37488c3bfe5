import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../../test/support/chromium.js';
import { startStrictCspServer, statusBecomes, STRICT_CSP, watchProblems, type StrictCspServer } from './strict-csp-server.js';

// A merchant page with the strictest usual policy: no inline script or style, no eval, frames and
// connections to its own origin only. The BUILT script-tag bundle must work there untouched.
let server: StrictCspServer;
let browser: Browser;

before(async () => {
  server = await startStrictCspServer(
    () => STRICT_CSP,
    (app) => app.get('/', (_req, res) => res.sendFile(fileURLToPath(new URL('./csp-page.html', import.meta.url)))),
  );
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('on a strict-CSP page the built button renders, opens Link in its dialog, confirms and survives a reload, with zero violations', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watchProblems(page);

  await page.goto(server.origin);
  const button = page.locator('mesh-pay-button').locator('[part~="button"]');
  await button.waitFor();
  assert.equal(await button.textContent().then((t) => t?.trim()), 'Pay with crypto');
  assert.equal(await page.locator('mesh-pay-button').getAttribute('status'), 'idle');
  // Styled by its adopted stylesheet despite style-src 'self' (no <style> injected).
  assert.equal(await button.evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(17, 24, 39)');
  assert.equal(await page.locator('style').count(), 0);

  await button.hover();
  await button.click();
  const dialog = page.locator('mesh-pay-dialog dialog[open]');
  await dialog.locator('[part~="continue"]').click();
  await statusBecomes(page, 'confirming');
  assert.equal(await dialog.evaluate((d) => getComputedStyle(d).borderTopLeftRadius), '24px', 'dialog styled by its shadow root’s adopted sheet');
  assert.equal(await dialog.locator('[part~="close"]').isVisible(), false, 'Link loaded: our close button gave way to Link’s');
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).overflowY), 'hidden', 'the page does not scroll behind Link');
  const frame = page.frameLocator('mesh-pay-dialog > iframe');
  assert.equal(await frame.locator('#phase').textContent(), 'transfer finished');
  assert.equal(await page.locator('style').count(), 0, 'no <style> injected into the page');

  // A reload mid-confirmation shows the true state and follows the stream again.
  await page.reload();
  await page.locator('mesh-pay-button').locator('[part~="button"]').waitFor();
  await statusBecomes(page, 'confirming');
  await server.emit('tx-csp-order-1-1', { status: 'succeeded', txHash: '0xfeed' });
  await statusBecomes(page, 'succeeded');
  assert.equal(await page.locator('mesh-pay-button').locator('[part~="label"]').textContent(), 'Paid');

  const violations = await problems.violations();
  assert.deepEqual(violations, [], `CSP violations: ${JSON.stringify(violations)}`);
  assert.deepEqual(problems.console, []);
  await context.close();
});
