import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../test/support/chromium.js';
import { createFakeKit } from './fake-kit.mjs';

// A merchant page with the strictest usual policy: no inline script or style, no eval, frames and
// connections to its own origin only. The BUILT script-tag bundle must work there untouched.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; frame-src 'self'; connect-src 'self'";
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const browserDist = here('../dist/browser/');

let server: Server;
let origin: string;
let browser: Browser;
const kit = createFakeKit({ linkPagePath: '/packages/widget/test/fake-link.html' });

before(async () => {
  assert.ok(existsSync(`${browserDist}mesh-pay-button.js`), 'run `npm run build` first');
  const app = express();
  app.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    next();
  });
  app.use((req, res, next) => {
    kit.handle(req, res).then((handled) => handled || next(), next);
  });
  app.get('/', (_req, res) => res.sendFile(here('./csp-page.html')));
  app.get('/csp-probe.js', (_req, res) => res.sendFile(here('./csp-probe.js')));
  app.get('/packages/widget/test/fake-link.html', (_req, res) => res.sendFile(here('./fake-link.html')));
  app.get('/packages/widget/test/fake-link.js', (_req, res) => res.sendFile(here('./fake-link.js')));
  app.use(express.static(browserDist));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  kit.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function status(page: Page): Promise<string | null> {
  return page.locator('mesh-pay-button').getAttribute('status');
}

async function emit(tx: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${origin}/kit/status/${tx}/emit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
}

test('on a strict-CSP page the built button renders, opens Link in its dialog, confirms and survives a reload, with zero violations', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleProblems: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) consoleProblems.push(msg.text());
  });
  page.on('pageerror', (err) => consoleProblems.push(`pageerror: ${err.message}`));

  await page.goto(origin);
  const button = page.locator('mesh-pay-button').locator('[part~="button"]');
  await button.waitFor();
  assert.equal(await button.textContent().then((t) => t?.trim()), 'Pay with crypto');
  assert.equal(await status(page), 'idle');
  // Styled by its adopted stylesheet despite style-src 'self' (no <style> injected).
  assert.equal(await button.evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(17, 24, 39)');
  assert.equal(await page.locator('style').count(), 0);

  await button.hover();
  await button.click();
  const dialog = page.locator('mesh-pay-dialog dialog[open]');
  await dialog.locator('[part~="continue"]').click();
  await page.waitForFunction(() => document.querySelector('mesh-pay-button')?.getAttribute('status') === 'confirming');
  assert.equal(await dialog.evaluate((d) => getComputedStyle(d).borderTopLeftRadius), '24px', 'dialog styled by its shadow root’s adopted sheet');
  assert.equal(await dialog.locator('[part~="close"]').isVisible(), false, 'Link loaded: our close button gave way to Link’s');
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).overflowY), 'hidden', 'the page does not scroll behind Link');
  const frame = page.frameLocator('mesh-pay-dialog > iframe');
  assert.equal(await frame.locator('#phase').textContent(), 'transfer finished');
  assert.equal(await page.locator('style').count(), 0, 'no <style> injected into the page');

  // A reload mid-confirmation shows the true state and follows the stream again.
  await page.reload();
  await page.locator('mesh-pay-button').locator('[part~="button"]').waitFor();
  await page.waitForFunction(() => document.querySelector('mesh-pay-button')?.getAttribute('status') === 'confirming');
  await emit('tx-csp-order-1-1', { status: 'succeeded', txHash: '0xfeed' });
  await page.waitForFunction(() => document.querySelector('mesh-pay-button')?.getAttribute('status') === 'succeeded');
  assert.equal(await page.locator('mesh-pay-button').locator('[part~="label"]').textContent(), 'Paid');

  const violations = await page.evaluate(() => (window as unknown as { __cspViolations: unknown[] }).__cspViolations);
  assert.deepEqual(violations, [], `CSP violations: ${JSON.stringify(violations)}`);
  assert.deepEqual(consoleProblems, []);
  await context.close();
});
