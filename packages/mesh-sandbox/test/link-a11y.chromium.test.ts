/**
 * The sandbox Link page is usable by everyone: axe-core finds no accessibility violations on its
 * screens, in light and dark, inside the real SDK's iframe; and it wears the theme asked for, down
 * to following the customer's own light or dark setting.
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

/** Link in a fresh tab, asked for `theme`, on a machine whose own setting is `colorScheme`. */
async function openLink(theme: 'light' | 'dark' | 'system', colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; frame: Frame }> {
  const { linkToken } = await mintLinkToken(shop.sandboxBase, paymentRequest());
  const page = await (await browser.newContext({ colorScheme })).newPage();
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

test('wears the theme the SDK asks for: light, dark, or the customer’s own setting for system', async () => {
  const colours = (frame: Frame) =>
    frame.evaluate(() => {
      const body = getComputedStyle(document.body);
      const button = getComputedStyle(document.querySelector('.button--primary, .integration')!);
      return [body.backgroundColor, body.color, button.borderTopColor];
    });
  // Asked for explicitly, a theme holds whatever the machine's own setting.
  const light = await openLink('light', 'dark');
  const dark = await openLink('dark', 'light');
  const lightColours = await colours(light.frame);
  const darkColours = await colours(dark.frame);
  assert.deepEqual(lightColours.slice(0, 2), ['rgb(255, 255, 255)', 'rgb(20, 22, 26)']);
  assert.deepEqual(darkColours.slice(0, 2), ['rgb(17, 19, 24)', 'rgb(241, 243, 246)']);
  assert.notEqual(lightColours[2], darkColours[2], 'the borders change with the theme too');
  for (const scheme of ['dark', 'light'] as const) {
    const system = await openLink('system', scheme);
    assert.deepEqual(await colours(system.frame), scheme === 'dark' ? darkColours : lightColours, `system under a ${scheme} OS`);
    await system.page.context().close();
  }
  await light.page.context().close();
  await dark.page.context().close();
});
