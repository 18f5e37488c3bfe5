/**
 * The sandbox Link page is usable by everyone: axe-core finds no accessibility violations on its
 * screens, in light and dark, inside the real SDK's iframe.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import type { Browser, Frame, Page } from 'playwright-core';
import type { MeshSandbox } from '../src/index.js';
import { mintLinkToken, paymentRequest } from './support/http.js';
import { openMesh, type Shop } from './support/sdk-host.js';
import { closeShopInChromium, openShopInChromium } from './support/shop-in-chromium.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let browser: Browser;
let sandbox: MeshSandbox;
let shop: Shop;

before(async () => {
  ({ sandbox, shop, browser } = await openShopInChromium({ settleDelayMs: 10 }));
});

after(() => closeShopInChromium({ browser, sandbox, shop }));

/** Runs axe in the Link frame (evaluated through the devtools protocol, so the page's CSP stays as is). */
async function violations(frame: Frame): Promise<string[]> {
  await frame.evaluate(axeSource);
  const result = (await frame.evaluate(() => (window as any).axe.run(document, { resultTypes: ['violations'] }))) as {
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
  };
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function openLink(theme: 'light' | 'dark'): Promise<{ page: Page; frame: Frame }> {
  const { linkToken } = await mintLinkToken(shop.sandboxBase, paymentRequest());
  const page = await (await browser.newContext()).newPage();
  await page.goto(shop.url);
  await openMesh(page, linkToken, { theme });
  await page.frameLocator('#mesh-frame').getByRole('button', { name: /Coinbase/ }).waitFor();
  const frame = page.frames().find((f) => f.url().includes('/sandbox/mesh/link/'));
  assert.ok(frame, 'the Link frame');
  return { page, frame };
}

for (const theme of ['light', 'dark'] as const) {
  test(`every screen passes axe in the ${theme} theme`, async () => {
    const { page, frame } = await openLink(theme);
    assert.deepEqual(await violations(frame), [], 'integrations screen');
    await frame.getByRole('button', { name: /Coinbase/ }).click();
    await frame.getByRole('heading', { name: /Sign in to Coinbase/ }).waitFor();
    assert.deepEqual(await violations(frame), [], 'sign-in screen');
    await frame.getByLabel('Email or username').fill('ada');
    await frame.getByLabel('Password').fill('pw');
    await frame.getByRole('button', { name: 'Sign in' }).click();
    await frame.getByRole('heading', { name: /Review transfer/ }).waitFor();
    assert.deepEqual(await violations(frame), [], 'review screen');
    await frame.getByRole('button', { name: 'Confirm' }).click();
    await frame.getByRole('heading', { name: /Transfer submitted/ }).waitFor();
    assert.deepEqual(await violations(frame), [], 'submitted screen');
    // The check is live: an unlabelled field added to the page is reported.
    await frame.evaluate(() => document.getElementById('screen')!.append(document.createElement('input')));
    assert.ok((await violations(frame)).some((v) => v.startsWith('label')));
    await page.context().close();
  });
}
